-- Per content item of each source: reach, time spent, completions, and a popularity rank.
WITH per_content AS (
    SELECT
        source,
        content_id,
        (array_agg(content_title ORDER BY occurred_at DESC) FILTER (WHERE content_title IS NOT NULL))[1]
            AS content_title,
        (array_agg(content_type ORDER BY occurred_at DESC) FILTER (WHERE content_type IS NOT NULL))[1]
            AS content_type,
        count(DISTINCT learner_key) AS learners,
        count(*) AS events,
        coalesce(sum(seconds), 0) AS learning_seconds,
        count(DISTINCT learner_key) FILTER (WHERE activity = 'completed') AS completed_by,
        min(event_date) AS first_event_on,
        max(event_date) AS last_event_on
    FROM reporting.learning_events
    WHERE content_id IS NOT NULL
    GROUP BY source, content_id
)
SELECT
    per_content.*,
    round(learning_seconds / 3600.0, 2) AS learning_hours,
    row_number() OVER (ORDER BY learners DESC, learning_seconds DESC, source, content_id)
        AS popularity_rank
FROM per_content
