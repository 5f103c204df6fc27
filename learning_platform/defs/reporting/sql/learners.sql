-- One row per learner key, from the identities just keyed.
SELECT
    learner_key,
    CASE WHEN bool_or(keyed_by = 'email') THEN min(lower(btrim(email))) END AS email,
    coalesce(array_agg(DISTINCT name ORDER BY name) FILTER (WHERE name IS NOT NULL), ARRAY[]::text[])
        AS names,
    coalesce(array_agg(source_learner_id ORDER BY source_learner_id)
        FILTER (WHERE source = 'linkedin_learning'), ARRAY[]::text[]) AS linkedin_learner_urns,
    coalesce(array_agg(source_learner_id ORDER BY source_learner_id)
        FILTER (WHERE source = 'thrive'), ARRAY[]::text[]) AS thrive_user_ids,
    bool_or(source = 'thought_industries') AS in_thought_industries,
    min(keyed_by) AS keyed_by
FROM directory.learner_identities
GROUP BY learner_key
