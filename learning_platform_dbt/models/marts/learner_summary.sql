-- One row per learner in the directory, with zeros for those without events. Incremental: the
-- learners whose events learning_events replaced, or who came to or left the directory.
{{ config(
    pre_hook=["{{ read_changes(['learner']) }}", "{{ learners_in_scope() }}"],
    replace_where="learner_key in (select learner_key from learner_summary__learners)",
    post_hook=["{{ forget_read_changes() }}"],
) }}

with per_learner as (
    select
        e.learner_key,
        array_agg(distinct e.source order by e.source) as sources,
        count(*) filter (where e.source = 'linkedin_learning') as linkedin_learning_events,
        count(*) filter (where e.source = 'thrive') as thrive_events,
        count(*) filter (where e.source = 'thought_industries') as thought_industries_events,
        min(e.event_date) as first_active_on,
        max(e.event_date) as last_active_on,
        count(distinct e.event_date) as active_days,
        coalesce(sum(e.seconds) filter (where e.activity <> 'cpd_logged'), 0) as learning_seconds,
        count(distinct (e.source, e.content_id)) filter (where e.content_id is not null)
            as contents_engaged,
        count(distinct (e.source, e.content_id))
            filter (where e.content_id is not null and e.activity = 'completed') as contents_completed,
        count(*) filter (where e.activity = 'enrolled') as enrollments,
        coalesce(sum(e.quantity) filter (where e.activity = 'certified'), 0) as certificates,
        coalesce(sum(e.seconds) filter (where e.activity = 'cpd_logged'), 0) / 60 as cpd_minutes
    from {{ ref('learning_events') }} as e
    {% if is_incremental() %}
    join learner_summary__learners as s using (learner_key)
    {% endif %}
    group by e.learner_key
)

select
    l.learner_key,
    l.keyed_by,
    coalesce(p.sources, array[]::text[]) as sources,
    coalesce(p.linkedin_learning_events, 0) as linkedin_learning_events,
    coalesce(p.thrive_events, 0) as thrive_events,
    coalesce(p.thought_industries_events, 0) as thought_industries_events,
    p.first_active_on,
    p.last_active_on,
    coalesce(p.active_days, 0) as active_days,
    coalesce(p.learning_seconds, 0)::bigint as learning_seconds,
    round(coalesce(p.learning_seconds, 0) / 3600.0, 2)::numeric(12, 2) as learning_hours,
    coalesce(p.contents_engaged, 0) as contents_engaged,
    coalesce(p.contents_completed, 0) as contents_completed,
    coalesce(p.enrollments, 0) as enrollments,
    coalesce(p.certificates, 0)::bigint as certificates,
    coalesce(p.cpd_minutes, 0)::bigint as cpd_minutes
from {{ source('directory', 'learners') }} as l
{% if is_incremental() %}
join learner_summary__learners as s using (learner_key)
{% endif %}
left join per_learner as p using (learner_key)
