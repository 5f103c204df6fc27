{# A model's `+schema` is its schema, not the profile's schema with a suffix (dbt's default):
   the marts live in `reporting`, whatever the profile says. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
