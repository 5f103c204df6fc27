-- Per content item of each source: reach, time spent, completions, and a popularity rank across
-- all sources, added up from learner_contents (a row per learner of the item). Incremental: the
-- items whose rows there changed; the ranks of every item are then set again (a few thousand rows
-- at most).
{{ config(
    pre_hook=["{{ read_changes(['content']) }}", "{{ contents_in_scope('learner_contents') }}"],
    replace_where="(source, content_id) in (select source, content_id from content_engagement__contents)",
    post_hook=["{{ rank_by_popularity() }}", "{{ forget_read_changes() }}"],
) }}

select
    c.source,
    c.content_id,
    {{ latest('c.content_title', 'c.content_title_at') }} as content_title,
    {{ latest('c.content_type', 'c.content_type_at') }} as content_type,
    count(*) as learners,
    sum(c.events)::bigint as events,
    sum(c.learning_seconds)::bigint as learning_seconds,
    round(sum(c.learning_seconds) / 3600.0, 2)::numeric(12, 2) as learning_hours,
    count(*) filter (where c.completed) as completed_by,
    min(c.first_event_on) as first_event_on,
    max(c.last_event_on) as last_event_on,
    0::bigint as popularity_rank  -- set by the post-hook, over every item
from {{ ref('learner_contents') }} as c
{% if is_incremental() %}
join content_engagement__contents as s using (source, content_id)
{% endif %}
group by c.source, c.content_id
