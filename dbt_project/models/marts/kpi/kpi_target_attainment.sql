{#-
  One row per (month_start, scope_type, scope_id, metric) that has a target (crm/targets, long or
  wide form; wide rows are melted at ingest). scope_type follows kpi_monthly: company (scope_id
  'all'), team, rep (a target's `user` scope). actual is the kpi_monthly value of the same KPI
  (won_amount, won_deals, new_customers; 0 when nothing happened). For the latest data month:
  days_elapsed_share = the share of the month up to the latest data instant; projected = actual +
  the weighted open pipeline expected to close this month (including open deals whose expected
  close date already passed); pipeline_coverage = that weighted pipeline / the remaining target.
  Past months: share 1, projected = actual, no coverage. Future months: share 0, projected = the
  weighted pipeline expected to close in that month. The weights come from int_open_deals_weighted
  (stage probabilities until a forecast exists).
-#}
with

targets_scoped as (

    select * from {{ ref('int_targets_scoped') }}

),

kpis as (

    select * from {{ ref('kpi_monthly') }}

),

open_deals as (

    select * from {{ ref('int_open_deals_weighted') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

{#- An open deal counts toward the month its expected close date falls in; overdue ones toward the latest month. -#}
open_deals_by_month as (

    select
        case
            when open_deals.expected_close_month < data_bounds.latest_month_start
                then data_bounds.latest_month_start
            else open_deals.expected_close_month
        end as month_start,
        open_deals.*

    from open_deals
    cross join data_bounds
    where open_deals.expected_close_month is not null

),

{%- set scope_columns = {'company': "'all'", 'team': "coalesce(team, 'unknown')", 'rep': 'owner_id'} %}
open_deals_scoped as (

    {%- for scope_type, scope_expr in scope_columns.items() %}
    select
        month_start,
        '{{ scope_type }}' as scope_type,
        cast({{ scope_expr }} as {{ dbt.type_string() }}) as scope_id,
        prospect_id,
        weighted_amount,
        win_probability,
        is_prospect_not_yet_customer

    from open_deals_by_month
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

{#- A prospect becomes at most one new customer: its most likely open deal counts. -#}
new_customer_chances as (

    select month_start, scope_type, scope_id, prospect_id, max(win_probability) as win_probability
    from open_deals_scoped
    where is_prospect_not_yet_customer
    group by month_start, scope_type, scope_id, prospect_id

),

weighted_pipeline as (

    select month_start, scope_type, scope_id, 'won_amount' as metric, {{ stable_sum('weighted_amount') }} as weighted_open
    from open_deals_scoped
    group by month_start, scope_type, scope_id

    union all

    select month_start, scope_type, scope_id, 'won_deals', {{ stable_sum('win_probability') }}
    from open_deals_scoped
    group by month_start, scope_type, scope_id

    union all

    select month_start, scope_type, scope_id, 'new_customers', {{ stable_sum('win_probability') }}
    from new_customer_chances
    group by month_start, scope_type, scope_id

),

attainment_joined as (

    select
        targets_scoped.month_start,
        targets_scoped.scope_type,
        targets_scoped.scope_id,
        targets_scoped.metric,
        targets_scoped.target,
        coalesce(kpis.value, 0) as actual,
        coalesce(weighted_pipeline.weighted_open, 0) as weighted_open,
        case
            when targets_scoped.month_start < data_bounds.latest_month_start then 'past'
            when targets_scoped.month_start = data_bounds.latest_month_start then 'latest'
            else 'future'
        end as month_status,
        {{ days_between(business_midnight('targets_scoped.month_start'), 'data_bounds.latest_data_at') }}
            / {{ days_between(business_midnight('targets_scoped.month_start'),
                              business_month_end_instant('targets_scoped.month_start')) }} as latest_month_share

    from targets_scoped
    cross join data_bounds
    left join kpis
        on targets_scoped.month_start = kpis.month_start
        and targets_scoped.scope_type = kpis.scope_type
        and targets_scoped.scope_id = kpis.scope_id
        and targets_scoped.metric = kpis.kpi
    left join weighted_pipeline
        on targets_scoped.month_start = weighted_pipeline.month_start
        and targets_scoped.scope_type = weighted_pipeline.scope_type
        and targets_scoped.scope_id = weighted_pipeline.scope_id
        and targets_scoped.metric = weighted_pipeline.metric

),

final as (

    select
        month_start,
        scope_type,
        scope_id,
        metric,
        cast(target as double) as target,
        cast(actual as double) as actual,
        cast({{ safe_divide('actual', 'target') }} as double) as attainment,
        cast(case month_status
            when 'past' then {{ real('1.0') }}
            when 'latest' then latest_month_share
            else {{ real('0.0') }}
        end as double) as days_elapsed_share,
        cast(case when month_status = 'past' then actual else actual + weighted_open end as double) as projected,
        cast(case
            when month_status <> 'past' and target - actual > 0 then {{ safe_divide('weighted_open', 'target - actual') }}
        end as double) as pipeline_coverage,
        cast(case when month_status <> 'past' then weighted_open end as double) as weighted_open_pipeline,
        cast(case when target - actual > 0 then target - actual else 0 end as double) as remaining_target,
        month_status

    from attainment_joined

)

select * from final
