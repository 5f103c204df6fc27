-- Per LinkedIn Learning course and Pacific day, over all its learners: what content owners ask
-- for, from LinkedIn's CONTENT report (asked for with assetType COURSE, as LinkedIn wants). The
-- report names no learner, so neither does this mart. Incremental: the LinkedIn days the loads
-- replaced since the last build.
{{ config(
    pre_hook=["{{ read_changes(['day']) }}", "{{ linkedin_days_in_scope() }}"],
    replace_where="event_date in (select day from content_owner_daily__days)",
    post_hook=["{{ forget_read_changes() }}"],
) }}

with metrics as (
    select
        a.window_start,
        a.content_urn,
        min(nullif(a.asset_type, '')) as asset_type,
        sum(a.engagement_value) filter (where a.engagement_type = 'ENGAGED_LEARNERS'
            and a.engagement_qualifier = 'UNIQUE') as learners_engaged,
        sum(a.engagement_value) filter (where a.engagement_type = 'VIEWS'
            and a.engagement_qualifier = 'TOTAL') as views,
        sum(a.engagement_value) filter (where a.engagement_type = 'SECONDS_VIEWED'
            and a.engagement_qualifier = 'TOTAL') as seconds_viewed,
        sum(a.engagement_value) filter (where a.engagement_type = 'COMPLETIONS'
            and a.engagement_qualifier = 'TOTAL') as completions,
        -- LinkedIn stamps a complete day 23:59 Pacific; until then its figures can still change.
        bool_and(a.latest_data_at >= ((a.window_start + 1)::timestamp
            at time zone 'America/Los_Angeles') - interval '1 minute') as is_final
    from {{ source('linkedin_learning', 'content_activity') }} as a
    {% if is_incremental() %}
    join content_owner_daily__days as d on d.day = a.window_start
    {% endif %}
    group by a.window_start, a.content_urn
)

select
    m.window_start as event_date,
    m.content_urn as content_id,
    c.name as content_title,
    m.asset_type as content_type,
    c.content_provider_name as content_provider,
    coalesce(m.learners_engaged, 0)::bigint as learners_engaged,
    coalesce(m.views, 0)::bigint as views,
    coalesce(m.seconds_viewed, 0)::bigint as learning_seconds,
    round(coalesce(m.seconds_viewed, 0) / 3600.0, 2)::numeric(12, 2) as learning_hours,
    coalesce(m.completions, 0)::bigint as completions,
    coalesce(m.is_final, false) as is_final
from metrics as m
left join {{ source('linkedin_learning', 'contents') }} as c using (content_urn)
