-- Per learner and UTC month of event_date: what learner_summary adds up, so that it reads a dozen
-- rows a year per learner rather than every event. Incremental: the months of the days
-- learning_events replaced (a month's events, however long the history).
{{ config(
    pre_hook=["{{ read_changes(['event_day']) }}", "{{ event_months_in_scope() }}"],
    replace_where="month in (select month from learner_months__months)",
    record_changes=[{'kind': 'learner', 'source': 'null', 'key': 'learner_key'}],
    post_hook=["{{ note_if_built_whole() }}", "{{ forget_read_changes() }}"],
) }}

select
    e.learner_key,
    date_trunc('month', e.event_date)::date as month,
    count(*) filter (where e.source = 'linkedin_learning') as linkedin_learning_events,
    count(*) filter (where e.source = 'thrive') as thrive_events,
    count(*) filter (where e.source = 'thought_industries') as thought_industries_events,
    count(distinct e.event_date) as active_days,
    min(e.event_date) as first_active_on,
    max(e.event_date) as last_active_on,
    coalesce(sum(e.seconds) filter (where e.activity <> 'cpd_logged'), 0)::bigint as learning_seconds,
    count(*) filter (where e.activity = 'enrolled') as enrollments,
    coalesce(sum(e.quantity) filter (where e.activity = 'certified'), 0)::bigint as certificates,
    coalesce(sum(e.seconds) filter (where e.activity = 'cpd_logged'), 0)::bigint as cpd_seconds
from {{ ref('learning_events') }} as e
{% if is_incremental() %}
join learner_months__months as m
    on e.event_date >= m.month and e.event_date < (m.month + interval '1 month')::date
{% endif %}
group by e.learner_key, date_trunc('month', e.event_date)
