{#
  dbt creates a model's `indexes` when it builds the table whole, never on an incremental build:
  an index added to the config later would wait for a full refresh. After every incremental build
  this creates, in the model's transaction, each configured index the table has no index on the
  same columns (in order) for. Nothing is dropped.
#}
{% macro ensure_indexes() -%}
{% if is_incremental() %}
{% for index in config.get('indexes', []) %}
{%- set columns = adapter.parse_index(index).columns -%}
do $ensure_index$
begin
    if not exists (
        select 1 from pg_index as i
        where i.indrelid = '{{ this }}'::regclass
          and array(
                select a.attname::text
                from unnest(i.indkey::int2[]) with ordinality as k(attnum, position)
                join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
                order by k.position
              ) = array[{% for column in columns %}'{{ column }}'{% if not loop.last %}, {% endif %}{% endfor %}]::text[]
    ) then
        execute $create_index${{ get_create_index_sql(this, index) }}$create_index$;
    end if;
end
$ensure_index$;
{% endfor %}
{% endif %}
{%- endmacro %}
