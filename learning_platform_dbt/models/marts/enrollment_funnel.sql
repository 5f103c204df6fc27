-- Per Thought Industries course: the learners who reached each stage. A later stage implies the
-- earlier ones (a learner certified without an enrollment in the exports was still enrolled).
-- Incremental: the courses whose events learning_events replaced.
{{ config(
    pre_hook=["{{ read_changes(['content']) }}", "{{ contents_in_scope(only_source='thought_industries') }}"],
    replace_where="content_id in (select content_id from enrollment_funnel__contents)",
    post_hook=["{{ forget_read_changes() }}"],
) }}

with events as (
    select e.*
    from {{ ref('learning_events') }} as e
    {% if is_incremental() %}
    join enrollment_funnel__contents as c using (source, content_id)
    {% endif %}
    where e.source = 'thought_industries'
),

stages as (
    select
        content_id,
        learner_key,
        bool_or(activity = 'enrolled') as enrolled,
        bool_or(activity = 'started') as started,
        bool_or(activity = 'completed') as completed,
        bool_or(activity = 'certified') as certified,
        bool_or(activity = 'revoked') as revoked
    from events
    group by content_id, learner_key
),

titles as (
    select distinct on (content_id) content_id, content_title, content_type
    from events
    order by content_id, occurred_at desc
),

funnel as (
    select
        content_id,
        count(*) filter (where enrolled or started or completed or certified) as enrolled,
        count(*) filter (where started or completed or certified) as started,
        count(*) filter (where completed or certified) as completed,
        count(*) filter (where certified) as certified,
        count(*) filter (where revoked) as revoked
    from stages
    group by content_id
)

select
    funnel.content_id,
    titles.content_title,
    titles.content_type,
    funnel.enrolled,
    funnel.started,
    funnel.completed,
    funnel.certified,
    funnel.revoked,
    round(funnel.completed::numeric / nullif(funnel.enrolled, 0), 4)::numeric(5, 4) as completion_rate
from funnel
join titles using (content_id)
