{#-
  Reliability table: one row per method and predicted-probability bucket (tenths), pooled over every
  past as-of date: the deals given a probability in the bucket and the share of them finally won. A
  calibrated method has observed_win_rate close to mean_predicted in every bucket. The `model` rows
  hold only predictions the model made: at an as-of date where p_win fell back to the stage
  probabilities, its deals count under `stage_probability` only.
-#}
with

forecasts as (

    select * from {{ ref('fct_forecast_opportunities') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

deals_known as (

    select p_win, p_win_method, stage_probability, won
    from ({{ forecast_deals_scored('forecasts', 'opportunities') }}) as deals_scored
    where has_known_outcome

),

predictions as (

    select 'model' as method, p_win as p, won from deals_known where p_win_method = 'model'
    union all
    select 'stage_probability' as method, stage_probability as p, won from deals_known

),

bucketed as (

    select
        method,
        p,
        won,
        cast(least(floor(p * 10), 9) as integer) as bucket

    from predictions

),

final as (

    select
        method,
        bucket,
        bucket / 10.0 as bucket_lower,
        (bucket + 1) / 10.0 as bucket_upper,
        cast(count(*) as integer) as deals,
        avg(p) as mean_predicted,
        avg(won) as observed_win_rate

    from bucketed
    group by method, bucket

)

select * from final
