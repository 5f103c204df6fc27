{#
  The incremental marts read what changed from ops.reporting_changes, where every load notes, in
  its own transaction, the days it replaced (kind `day`), the directory the learners that came or
  went (`learner`), and either of them `all` when something every event may show changed.

  A model keeps, in ops.reporting_builds, the oldest transaction still running when it last read
  the log (pg_snapshot_xmin), and reads from that transaction on: a change whose transaction
  commits after the read has a transaction id at least that old, so it is never missed, at worst
  read twice (which rewrites the same rows). The read and the watermark come from one statement,
  one snapshot, and commit with the model's rows or not at all.
#}

{% macro read_changes(kinds) -%}
create temporary table {{ this.identifier }}__changes on commit drop as
select kind, source, key
from ops.reporting_changes
where (
    kind in ({% for kind in kinds %}'{{ kind }}'{% if not loop.last %}, {% endif %}{% endfor %})
    -- `all` from a load, or from a model this one is built from (a model notes its own name).
    or kind = 'all' and (source is null
        {%- for node in model.depends_on.nodes if node.startswith('model.') %}
        or source = '{{ node.split('.')[-1] }}'
        {%- endfor %})
  )
  and xact_id >= coalesce(
      (select snapshot_xmin from ops.reporting_builds where model = '{{ this.identifier }}'), 0)
union all
select 'watermark', null, (pg_snapshot_xmin(pg_current_snapshot()))::text;
insert into ops.reporting_builds (model, snapshot_xmin)
select '{{ this.identifier }}', key::bigint from {{ this.identifier }}__changes where kind = 'watermark'
on conflict (model) do update set snapshot_xmin = excluded.snapshot_xmin, built_at = now();
{%- endmacro %}


{# True when this build must recompute everything: a change of kind `all`, or no incremental
   build before (the first build, a full refresh). #}
{% macro everything_changed() -%}
exists (select 1 from {{ this.identifier }}__changes where kind = 'all')
{%- endmacro %}


{# A model built whole (its first build, a full refresh) may have changed any row: the models
   built from it recompute everything once. #}
{% macro note_if_built_whole() -%}
{% if not is_incremental() %}
insert into ops.reporting_changes (kind, source, key)
values ('all', '{{ this.identifier }}', '{{ this.identifier }} built whole')
{% endif %}
{%- endmacro %}


{# Changes every incremental model has read are of no use any more. #}
{% macro forget_read_changes() -%}
delete from ops.reporting_changes
where xact_id < (select min(snapshot_xmin) from ops.reporting_builds)
{%- endmacro %}


{#
  The incremental strategy of every mart: replace the rows in the model's scope (config
  `replace_where`, a condition on the mart's rows) and, with a unique_key, the rows the new ones
  replace by key (a record that moved to another day), with the freshly built rows, in place, in
  the model's transaction. Config `record_changes` lists what to note in ops.reporting_changes
  for the models built from this one: a kind, the source and key expressions over the rows
  replaced and the rows written, and optionally a `where` over them.
#}
{% macro get_incremental_replace_changed_sql(arg_dict) -%}
{%- set target = arg_dict['target_relation'] -%}
{%- set temp = arg_dict['temp_relation'] -%}
{%- set unique_key = arg_dict['unique_key'] -%}
{%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
{%- set replaced = target.identifier ~ '__replaced' -%}
{#- The rows to replace, found once, each way by its own index: a scope condition OR'ed with a
    key lookup would scan the whole mart. -#}
create temporary table {{ replaced }} on commit drop as
select {{ columns }} from {{ target }} where {{ config.get('replace_where') }}
{% if unique_key %}
union
select {{ columns }} from {{ target }} where {{ unique_key }} in (select {{ unique_key }} from {{ temp }})
{% endif %};
{% for change in config.get('record_changes', []) %}
insert into ops.reporting_changes (kind, source, key)
select distinct '{{ change.kind }}', {{ change.source }}, {{ change.key }}
from (
    select {{ columns }} from {{ replaced }}
    union all
    select {{ columns }} from {{ temp }}
) as changed
{% if change.where %}where {{ change.where }}{% endif %};
{% endfor %}
delete from {{ target }} where {{ config.get('replace_where') }};
{% if unique_key %}
delete from {{ target }} where {{ unique_key }} in (select {{ unique_key }} from {{ temp }});
{% endif %}
insert into {{ target }} ({{ columns }})
select {{ columns }} from {{ temp }};
{%- endmacro %}


{#
  learning_events' scope: the (source, day)s the loads noted, or, when everything changed, every
  day any source or the mart itself holds (a day a source no longer has must go too). The
  everything branches run only then: their condition is a one-time filter.
#}
{% macro days_in_scope() -%}
{% if is_incremental() %}
create temporary table learning_events__days on commit drop as
select distinct source, key::date as day
from learning_events__changes where kind = 'day' and key is not null
union
select 'linkedin_learning', window_start
from {{ source('linkedin_learning', 'learner_content_activity') }}
where (select {{ everything_changed() }})
union
select 'thrive', (occurred_at at time zone 'UTC')::date from {{ source('thrive', 'activities') }}
where (select {{ everything_changed() }})
union
select 'thrive', (entry_date at time zone 'UTC')::date from {{ source('thrive', 'cpd_entries') }}
where (select {{ everything_changed() }})
union
select 'thought_industries', (occurred_at at time zone 'UTC')::date
from {{ source('thought_industries', 'content_actions') }}
where (select {{ everything_changed() }})
union
select source, event_date from {{ this }} where (select {{ everything_changed() }});
analyze learning_events__days;
{% endif %}
{%- endmacro %}


{# The scopes of the marts built from learning_events: what it replaced, or, when everything
   changed, everything it holds and everything the mart holds. #}

{% macro event_days_in_scope() -%}
{% if is_incremental() %}
create temporary table {{ this.identifier }}__days on commit drop as
select distinct source, key::date as day
from {{ this.identifier }}__changes where kind = 'event_day' and key is not null
union
select distinct source, event_date from {{ ref('learning_events') }}
where (select {{ everything_changed() }})
union
select distinct source, event_date from {{ this }} where (select {{ everything_changed() }});
analyze {{ this.identifier }}__days;
{% endif %}
{%- endmacro %}


{# The months of the days replaced (of one source's days only, with `only_source`). #}
{% macro event_months_in_scope(only_source=none) -%}
{% if is_incremental() %}
create temporary table {{ this.identifier }}__months on commit drop as
select distinct date_trunc('month', key::date)::date as month
from {{ this.identifier }}__changes
where kind = 'event_day' and key is not null
    {% if only_source %}and source = '{{ only_source }}'{% endif %}
union
select distinct date_trunc('month', event_date)::date from {{ ref('learning_events') }}
where (select {{ everything_changed() }})
    {% if only_source %}and source = '{{ only_source }}'{% endif %}
union
select distinct month from {{ this }} where (select {{ everything_changed() }});
analyze {{ this.identifier }}__months;
{% endif %}
{%- endmacro %}


{# The (learner, content item) pairs: learning_events notes each as a JSON array in `key`. #}
{% macro engagements_in_scope() -%}
{% if is_incremental() %}
create temporary table {{ this.identifier }}__pairs on commit drop as
select distinct key::json->>0 as learner_key, source, key::json->>1 as content_id
from {{ this.identifier }}__changes where kind = 'engagement' and key is not null
union
select distinct learner_key, source, content_id from {{ ref('learning_events') }}
where content_id is not null and (select {{ everything_changed() }})
union
select learner_key, source, content_id from {{ this }} where (select {{ everything_changed() }});
analyze {{ this.identifier }}__pairs;
{% endif %}
{%- endmacro %}


{% macro learners_in_scope() -%}
{% if is_incremental() %}
create temporary table {{ this.identifier }}__learners on commit drop as
select distinct key as learner_key
from {{ this.identifier }}__changes where kind = 'learner' and key is not null
union
select learner_key from {{ source('directory', 'learners') }}
where (select {{ everything_changed() }})
union
select learner_key from {{ this }} where (select {{ everything_changed() }});
analyze {{ this.identifier }}__learners;
{% endif %}
{%- endmacro %}


{% macro contents_in_scope(built_from='learning_events', only_source=none) -%}
{% if is_incremental() %}
create temporary table {{ this.identifier }}__contents on commit drop as
select distinct source, key as content_id
from {{ this.identifier }}__changes
where kind = 'content' and key is not null
    {% if only_source %}and source = '{{ only_source }}'{% endif %}
union
select distinct source, content_id from {{ ref(built_from) }}
where content_id is not null
    {% if only_source %}and source = '{{ only_source }}'{% endif %}
    and (select {{ everything_changed() }})
{% if only_source %}
union
select '{{ only_source }}', content_id from {{ this }} where (select {{ everything_changed() }});
{% else %}
union
select source, content_id from {{ this }} where (select {{ everything_changed() }});
{% endif %}
analyze {{ this.identifier }}__contents;
{% endif %}
{%- endmacro %}


{# content_engagement's ranks: 1 for the item with the most learners (ties broken by time spent),
   across all sources, set again after every build. #}
{% macro rank_by_popularity() -%}
update {{ this }} as t
set popularity_rank = r.rank
from (
    select source, content_id,
        row_number() over (order by learners desc, learning_seconds desc, source, content_id) as rank
    from {{ this }}
) as r
where t.source = r.source and t.content_id = r.content_id
    and t.popularity_rank is distinct from r.rank
{%- endmacro %}

