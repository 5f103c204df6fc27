-- What the directory's materialization reports: learners every source knows, and learners keyed by
-- a source's own id because it gave no e-mail.
SELECT
    count(*) FILTER (
        WHERE linkedin_learner_urns <> '{}' AND thrive_user_ids <> '{}' AND in_thought_industries
    ) AS in_all_sources,
    count(*) FILTER (WHERE keyed_by = 'source_id') AS source_scoped
FROM directory.learners
