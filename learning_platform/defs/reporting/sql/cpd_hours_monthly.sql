-- Thrive CPD per learner, UTC month and category.
SELECT
    learner_key,
    date_trunc('month', event_date)::date AS month,
    cpd_category AS category,
    count(*) AS entries,
    sum(seconds) / 60 AS minutes,
    round(sum(seconds) / 3600.0, 2) AS hours,
    coalesce(sum(e.duration_minutes) FILTER (WHERE e.is_verified), 0) AS verified_minutes
FROM reporting.learning_events
JOIN thrive.cpd_entries AS e ON event_id = 'thrive:cpd:' || e.log_entry_id
WHERE activity = 'cpd_logged'
GROUP BY learner_key, date_trunc('month', event_date), cpd_category
