{#- Layers land in schemas named exactly `staging`, `intermediate`, `marts` (the published interface). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
