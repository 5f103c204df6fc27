-- Per day and source: active learners and what they did. Incremental: the days learning_events
-- replaced since the last build.
{{ config(
    pre_hook=["{{ read_changes(['event_day']) }}", "{{ event_days_in_scope() }}"],
    replace_where="(source, event_date) in (select source, day from daily_engagement__days)",
    post_hook=["{{ forget_read_changes() }}"],
) }}

select
    e.event_date,
    e.source,
    count(distinct e.learner_key) as active_learners,
    count(*) as events,
    coalesce(sum(e.seconds) filter (where e.activity <> 'cpd_logged'), 0)::bigint as learning_seconds,
    round(coalesce(sum(e.seconds) filter (where e.activity <> 'cpd_logged'), 0) / 3600.0, 2)::numeric(12, 2)
        as learning_hours,
    coalesce(sum(e.quantity) filter (where e.activity = 'completed'), 0)::bigint as completions,
    count(*) filter (where e.activity = 'enrolled') as enrollments,
    (coalesce(sum(e.seconds) filter (where e.activity = 'cpd_logged'), 0) / 60)::bigint as cpd_minutes
from {{ ref('learning_events') }} as e
{% if is_incremental() %}
join daily_engagement__days as d on d.source = e.source and d.day = e.event_date
{% endif %}
group by e.event_date, e.source
