-- Per learner and content item: what content_engagement and learner_summary count distinct
-- (learners of an item, items of a learner), so that they count rows here rather than reading
-- every event. Incremental: the (learner, item) pairs whose events learning_events replaced,
-- each read through learning_events' index on them.
{{ config(
    pre_hook=["{{ read_changes(['engagement']) }}", "{{ engagements_in_scope() }}"],
    replace_where="(learner_key, source, content_id) in
        (select learner_key, source, content_id from learner_contents__pairs)",
    record_changes=[
        {'kind': 'learner', 'source': 'null', 'key': 'learner_key'},
        {'kind': 'content', 'source': 'source', 'key': 'content_id'},
    ],
    post_hook=["{{ note_if_built_whole() }}", "{{ forget_read_changes() }}"],
) }}

select
    e.learner_key,
    e.source,
    e.content_id,
    count(*) as events,
    coalesce(sum(e.seconds), 0)::bigint as learning_seconds,
    bool_or(e.activity = 'completed') as completed,
    min(e.event_date) as first_event_on,
    max(e.event_date) as last_event_on,
    -- The latest title and type this learner's events carry, and when: the item's own are the
    -- latest of all its learners'.
    {{ latest('e.content_title', 'e.occurred_at') }} as content_title,
    max(e.occurred_at) filter (where e.content_title is not null) as content_title_at,
    {{ latest('e.content_type', 'e.occurred_at') }} as content_type,
    max(e.occurred_at) filter (where e.content_type is not null) as content_type_at
from {{ ref('learning_events') }} as e
{% if is_incremental() %}
join learner_contents__pairs as p using (learner_key, source, content_id)
{% endif %}
where e.content_id is not null
group by e.learner_key, e.source, e.content_id
