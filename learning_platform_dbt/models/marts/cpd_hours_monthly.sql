-- Thrive CPD per learner, UTC month and category. Incremental: the months of the Thrive days
-- learning_events replaced since the last build.
{{ config(
    pre_hook=["{{ read_changes(['event_day']) }}", "{{ event_months_in_scope('thrive') }}"],
    replace_where="month in (select month from cpd_hours_monthly__months)",
    post_hook=["{{ forget_read_changes() }}"],
) }}

select
    e.learner_key,
    date_trunc('month', e.event_date)::date as month,
    e.cpd_category as category,
    count(*) as entries,
    (sum(e.seconds) / 60)::bigint as minutes,
    round(sum(e.seconds) / 3600.0, 2)::numeric(12, 2) as hours,
    (coalesce(sum(e.seconds) filter (where e.cpd_verified), 0) / 60)::bigint as verified_minutes
from {{ ref('learning_events') }} as e
{% if is_incremental() %}
join cpd_hours_monthly__months as m
    on e.event_date >= m.month and e.event_date < (m.month + interval '1 month')::date
{% endif %}
where e.activity = 'cpd_logged'
group by e.learner_key, date_trunc('month', e.event_date), e.cpd_category
