{#-
  One row per (as_of_date, month_start, scope_type, scope_id): the pipeline open at the as-of date
  by the month it is expected to close, weighted by the model (p_win) and by the static stage
  probabilities, and for months already past the amount actually won. Scopes follow kpi_monthly:
  the opportunity's current owner and that owner's team. Months: those any open deal is expected to
  close in, and the as-of month and the two after it (so a month with actuals but no forecast shows).
  weighted_amount is the published figure: the model's (model_weighted_amount) unless the model scored
  worse than the stage probabilities on the latest backtest dates (the last `forecast_recent_dates`, default
  3, with scored deals, Brier pooled by deals); then it is the stage-weighted amount, and
  weighted_method / weighted_method_reason say so on every row.
-#}
with

forecasts as (

    select * from {{ ref('fct_forecast_opportunities') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

latest as (

    select max(as_of_date) as latest_as_of_date from forecasts

),

backtest as (

    select * from {{ ref('kpi_forecast_backtest') }}

),

recent_dates as (

    select as_of_date
    from backtest
    where method = 'model' and deals > 0 and brier_score is not null
    order by as_of_date desc
    limit {{ var('forecast_recent_dates', 3) }}

),

recent_scores as (

    select
        count(distinct backtest.as_of_date) as dates,
        min(backtest.as_of_date) as first_date,
        max(backtest.as_of_date) as last_date,
        {{ stable_sum('backtest.brier_score * backtest.deals') }} filter (where backtest.method = 'model')
            / nullif(sum(backtest.deals) filter (where backtest.method = 'model'), 0) as model_brier,
        {{ stable_sum('backtest.brier_score * backtest.deals') }} filter (where backtest.method = 'stage_probability')
            / nullif(sum(backtest.deals) filter (where backtest.method = 'stage_probability'), 0) as stage_brier

    from backtest
    inner join recent_dates
        on backtest.as_of_date = recent_dates.as_of_date

),

published_method as (

    select
        case when model_brier > stage_brier then 'stage_probability' else 'model' end as weighted_method,
        case
            when model_brier > stage_brier
                then 'model Brier score ' || cast(round(model_brier, 3) as {{ dbt.type_string() }})
                    || ' worse than the stage probabilities'' ' || cast(round(stage_brier, 3) as {{ dbt.type_string() }})
                    || ' on the last ' || cast(dates as {{ dbt.type_string() }}) || ' backtest dates ('
                    || cast(first_date as {{ dbt.type_string() }}) || ' to ' || cast(last_date as {{ dbt.type_string() }})
                    || '): the pipeline is weighted by the stage probabilities'
        end as weighted_method_reason

    from recent_scores

),

as_of_dates as (

    select distinct as_of_date from forecasts

),

won_deals as (

    select
        opportunity_id,
        owner_id,
        team,
        amount,
        {{ business_month_start('closed_at') }} as closed_month

    from opportunities
    where outcome = 'won'

),

deal_scopes as (

    select opportunity_id, 'company' as scope_type, 'all' as scope_id from opportunities
    union all
    select opportunity_id, 'team' as scope_type, team as scope_id from opportunities where team is not null
    union all
    select opportunity_id, 'rep' as scope_type, owner_id as scope_id from opportunities where owner_id is not null

),

pipeline as (

    select
        forecasts.as_of_date,
        forecasts.expected_close_month as month_start,
        deal_scopes.scope_type,
        deal_scopes.scope_id,
        {{ stable_sum('forecasts.amount') }} as open_pipeline_amount,
        {{ stable_sum('forecasts.amount * forecasts.p_win') }} as weighted_amount,
        {{ stable_sum('forecasts.amount * forecasts.stage_probability') }} as stage_weighted_amount,
        count(*) as open_deals

    from forecasts
    inner join deal_scopes
        on forecasts.opportunity_id = deal_scopes.opportunity_id
    group by 1, 2, 3, 4

),

open_deals_won as (

    select
        forecasts.as_of_date,
        won_deals.closed_month as month_start,
        deal_scopes.scope_type,
        deal_scopes.scope_id,
        {{ stable_sum('won_deals.amount') }} as actual_won_amount_open_deals

    from forecasts
    inner join won_deals
        on forecasts.opportunity_id = won_deals.opportunity_id
    inner join deal_scopes
        on forecasts.opportunity_id = deal_scopes.opportunity_id
    group by 1, 2, 3, 4

),

actuals as (

    select
        won_deals.closed_month as month_start,
        deal_scopes.scope_type,
        deal_scopes.scope_id,
        {{ stable_sum('won_deals.amount') }} as actual_won_amount

    from won_deals
    inner join deal_scopes
        on won_deals.opportunity_id = deal_scopes.opportunity_id
    group by 1, 2, 3

),

month_offsets as (

    select 0 as month_offset
    union all
    select 1
    union all
    select 2

),

near_months as (

    select
        as_of_dates.as_of_date,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', dbt.date_trunc('month', 'as_of_dates.as_of_date')) }} as date)
            as month_start

    from as_of_dates
    cross join month_offsets

),

rows_wanted as (

    select as_of_date, month_start, scope_type, scope_id from pipeline
    union
    select near_months.as_of_date, near_months.month_start, actuals.scope_type, actuals.scope_id
    from near_months
    inner join actuals
        on near_months.month_start = actuals.month_start

),

final as (

    select
        rows_wanted.as_of_date,
        rows_wanted.month_start,
        rows_wanted.scope_type,
        rows_wanted.scope_id,
        cast(coalesce(pipeline.open_pipeline_amount, 0) as double) as open_pipeline_amount,
        cast(
            case
                when published_method.weighted_method = 'stage_probability'
                    then coalesce(pipeline.stage_weighted_amount, 0)
                else coalesce(pipeline.weighted_amount, 0)
            end as double
        ) as weighted_amount,
        cast(coalesce(pipeline.stage_weighted_amount, 0) as double) as stage_weighted_amount,
        case
            when {{ dbt.dateadd('month', 1, 'rows_wanted.month_start') }} <= latest.latest_as_of_date
                then cast(coalesce(actuals.actual_won_amount, 0) as double)
        end as actual_won_amount,
        case
            when {{ dbt.dateadd('month', 1, 'rows_wanted.month_start') }} <= latest.latest_as_of_date
                then cast(coalesce(open_deals_won.actual_won_amount_open_deals, 0) as double)
        end as actual_won_amount_open_deals,
        cast(coalesce(pipeline.open_deals, 0) as integer) as open_deals,
        cast(coalesce(pipeline.weighted_amount, 0) as double) as model_weighted_amount,
        coalesce(published_method.weighted_method, 'model') as weighted_method,
        published_method.weighted_method_reason

    from rows_wanted
    cross join latest
    left join published_method
        on true
    left join pipeline
        on rows_wanted.as_of_date = pipeline.as_of_date
        and rows_wanted.month_start = pipeline.month_start
        and rows_wanted.scope_type = pipeline.scope_type
        and rows_wanted.scope_id = pipeline.scope_id
    left join actuals
        on rows_wanted.month_start = actuals.month_start
        and rows_wanted.scope_type = actuals.scope_type
        and rows_wanted.scope_id = actuals.scope_id
    left join open_deals_won
        on rows_wanted.as_of_date = open_deals_won.as_of_date
        and rows_wanted.month_start = open_deals_won.month_start
        and rows_wanted.scope_type = open_deals_won.scope_type
        and rows_wanted.scope_id = open_deals_won.scope_id

)

select * from final
