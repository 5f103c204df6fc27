-- Thrive CPD per learner, UTC month and category.
SELECT
    learner_key,
    date_trunc('month', event_date)::date AS month,
    cpd_category AS category,
    count(*) AS entries,
    sum(seconds) / 60 AS minutes,
    round(sum(seconds) / 3600.0, 2) AS hours,
    coalesce(sum(seconds) FILTER (WHERE cpd_verified), 0) / 60 AS verified_minutes
FROM reporting.learning_events
WHERE activity = 'cpd_logged'
GROUP BY learner_key, date_trunc('month', event_date), cpd_category
