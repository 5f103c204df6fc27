-- One row per learning event across the three sources, keyed to the learner by directory.learner_identities.
-- `activity_map` (source, source_activity, activity) comes from lib/vocabulary.py, bound by the
-- platform as three parallel arrays.
WITH activity_map (source, source_activity, activity) AS (
    SELECT * FROM unnest(
        %(activity_sources)s::text[], %(source_activities)s::text[], %(activities)s::text[]
    )
),
linkedin AS (
    -- LinkedIn reports daily aggregates per learner and content item: each metric row with a value is an event.
    SELECT
        'linkedin_learning:' || md5(concat_ws('|', a.window_start, a.learner_urn, a.content_urn,
            a.engagement_type, a.engagement_qualifier, a.asset_type)) AS event_id,
        'linkedin_learning' AS source,
        i.learner_key,
        a.window_start AS event_date,
        a.window_start::timestamp AT TIME ZONE 'America/Los_Angeles' AS occurred_at,
        a.engagement_type AS source_activity,
        a.content_urn AS content_id,
        c.name AS content_title,
        a.asset_type AS content_type,
        CASE WHEN a.engagement_type = 'SECONDS_VIEWED' THEN a.engagement_value END AS seconds,
        CASE WHEN a.engagement_type = 'PROGRESS_PERCENTAGE' THEN LEAST(a.engagement_value, 100) END
            AS progress_percent,
        CASE WHEN a.engagement_type IN ('SECONDS_VIEWED', 'PROGRESS_PERCENTAGE') THEN 1
             ELSE a.engagement_value END AS quantity,
        NULL::text AS cpd_category,
        NULL::boolean AS cpd_verified
    FROM linkedin_learning.learner_content_activity AS a
    LEFT JOIN linkedin_learning.contents AS c USING (content_urn)
    LEFT JOIN directory.learner_identities AS i
        ON i.source = 'linkedin_learning' AND i.source_learner_id = a.learner_urn
    WHERE a.engagement_value > 0
),
thrive_activity AS (
    SELECT
        'thrive:activity:' || a.id AS event_id,
        'thrive' AS source,
        i.learner_key,
        (a.occurred_at AT TIME ZONE 'UTC')::date AS event_date,
        a.occurred_at,
        a.type AS source_activity,
        a.context_id AS content_id,
        a.name AS content_title,
        coalesce(a.content_type, a.context_type) AS content_type,
        -- `duration` is seconds, as a string; anything else is not a duration.
        CASE WHEN a.data->>'duration' ~ '^\s*[0-9]+(\.[0-9]+)?\s*$'
             THEN round((a.data->>'duration')::numeric)::bigint END AS seconds,
        CASE WHEN a.data->>'progresspercentage' ~ '^\s*[0-9]+(\.[0-9]+)?\s*$'
             THEN LEAST((a.data->>'progresspercentage')::numeric, 100) END AS progress_percent,
        1 AS quantity,
        NULL::text AS cpd_category,
        NULL::boolean AS cpd_verified
    FROM thrive.activities AS a
    LEFT JOIN directory.learner_identities AS i
        ON i.source = 'thrive' AND i.source_learner_id = a.user_id
),
thrive_cpd AS (
    SELECT
        'thrive:cpd:' || e.log_entry_id AS event_id,
        'thrive' AS source,
        i.learner_key,
        (e.entry_date AT TIME ZONE 'UTC')::date AS event_date,
        e.entry_date AS occurred_at,
        'cpd_entry' AS source_activity,
        NULL::text AS content_id,
        e.content_name AS content_title,
        e.content_type,
        e.duration_minutes::bigint * 60 AS seconds,
        NULL::numeric AS progress_percent,
        1 AS quantity,
        coalesce(e.category_name, 'Uncategorised') AS cpd_category,
        e.is_verified AS cpd_verified
    FROM thrive.cpd_entries AS e
    LEFT JOIN directory.learner_identities AS i
        ON i.source = 'thrive' AND i.source_learner_id = e.user_id
),
thought_industries AS (
    SELECT
        'thought_industries:' || t.action_id AS event_id,
        'thought_industries' AS source,
        i.learner_key,
        (t.occurred_at AT TIME ZONE 'UTC')::date AS event_date,
        t.occurred_at,
        t.action_type || '/' || t.action_source AS source_activity,
        coalesce(t.content_type, '') || ':' || t.content_title AS content_id,
        t.content_title,
        t.content_type,
        NULL::bigint AS seconds,
        NULL::numeric AS progress_percent,
        1 AS quantity,
        NULL::text AS cpd_category,
        NULL::boolean AS cpd_verified
    FROM thought_industries.content_actions AS t
    LEFT JOIN directory.learner_identities AS i
        ON i.source = 'thought_industries' AND i.source_learner_id = lower(btrim(t.learner_email))
),
events AS (
    SELECT * FROM linkedin
    UNION ALL SELECT * FROM thrive_activity
    UNION ALL SELECT * FROM thrive_cpd
    UNION ALL SELECT * FROM thought_industries
)
-- A value without a canonical activity, or an event without a learner key, leaves a null that the
-- table's NOT NULL refuses: the rebuild fails loudly instead of dropping the event.
SELECT events.*, m.activity
FROM events
LEFT JOIN activity_map AS m USING (source, source_activity)
