{#-
  One row per (month_start, scope_type, scope_id): the additive totals behind kpi_monthly (wide), so
  that every KPI there is a ratio or copy of these columns. Three kinds of events feed it, each
  counted in the business month of its own instant:
  - closed deals (won or lost, never invalid) at closed_at, owned by the current owner, team = the
    owner's team when the deal closed (fct_opportunities.team), the prospect's lead source, the
    deal's pipeline;
  - prospects at first contact (new_leads, lead_conversion_rate), attributed to the prospect's first
    valid opportunity's owner, else first WeCom follower, else lead owner
    (dim_prospects.attributed_rep_id), team = that rep's team at the first contact (rep_team_at); a
    prospect converts with a valid opportunity only; no pipeline scope (a lead has no pipeline until a
    deal exists);
  - new customers at the closed_at of the prospect's first won deal, attributed like a deal (that
    deal's owner, team, pipeline; the prospect's lead source).
  Amounts are fct_opportunities.amount (reporting currency): one that could not be converted counts
  0 in the sums, and its won deal is counted in won_deals_unconverted so averages leave it out.
  The events themselves come from the macro kpi_event_ctes, their one home, which the governed metrics
  (int_kpi_events, models/semantic/) read too. Missing team / rep / lead source are 'unknown' there.
  Each scope gets a row for every month from its first event month to the latest data month, so
  counts are 0 (not missing) in quiet months.
-#}
{%- set scope_columns = {
    'company': "'all'",
    'team': 'team',
    'rep': 'rep_id',
    'lead_source': 'lead_source',
    'pipeline': 'pipeline_key',
} %}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

prospects as (

    select * from {{ ref('dim_prospects') }}

),

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

{{ kpi_event_ctes() }},

scoped_events as (

    {%- for scope_type, scope_expr in scope_columns.items() %}
    select
        month_start,
        '{{ scope_type }}' as scope_type,
        cast({{ scope_expr }} as {{ dbt.type_string() }}) as scope_id,
        won_deals,
        lost_deals,
        won_amount,
        lost_amount,
        won_deals_unconverted,
        sales_cycle_days,
        new_leads,
        converted_leads,
        new_customers,
        new_customer_amount

    from kpi_events
    {%- if scope_type == 'pipeline' %}
    where pipeline_key is not null
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

scope_totals as (

    select
        month_start,
        scope_type,
        scope_id,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals,
        {{ stable_sum('won_amount') }} as won_amount,
        {{ stable_sum('lost_amount') }} as lost_amount,
        sum(won_deals_unconverted) as won_deals_unconverted,
        {{ stable_sum('sales_cycle_days') }} as sales_cycle_days_sum,
        count(sales_cycle_days) as sales_cycle_deals,
        {{ median('sales_cycle_days') }} as median_sales_cycle_days,
        sum(new_leads) as new_leads,
        sum(converted_leads) as converted_leads,
        sum(new_customers) as new_customers,
        {{ stable_sum('new_customer_amount') }} as new_customer_amount

    from scoped_events
    group by month_start, scope_type, scope_id

),

months as (

    select distinct dates.month_start
    from dates
    cross join data_bounds
    where dates.month_start <= data_bounds.latest_month_start

),

scope_first_months as (

    select scope_type, scope_id, min(month_start) as first_month_start
    from scope_totals
    group by scope_type, scope_id

),

scope_months as (

    select
        months.month_start,
        scope_first_months.scope_type,
        scope_first_months.scope_id

    from scope_first_months
    inner join months
        on months.month_start >= scope_first_months.first_month_start

),

monthly_totals as (

    select
        scope_months.month_start,
        scope_months.scope_type,
        scope_months.scope_id,
        coalesce(scope_totals.won_deals, 0) as won_deals,
        coalesce(scope_totals.lost_deals, 0) as lost_deals,
        coalesce(scope_totals.won_amount, 0) as won_amount,
        coalesce(scope_totals.lost_amount, 0) as lost_amount,
        coalesce(scope_totals.won_deals_unconverted, 0) as won_deals_unconverted,
        coalesce(scope_totals.sales_cycle_days_sum, 0) as sales_cycle_days_sum,
        coalesce(scope_totals.sales_cycle_deals, 0) as sales_cycle_deals,
        scope_totals.median_sales_cycle_days,
        coalesce(scope_totals.new_leads, 0) as new_leads,
        coalesce(scope_totals.converted_leads, 0) as converted_leads,
        coalesce(scope_totals.new_customers, 0) as new_customers,
        coalesce(scope_totals.new_customer_amount, 0) as new_customer_amount

    from scope_months
    left join scope_totals
        on scope_months.month_start = scope_totals.month_start
        and scope_months.scope_type = scope_totals.scope_type
        and scope_months.scope_id = scope_totals.scope_id

)

select * from monthly_totals
