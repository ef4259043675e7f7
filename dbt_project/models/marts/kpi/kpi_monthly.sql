{#-
  One row per (month_start, scope_type, scope_id, kpi): the long KPI table (kpi-definitions.md),
  unpivoted from int_kpi_monthly_scope_totals (which states the event, month and attribution rules).
  Rates and averages are numerator / denominator, NULL when the denominator is 0; counts and sums
  carry value = numerator and no denominator; the median has no additive numerator.
-#}
with

monthly_totals as (

    select * from {{ ref('int_kpi_monthly_scope_totals') }}

),

{#- (kpi, numerator, denominator, value); a count or sum has no denominator and value = numerator. -#}
{%- set kpis = [
    ('win_rate', 'won_deals', 'won_deals + lost_deals', none),
    ('win_rate_amount', 'won_amount', 'won_amount + lost_amount', none),
    ('won_deals', 'won_deals', none, 'won_deals'),
    ('won_amount', 'won_amount', none, 'won_amount'),
    ('new_leads', 'new_leads', none, 'new_leads'),
    ('lead_conversion_rate', 'converted_leads', 'new_leads', none),
    ('avg_sales_cycle_days', 'sales_cycle_days_sum', 'sales_cycle_deals', none),
    ('median_sales_cycle_days', none, 'sales_cycle_deals', 'median_sales_cycle_days'),
    ('new_customers', 'new_customers', none, 'new_customers'),
    ('new_customer_amount', 'new_customer_amount', none, 'new_customer_amount'),
    ('avg_deal_size', 'won_amount', 'won_deals - won_deals_unconverted', none),
] %}
kpis_unpivoted as (

    {%- for kpi, numerator, denominator, value in kpis %}
    select
        month_start,
        scope_type,
        scope_id,
        '{{ kpi }}' as kpi,
        cast({{ numerator if numerator else 'null' }} as double) as numerator,
        cast({{ denominator if denominator else 'null' }} as double) as denominator,
        cast({{ value if value else safe_divide(numerator, denominator) }} as double) as value

    from monthly_totals
    {%- if kpi in ('new_leads', 'lead_conversion_rate') %}
    where scope_type <> 'pipeline'
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        month_start,
        scope_type,
        scope_id,
        kpi,
        numerator,
        denominator,
        value

    from kpis_unpivoted

)

select * from final
