-- One row per learner in the directory, with zeros for those without events.
WITH per_learner AS (
    SELECT
        learner_key,
        array_agg(DISTINCT source ORDER BY source) AS sources,
        count(*) FILTER (WHERE source = 'linkedin_learning') AS linkedin_learning_events,
        count(*) FILTER (WHERE source = 'thrive') AS thrive_events,
        count(*) FILTER (WHERE source = 'thought_industries') AS thought_industries_events,
        min(event_date) AS first_active_on,
        max(event_date) AS last_active_on,
        count(DISTINCT event_date) AS active_days,
        coalesce(sum(seconds) FILTER (WHERE activity <> 'cpd_logged'), 0) AS learning_seconds,
        count(DISTINCT (source, content_id)) FILTER (WHERE content_id IS NOT NULL) AS contents_engaged,
        count(DISTINCT (source, content_id))
            FILTER (WHERE content_id IS NOT NULL AND activity = 'completed') AS contents_completed,
        count(*) FILTER (WHERE activity = 'enrolled') AS enrollments,
        coalesce(sum(quantity) FILTER (WHERE activity = 'certified'), 0) AS certificates,
        coalesce(sum(seconds) FILTER (WHERE activity = 'cpd_logged'), 0) / 60 AS cpd_minutes
    FROM reporting.learning_events
    GROUP BY learner_key
)
SELECT
    l.learner_key,
    l.keyed_by,
    coalesce(p.sources, ARRAY[]::text[]) AS sources,
    coalesce(p.linkedin_learning_events, 0) AS linkedin_learning_events,
    coalesce(p.thrive_events, 0) AS thrive_events,
    coalesce(p.thought_industries_events, 0) AS thought_industries_events,
    p.first_active_on,
    p.last_active_on,
    coalesce(p.active_days, 0) AS active_days,
    coalesce(p.learning_seconds, 0) AS learning_seconds,
    round(coalesce(p.learning_seconds, 0) / 3600.0, 2) AS learning_hours,
    coalesce(p.contents_engaged, 0) AS contents_engaged,
    coalesce(p.contents_completed, 0) AS contents_completed,
    coalesce(p.enrollments, 0) AS enrollments,
    coalesce(p.certificates, 0) AS certificates,
    coalesce(p.cpd_minutes, 0) AS cpd_minutes
FROM directory.learners AS l
LEFT JOIN per_learner AS p USING (learner_key)
