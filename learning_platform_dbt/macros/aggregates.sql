{# The value at the latest `at` (of equal moments, the greatest value), ignoring nulls: what
   (array_agg(value order by at desc) filter (where value is not null))[1] gives, but in a hash
   aggregate rather than a sort of every group. `value` is text. #}
{% macro latest(value, at) -%}
(max(array[({{ at }} at time zone 'UTC')::text, {{ value }}]) filter (where {{ value }} is not null))[2]
{%- endmacro %}
