-- Per day and source: active learners and what they did.
SELECT
    event_date,
    source,
    count(DISTINCT learner_key) AS active_learners,
    count(*) AS events,
    coalesce(sum(seconds) FILTER (WHERE activity <> 'cpd_logged'), 0) AS learning_seconds,
    round(coalesce(sum(seconds) FILTER (WHERE activity <> 'cpd_logged'), 0) / 3600.0, 2) AS learning_hours,
    coalesce(sum(quantity) FILTER (WHERE activity = 'completed'), 0) AS completions,
    count(*) FILTER (WHERE activity = 'enrolled') AS enrollments,
    coalesce(sum(seconds) FILTER (WHERE activity = 'cpd_logged'), 0) / 60 AS cpd_minutes
FROM reporting.learning_events
GROUP BY event_date, source
