-- What the new identities (incoming_identities) change for the marts: source ids whose learner key
-- changed (every event of theirs shows the key: the marts recompute everything), and learner keys
-- that came or went (their learner_summary rows).
WITH old AS (
    SELECT source, source_learner_id, learner_key FROM directory.learner_identities
),
new AS (
    SELECT source, source_learner_id, learner_key FROM incoming_identities
)
SELECT
    (SELECT count(*) FROM old JOIN new USING (source, source_learner_id)
     WHERE old.learner_key <> new.learner_key) AS rekeyed,
    ARRAY(SELECT learner_key FROM new EXCEPT SELECT learner_key FROM old) AS keys_added,
    ARRAY(SELECT learner_key FROM old EXCEPT SELECT learner_key FROM new) AS keys_removed
