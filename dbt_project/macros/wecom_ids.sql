{#- WeCom ids starting with `wm` or `wo` are customers (external contacts); any other id is a salesperson (contract §2). -#}
{% macro is_wecom_customer_id(expr) -%}
    ({{ starts_with(expr, 'wm') }} or {{ starts_with(expr, 'wo') }})
{%- endmacro %}

{#-
  get_user_behavior_data reports whole days of WeCom's own calendar: `stat_time` is midnight Asia/Shanghai
  (contract §2), whatever the business time zone. Its date is therefore taken in Asia/Shanghai: in a zone
  west of it the same instant falls on the previous day.
-#}
{% macro wecom_stat_date(stat_time) -%}
    {{ to_date_in_zone(stat_time, 'Asia/Shanghai') }}
{%- endmacro %}
