{#-
  One row per (opportunity_id, reason) for the deals open at the latest data date that a manager
  should look at. "Today" is the latest data instant (int_kpi_data_bounds), never the wall clock.
  Reasons (kpi-definitions.md):
  - stalled: days in the current stage above the 75th percentile of historical days-to-advance for
    that stage (deals that sat in it; needs at least one such deal);
  - no_follow_up: the latest touch (CRM follow-up, WeCom message with the prospect, stage change) is
    `followup_days` (dbt var, default 7) or more days old;
  - overdue: the expected close date is before the latest data date;
  - overdue_follow_up: the deal's latest touch is a CRM follow-up that planned a next follow-up
    (next_followup_at) for a business date before the latest data date, and nothing touched the deal
    since (a touch at the same instant as that follow-up is not "since"); when several follow-ups
    share that latest instant, the earliest plan counts;
  - skipped_stage: the deal reached a later stage without ever entering a stage the pipeline marks
    `required` (also when it was created past it, but not when it was first seen past it without a
    stage log: whether it went through the stage is unknown). A deal still in a first stay seen late
    has no known days in stage and is never `stalled`.
  threshold_days / metric_days carry the numbers behind the flag; reason_detail says it in words.
  thresholds are those of the latest data month (int_stage_advance_thresholds: the whole history).
  p_win and its reasons (p_win_reasons, p_win_reasons_zh) come from the forecast's latest as-of date
  (fct_forecast_opportunities: the day after the latest data date); NULL without a forecast for the deal.
-#}
with

open_deals as (

    select * from {{ ref('int_open_deals_weighted') }}

),

thresholds as (

    select * from {{ ref('int_stage_advance_thresholds') }}

),

touches as (

    select * from {{ ref('int_opportunity_touches') }}

),

stages_reached as (

    select * from {{ ref('int_opportunity_stages_reached') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

forecasts as (

    select * from {{ ref('fct_forecast_opportunities') }}

),

latest_forecasts as (

    select opportunity_id, p_win, p_win_reasons, p_win_reasons_zh
    from forecasts
    where as_of_date = (select max(as_of_date) from forecasts)

),

last_touches as (

    select opportunity_id, max(touched_at) as last_touch_at
    from touches
    group by opportunity_id

),

{#- A follow-up planned by the latest touch and not yet superseded by any later touch. -#}
pending_followups as (

    select touches.opportunity_id, min(touches.next_followup_at) as next_followup_at
    from touches
    inner join last_touches
        on touches.opportunity_id = last_touches.opportunity_id
        and touches.touched_at = last_touches.last_touch_at
    where touches.next_followup_at is not null
    group by touches.opportunity_id

),

skipped_required as (

    select
        opportunity_id,
        count(*) as skipped_required_stages,
        {{ dbt.listagg('stage_key', "','", 'order by stage_order') }} as skipped_stages

    from stages_reached
    where is_required and is_skipped and not is_first_seen_late
    group by opportunity_id

),

open_deals_measured as (

    select
        open_deals.opportunity_id,
        open_deals.owner_id,
        open_deals.team,
        open_deals.pipeline_key,
        open_deals.stage_key,
        open_deals.amount,
        open_deals.expected_close_date,
        open_deals.stage_entered_at,
        open_deals.days_in_stage,
        last_touches.last_touch_at,
        {{ days_between('last_touches.last_touch_at', 'data_bounds.latest_data_at') }} as days_since_last_touch,
        thresholds.p75_days_to_advance,
        thresholds.advanced_deals as threshold_sample_deals,
        cast({{ dbt.datediff('open_deals.expected_close_date', 'data_bounds.latest_data_date', 'day') }} as double)
            as days_past_expected_close,
        pending_followups.next_followup_at,
        {{ to_business_date('pending_followups.next_followup_at') }} as next_followup_date,
        cast({{ dbt.datediff(to_business_date('pending_followups.next_followup_at'), 'data_bounds.latest_data_date', 'day') }} as double)
            as days_past_next_followup,
        skipped_required.skipped_required_stages,
        skipped_required.skipped_stages,
        data_bounds.latest_data_at,
        data_bounds.latest_data_date

    from open_deals
    cross join data_bounds
    left join last_touches
        on open_deals.opportunity_id = last_touches.opportunity_id
    left join thresholds
        on data_bounds.latest_month_start = thresholds.month_start
        and open_deals.pipeline_key = thresholds.pipeline_key
        and open_deals.stage_key = thresholds.stage_key
    left join pending_followups
        on open_deals.opportunity_id = pending_followups.opportunity_id
    left join skipped_required
        on open_deals.opportunity_id = skipped_required.opportunity_id

),

alerts as (

    select
        open_deals_measured.*,
        'stalled' as reason,
        p75_days_to_advance as threshold_days,
        days_in_stage as metric_days,
        'in ' || stage_key || ' for ' || cast(round(days_in_stage, 1) as {{ dbt.type_string() }})
            || ' days; 75% of deals advanced from it within '
            || cast(round(p75_days_to_advance, 1) as {{ dbt.type_string() }}) || ' days' as reason_detail

    from open_deals_measured
    where days_in_stage > p75_days_to_advance

    union all

    select
        open_deals_measured.*,
        'no_follow_up',
        cast({{ var('followup_days') }} as double),
        days_since_last_touch,
        'no follow-up, WeCom message or stage change for '
            || cast(round(days_since_last_touch, 1) as {{ dbt.type_string() }}) || ' days (limit {{ var("followup_days") }})'

    from open_deals_measured
    where days_since_last_touch >= {{ var('followup_days') }}

    union all

    select
        open_deals_measured.*,
        'overdue',
        cast(0 as double),
        days_past_expected_close,
        'expected to close on ' || cast(expected_close_date as {{ dbt.type_string() }}) || ', '
            || cast(cast(days_past_expected_close as integer) as {{ dbt.type_string() }}) || ' days ago'

    from open_deals_measured
    where expected_close_date < latest_data_date

    union all

    select
        open_deals_measured.*,
        'overdue_follow_up',
        cast(0 as double),
        days_past_next_followup,
        'follow-up planned for ' || cast(next_followup_date as {{ dbt.type_string() }}) || ' by the CRM follow-up of '
            || cast({{ to_business_date('last_touch_at') }} as {{ dbt.type_string() }}) || ' not done: no touch since, '
            || cast(cast(days_past_next_followup as integer) as {{ dbt.type_string() }}) || ' days overdue'

    from open_deals_measured
    where next_followup_date < latest_data_date

    union all

    select
        open_deals_measured.*,
        'skipped_stage',
        cast(null as double),
        cast(null as double),
        'never went through required stage(s): ' || skipped_stages

    from open_deals_measured
    where skipped_required_stages > 0

),

final as (

    select
        latest_data_date as as_of_date,
        alerts.opportunity_id,
        reason,
        owner_id,
        team,
        pipeline_key,
        stage_key,
        cast(amount as double) as amount,
        stage_entered_at,
        cast(days_in_stage as double) as days_in_stage,
        last_touch_at,
        cast(days_since_last_touch as double) as days_since_last_touch,
        expected_close_date,
        cast(threshold_days as double) as threshold_days,
        cast(metric_days as double) as metric_days,
        cast(threshold_sample_deals as integer) as threshold_sample_deals,
        skipped_stages,
        reason_detail,
        next_followup_at,
        cast(latest_forecasts.p_win as double) as p_win,
        latest_forecasts.p_win_reasons,
        latest_forecasts.p_win_reasons_zh

    from alerts
    left join latest_forecasts
        on alerts.opportunity_id = latest_forecasts.opportunity_id

)

select * from final
