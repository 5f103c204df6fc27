{# content_owner_daily's scope: the LinkedIn days the loads noted, or, when everything changed,
   every day the CONTENT report's table or the mart itself holds (a day no longer loaded must go
   too). #}
{% macro linkedin_days_in_scope() -%}
{% if is_incremental() %}
create temporary table {{ this.identifier }}__days on commit drop as
select distinct key::date as day
from {{ this.identifier }}__changes
where kind = 'day' and source = 'linkedin_learning' and key is not null
union
select window_start from {{ source('linkedin_learning', 'content_activity') }}
where (select {{ everything_changed() }})
union
select event_date from {{ this }} where (select {{ everything_changed() }});
analyze {{ this.identifier }}__days;
{% endif %}
{%- endmacro %}
