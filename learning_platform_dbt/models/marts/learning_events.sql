{#
  One row per learning event across the three sources, keyed to the learner by the directory.
  Incremental: a build recomputes the (source, day)s the loads noted since the last build, and
  replaces them in place; a record that moved to another day is replaced by its event_id. What it
  replaced is noted for the models built from it (their days, content items and learners' items).
#}
{{ config(
    unique_key='event_id',
    indexes=[
        {'columns': ['event_date']},
        {'columns': ['learner_key', 'source', 'content_id']},
        {'columns': ['source', 'content_id']},
    ],
    pre_hook=["{{ read_changes(['day']) }}", "{{ days_in_scope() }}"],
    replace_where="(source, event_date) in (select source, day from learning_events__days)",
    record_changes=[
        {'kind': 'event_day', 'source': 'source', 'key': 'event_date::text'},
        {'kind': 'content', 'source': 'source', 'key': 'content_id'},
        {'kind': 'engagement', 'source': 'source',
         'key': 'json_build_array(learner_key, content_id)::text', 'where': 'content_id is not null'},
    ],
    post_hook=["{{ note_if_built_whole() }}", "{{ forget_read_changes() }}"],
) }}

with activity_map as (
    select source, source_activity, activity from {{ ref('canonical_activities') }}
),

linkedin as (
    -- LinkedIn reports daily aggregates per learner and content item: each metric row with a
    -- value is an event.
    select
        'linkedin_learning:' || md5(concat_ws('|', a.window_start, a.learner_urn, a.content_urn,
            a.engagement_type, a.engagement_qualifier, a.asset_type)) as event_id,
        'linkedin_learning' as source,
        i.learner_key,
        a.window_start as event_date,
        a.window_start::timestamp at time zone 'America/Los_Angeles' as occurred_at,
        a.engagement_type as source_activity,
        a.content_urn as content_id,
        c.name as content_title,
        a.asset_type as content_type,
        case when a.engagement_type = 'SECONDS_VIEWED' then a.engagement_value end as seconds,
        case when a.engagement_type = 'PROGRESS_PERCENTAGE' then least(a.engagement_value, 100) end
            as progress_percent,
        case when a.engagement_type in ('SECONDS_VIEWED', 'PROGRESS_PERCENTAGE') then 1
             else a.engagement_value end as quantity,
        null::text as cpd_category,
        null::boolean as cpd_verified
    from {{ source('linkedin_learning', 'learner_content_activity') }} as a
    {% if is_incremental() %}
    join learning_events__days as d on d.source = 'linkedin_learning' and a.window_start = d.day
    {% endif %}
    left join {{ source('linkedin_learning', 'contents') }} as c using (content_urn)
    left join {{ source('directory', 'learner_identities') }} as i
        on i.source = 'linkedin_learning' and i.source_learner_id = a.learner_urn
    where a.engagement_value > 0
),

thrive_activity as (
    select
        'thrive:activity:' || a.id as event_id,
        'thrive' as source,
        i.learner_key,
        (a.occurred_at at time zone 'UTC')::date as event_date,
        a.occurred_at,
        a.type as source_activity,
        a.context_id as content_id,
        a.name as content_title,
        coalesce(a.content_type, a.context_type) as content_type,
        -- `duration` is seconds, as a string; anything else is not a duration.
        case when a.data->>'duration' ~ '^\s*[0-9]+(\.[0-9]+)?\s*$'
             then round((a.data->>'duration')::numeric)::bigint end as seconds,
        case when a.data->>'progresspercentage' ~ '^\s*[0-9]+(\.[0-9]+)?\s*$'
             then least((a.data->>'progresspercentage')::numeric, 100) end as progress_percent,
        1 as quantity,
        null::text as cpd_category,
        null::boolean as cpd_verified
    from {{ source('thrive', 'activities') }} as a
    {% if is_incremental() %}
    join learning_events__days as d on d.source = 'thrive'
        and a.occurred_at >= d.day::timestamp at time zone 'UTC'
        and a.occurred_at < (d.day + 1)::timestamp at time zone 'UTC'
    {% endif %}
    left join {{ source('directory', 'learner_identities') }} as i
        on i.source = 'thrive' and i.source_learner_id = a.user_id
),

thrive_cpd as (
    select
        'thrive:cpd:' || e.log_entry_id as event_id,
        'thrive' as source,
        i.learner_key,
        (e.entry_date at time zone 'UTC')::date as event_date,
        e.entry_date as occurred_at,
        'cpd_entry' as source_activity,
        null::text as content_id,
        e.content_name as content_title,
        e.content_type,
        e.duration_minutes::bigint * 60 as seconds,
        null::numeric as progress_percent,
        1 as quantity,
        coalesce(e.category_name, 'Uncategorised') as cpd_category,
        e.is_verified as cpd_verified
    from {{ source('thrive', 'cpd_entries') }} as e
    {% if is_incremental() %}
    join learning_events__days as d on d.source = 'thrive'
        and e.entry_date >= d.day::timestamp at time zone 'UTC'
        and e.entry_date < (d.day + 1)::timestamp at time zone 'UTC'
    {% endif %}
    left join {{ source('directory', 'learner_identities') }} as i
        on i.source = 'thrive' and i.source_learner_id = e.user_id
),

thought_industries as (
    select
        'thought_industries:' || t.action_id as event_id,
        'thought_industries' as source,
        i.learner_key,
        (t.occurred_at at time zone 'UTC')::date as event_date,
        t.occurred_at,
        t.action_type || '/' || t.action_source as source_activity,
        coalesce(t.content_type, '') || ':' || t.content_title as content_id,
        t.content_title,
        t.content_type,
        null::bigint as seconds,
        null::numeric as progress_percent,
        1 as quantity,
        null::text as cpd_category,
        null::boolean as cpd_verified
    from {{ source('thought_industries', 'content_actions') }} as t
    {% if is_incremental() %}
    join learning_events__days as d on d.source = 'thought_industries'
        and t.occurred_at >= d.day::timestamp at time zone 'UTC'
        and t.occurred_at < (d.day + 1)::timestamp at time zone 'UTC'
    {% endif %}
    left join {{ source('directory', 'learner_identities') }} as i
        on i.source = 'thought_industries' and i.source_learner_id = lower(btrim(t.learner_email))
),

events as (
    select * from linkedin
    union all select * from thrive_activity
    union all select * from thrive_cpd
    union all select * from thought_industries
)

-- A value without a canonical activity, or an event without a learner key, leaves a null that the
-- contract's not_null refuses: the build fails loudly instead of dropping the event.
select
    events.event_id,
    events.source,
    events.learner_key,
    events.event_date,
    events.occurred_at,
    m.activity,
    events.source_activity,
    events.content_id,
    events.content_title,
    events.content_type,
    events.seconds,
    events.progress_percent::numeric(6, 2) as progress_percent,
    events.quantity::bigint as quantity,
    events.cpd_category,
    events.cpd_verified
from events
left join activity_map as m using (source, source_activity)
