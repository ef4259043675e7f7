{#-
  Reliability table: one row per method and predicted-probability bucket (tenths), pooled over every
  past as-of date: the deals given a probability in the bucket and the share of them finally won. A
  calibrated method has observed_win_rate close to mean_predicted in every bucket. The `model` rows
  hold only predictions the model made: at an as-of date where p_win fell back to the stage
  probabilities, its deals count under `stage_probability` only.
  Confidence band: the 95 % Wilson score interval of the observed win rate (z = 1.96), which stays inside
  [0, 1] and is honest for small buckets; within_band says whether mean_predicted lies inside it (a bucket
  outside its band is miscalibrated beyond what chance explains).
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

buckets as (

    select
        method,
        bucket,
        bucket / {{ real('10.0') }} as bucket_lower,
        (bucket + 1) / {{ real('10.0') }} as bucket_upper,
        cast(count(*) as integer) as deals,
        {{ stable_avg('p') }} as mean_predicted,
        avg(won) as observed_win_rate

    from bucketed
    group by method, bucket

),

wilson as (

    select
        *,
        (observed_win_rate + {{ real('1.96') }} * {{ real('1.96') }} / (2 * deals)) / (1 + {{ real('1.96') }} * {{ real('1.96') }} / deals) as band_centre,
        {{ real('1.96') }} * sqrt(observed_win_rate * (1 - observed_win_rate) / deals + {{ real('1.96') }} * {{ real('1.96') }} / ({{ real('4.0') }} * deals * deals))
            / (1 + {{ real('1.96') }} * {{ real('1.96') }} / deals) as band_half_width

    from buckets

),

final as (

    select
        method,
        bucket,
        bucket_lower,
        bucket_upper,
        deals,
        mean_predicted,
        observed_win_rate,
        cast(greatest(band_centre - band_half_width, 0) as double) as observed_win_rate_lower,
        cast(least(band_centre + band_half_width, 1) as double) as observed_win_rate_upper,
        mean_predicted between greatest(band_centre - band_half_width, 0)
            and least(band_centre + band_half_width, 1) as within_band

    from wilson

)

select * from final
