{#-
  One row per past as-of date and method: how good were the probabilities given to the deals open
  on that date, judged by how those deals finally ended. The latest as-of date has no outcomes yet
  and is left out. Both methods share the same deals and the same timing (p_close_90d_if_won), so
  the comparison isolates the probabilities. At an as-of date where the forecast fell back to the
  stage probabilities (p_win_method = 'stage_probability'), the `model` row scores those same
  probabilities: it equals the `stage_probability` row, and p_win_fallback says so.
-#}
with

forecasts as (

    select * from {{ ref('fct_forecast_opportunities') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

deals_scored as (

    {{ forecast_deals_scored('forecasts', 'opportunities') }}

),

predictions as (

    select
        deals_scored.*,
        methods.method,
        case when methods.method = 'model' then deals_scored.p_win else deals_scored.stage_probability end as p

    from deals_scored
    cross join (
        select 'model' as method
        union all
        select 'stage_probability' as method
    ) as methods

),

predictions_clipped as (

    select
        *,
        least(greatest(p, {{ real('0.0001') }}), {{ real('0.9999') }}) as p_clipped

    from predictions

),

final as (

    select
        as_of_date,
        method,
        cast(sum(case when has_known_outcome then 1 else 0 end) as integer) as deals,
        {{ stable_avg('case when has_known_outcome then power(p - won, 2) end') }} as brier_score,
        {{ stable_avg('case when has_known_outcome then -(won * ln(p_clipped) + (1 - won) * ln(1 - p_clipped)) end') }} as log_loss,
        cast({{ stable_sum('coalesce(amount, 0) * p * p_close_90d_if_won') }} as double) as predicted_won_amount_90d,
        case
            when min(case when horizon_complete then 1 else 0 end) = 1
                then cast(coalesce({{ stable_sum('case when won_within_horizon then final_amount end') }}, 0) as double)
        end as actual_won_amount_90d,
        cast(count(*) as integer) as open_deals,
        min(case when horizon_complete then 1 else 0 end) = 1 as horizon_complete,
        max(case when p_win_method = 'stage_probability' then 1 else 0 end) = 1 as p_win_fallback

    from predictions_clipped
    group by as_of_date, method

)

select * from final
