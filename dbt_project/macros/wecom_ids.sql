{#- WeCom ids starting with `wm` or `wo` are customers (external contacts); any other id is a salesperson (contract §2). -#}
{% macro is_wecom_customer_id(expr) -%}
    ({{ starts_with(expr, 'wm') }} or {{ starts_with(expr, 'wo') }})
{%- endmacro %}
