{#-
  One row per opportunity open at the latest data date, with the probability it is won and its
  weighted amount. The probability is the forecast model's p_win at its latest as-of date; a deal the
  forecast did not score (none should be) falls back to the static stage probability from
  pipelines.yml, and `probability_method` says which was used.
-#}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

stages as (

    select * from {{ ref('stg_config__stages') }}

),

prospects as (

    select * from {{ ref('dim_prospects') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

forecast as (

    select * from {{ ref('fct_forecast_opportunities') }}

),

latest_forecast as (

    select opportunity_id, p_win
    from forecast
    where as_of_date = (select max(as_of_date) from forecast)

),

open_opportunities as (

    select opportunities.*
    from opportunities
    where opportunities.outcome = 'open'

),

win_probabilities as (

    select
        open_opportunities.opportunity_id,
        coalesce(latest_forecast.p_win, stages.probability) as win_probability,
        case when latest_forecast.p_win is not null then 'model' else 'stage_probability' end as probability_method

    from open_opportunities
    inner join stages
        on open_opportunities.pipeline_key = stages.pipeline_key
        and open_opportunities.current_state = stages.stage_key
    left join latest_forecast
        on open_opportunities.opportunity_id = latest_forecast.opportunity_id

),

{#- A deal still in a first stay seen late (its only transition) has no known time in stage. -#}
stage_entries as (

    select
        opportunity_id,
        max(transitioned_at) as stage_entered_at,
        max(seq) = 1 and max(case when first_seen_late then 1 else 0 end) = 1 as is_stay_unknown

    from transitions
    group by opportunity_id

),

{#- Whether the prospect already had a won deal: an open deal of a customer cannot make a new customer. -#}
prospects_won as (

    select prospect_id, min(closed_at) as first_won_at
    from opportunities
    where outcome = 'won'
    group by prospect_id

),

final as (

    select
        open_opportunities.opportunity_id,
        open_opportunities.pipeline_key,
        open_opportunities.owner_id,
        open_opportunities.team,
        open_opportunities.prospect_id,
        open_opportunities.current_state as stage_key,
        stages.stage_order,
        stage_entries.stage_entered_at,
        case
            when not stage_entries.is_stay_unknown
                then {{ days_between('stage_entries.stage_entered_at', 'data_bounds.latest_data_at') }}
        end as days_in_stage,
        coalesce(open_opportunities.amount, 0) as amount,
        open_opportunities.expected_close_date,
        cast({{ dbt.date_trunc('month', 'open_opportunities.expected_close_date') }} as date) as expected_close_month,
        win_probabilities.win_probability,
        win_probabilities.probability_method,
        coalesce(open_opportunities.amount, 0) * win_probabilities.win_probability as weighted_amount,
        prospects_won.first_won_at is null as is_prospect_not_yet_customer,
        data_bounds.latest_data_at as as_of_at

    from open_opportunities
    cross join data_bounds
    inner join stages
        on open_opportunities.pipeline_key = stages.pipeline_key
        and open_opportunities.current_state = stages.stage_key
    left join win_probabilities
        on open_opportunities.opportunity_id = win_probabilities.opportunity_id
    left join stage_entries
        on open_opportunities.opportunity_id = stage_entries.opportunity_id
    left join prospects_won
        on open_opportunities.prospect_id = prospects_won.prospect_id

)

select * from final
