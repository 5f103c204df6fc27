-- Every learner id of every source with the e-mail and name it gives; the platform keys each one.
SELECT 'linkedin_learning' AS source, learner_urn AS source_learner_id, email, name
FROM linkedin_learning.learners
UNION ALL
SELECT 'thrive', id, email, nullif(btrim(concat_ws(' ', first_name, last_name)), '')
FROM thrive.users
UNION ALL
-- Thrive users with records but not (or no longer) in the users snapshot: known by id alone.
SELECT 'thrive', ids.user_id, NULL, NULL
FROM (SELECT user_id FROM thrive.activities UNION SELECT user_id FROM thrive.cpd_entries) AS ids
WHERE NOT EXISTS (SELECT 1 FROM thrive.users AS u WHERE u.id = ids.user_id)
UNION ALL
-- Thought Industries exports have no learner id: the normalised e-mail is the id.
SELECT 'thought_industries', lower(btrim(learner_email)), min(learner_email), NULL
FROM thought_industries.content_actions
GROUP BY lower(btrim(learner_email))
