{#-
  One row per (month_start, pipeline stage): the distribution of days-to-advance known at the end of
  that business month, used to call an open deal "stalled" then. Only deals that actually sat in the
  stage count (entered it, then advanced): a deal that jumped over the stage spent 0 days there and
  says nothing about how long the stage takes, and neither does a first stay seen late (its length is
  unknown). Invalid deals are excluded upstream.
  A stage exit counts from the month in which both its entry and its advance lie before the month's
  end, so a past month's threshold (kpi_rep_scorecard.stalled_deals) never moves when later deals exit.
  The latest data month ends after every event: its row holds the whole history (kpi_open_deal_alerts).
  Reproducible: no clock.
-#}
with

stages_reached as (

    select * from {{ ref('int_opportunity_stages_reached') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

stage_exits as (

    select
        pipeline_key,
        stage_key,
        days_to_advance,
        greatest(entered_at, advanced_at) as known_at

    from stages_reached
    where is_advanced and not is_skipped and not is_first_seen_late

),

month_ends as (

    select distinct
        dates.month_start,
        {{ business_month_end_instant('dates.month_start') }} as month_end_at

    from dates
    cross join data_bounds
    where dates.month_start <= data_bounds.latest_month_start

),

final as (

    select
        month_ends.month_start,
        stage_exits.pipeline_key,
        stage_exits.stage_key,
        count(*) as advanced_deals,
        {{ stable_avg('stage_exits.days_to_advance') }} as avg_days_to_advance,
        {{ percentile_cont('stage_exits.days_to_advance', 0.75) }} as p75_days_to_advance

    from month_ends
    inner join stage_exits
        on stage_exits.known_at < month_ends.month_end_at
    group by month_ends.month_start, stage_exits.pipeline_key, stage_exits.stage_key

)

select * from final
