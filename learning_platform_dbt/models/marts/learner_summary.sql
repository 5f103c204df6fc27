-- One row per learner in the directory, with zeros for those without events, added up from
-- learner_months and learner_contents (a dozen rows a year per learner, and their items).
-- Incremental: the learners whose rows there changed, or who came to or left the directory.
{{ config(
    pre_hook=["{{ read_changes(['learner']) }}", "{{ learners_in_scope() }}"],
    replace_where="learner_key in (select learner_key from learner_summary__learners)",
    post_hook=["{{ forget_read_changes() }}"],
) }}

with months as (
    select
        m.learner_key,
        sum(m.linkedin_learning_events)::bigint as linkedin_learning_events,
        sum(m.thrive_events)::bigint as thrive_events,
        sum(m.thought_industries_events)::bigint as thought_industries_events,
        min(m.first_active_on) as first_active_on,
        max(m.last_active_on) as last_active_on,
        sum(m.active_days)::bigint as active_days,  -- a day lies in one month
        sum(m.learning_seconds)::bigint as learning_seconds,
        sum(m.enrollments)::bigint as enrollments,
        sum(m.certificates)::bigint as certificates,
        sum(m.cpd_seconds) / 60 as cpd_minutes
    from {{ ref('learner_months') }} as m
    {% if is_incremental() %}
    join learner_summary__learners as s using (learner_key)
    {% endif %}
    group by m.learner_key
),

contents as (
    select
        c.learner_key,
        count(*) as contents_engaged,
        count(*) filter (where c.completed) as contents_completed
    from {{ ref('learner_contents') }} as c
    {% if is_incremental() %}
    join learner_summary__learners as s using (learner_key)
    {% endif %}
    group by c.learner_key
),

per_learner as (
    select
        learner_key,
        -- In the order of their names, as array_agg(distinct source order by source) gave them.
        array_remove(array[
            case when m.linkedin_learning_events > 0 then 'linkedin_learning' end,
            case when m.thought_industries_events > 0 then 'thought_industries' end,
            case when m.thrive_events > 0 then 'thrive' end
        ], null) as sources,
        m.linkedin_learning_events,
        m.thrive_events,
        m.thought_industries_events,
        m.first_active_on,
        m.last_active_on,
        m.active_days,
        m.learning_seconds,
        c.contents_engaged,
        c.contents_completed,
        m.enrollments,
        m.certificates,
        m.cpd_minutes
    from months as m
    left join contents as c using (learner_key)
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
