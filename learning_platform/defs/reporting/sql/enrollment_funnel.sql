-- Per Thought Industries course: the learners who reached each stage. A later stage implies the
-- earlier ones (a learner certified without an enrollment in the exports was still enrolled).
WITH stages AS (
    SELECT
        content_id,
        learner_key,
        bool_or(activity = 'enrolled') AS enrolled,
        bool_or(activity = 'started') AS started,
        bool_or(activity = 'completed') AS completed,
        bool_or(activity = 'certified') AS certified,
        bool_or(activity = 'revoked') AS revoked
    FROM reporting.learning_events
    WHERE source = 'thought_industries'
    GROUP BY content_id, learner_key
),
titles AS (
    SELECT DISTINCT ON (content_id) content_id, content_title, content_type
    FROM reporting.learning_events
    WHERE source = 'thought_industries'
    ORDER BY content_id, occurred_at DESC
),
funnel AS (
    SELECT
        content_id,
        count(*) FILTER (WHERE enrolled OR started OR completed OR certified) AS enrolled,
        count(*) FILTER (WHERE started OR completed OR certified) AS started,
        count(*) FILTER (WHERE completed OR certified) AS completed,
        count(*) FILTER (WHERE certified) AS certified,
        count(*) FILTER (WHERE revoked) AS revoked
    FROM stages
    GROUP BY content_id
)
SELECT
    funnel.*,
    titles.content_title,
    titles.content_type,
    round(funnel.completed::numeric / nullif(funnel.enrolled, 0), 4) AS completion_rate
FROM funnel
JOIN titles USING (content_id)
