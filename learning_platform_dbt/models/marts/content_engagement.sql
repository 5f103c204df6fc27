-- Per content item of each source: reach, time spent, completions, and a popularity rank across
-- all sources. Incremental: the content items whose events learning_events replaced; the ranks of
-- every item are then set again (a few thousand rows at most).
{{ config(
    pre_hook=["{{ read_changes(['content']) }}", "{{ contents_in_scope() }}"],
    replace_where="(source, content_id) in (select source, content_id from content_engagement__contents)",
    post_hook=["{{ rank_by_popularity() }}", "{{ forget_read_changes() }}"],
) }}

select
    e.source,
    e.content_id,
    (array_agg(e.content_title order by e.occurred_at desc)
        filter (where e.content_title is not null))[1] as content_title,
    (array_agg(e.content_type order by e.occurred_at desc)
        filter (where e.content_type is not null))[1] as content_type,
    count(distinct e.learner_key) as learners,
    count(*) as events,
    coalesce(sum(e.seconds), 0)::bigint as learning_seconds,
    round(coalesce(sum(e.seconds), 0) / 3600.0, 2)::numeric(12, 2) as learning_hours,
    count(distinct e.learner_key) filter (where e.activity = 'completed') as completed_by,
    min(e.event_date) as first_event_on,
    max(e.event_date) as last_event_on,
    0::bigint as popularity_rank  -- set by the post-hook, over every item
from {{ ref('learning_events') }} as e
{% if is_incremental() %}
join content_engagement__contents as c using (source, content_id)
{% endif %}
where e.content_id is not null
group by e.source, e.content_id
