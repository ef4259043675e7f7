{#-
  One row per (month_start, rep_id): every salesperson (dim_reps) for every business month from the
  first month with any of their data to the latest data month (or the month they left). Results use
  kpi_monthly's rep scope (current owner; leads by attribution); activity and WeCom behaviour come
  from fct_rep_daily_activity. Behaviour figures are NULL when WeCom delivered none for the month;
  reply rate and average first-reply time are averaged over the days WeCom reported them, weighted
  by that day's chat count. open_deals / stalled_deals are the rep's deals open at the month end
  (the latest data instant for the running month); stalled = longer in the stage than the 75th
  percentile of days-to-advance (the kpi_open_deal_alerts rule) of the stage exits known at that month's
  end, so a past month's figures do not move when later deals exit. team is the rep's team at the end
  of the month (rep_team_at: the period in force just before the month's exclusive end).
-#}
with

reps as (

    select * from {{ ref('dim_reps') }}

),

kpis as (

    select * from {{ ref('kpi_monthly') }}
    where scope_type = 'rep'

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

daily_activity as (

    select * from {{ ref('fct_rep_daily_activity') }}

),

targets as (

    select * from {{ ref('int_targets_scoped') }}

),

month_end_states as (

    select * from {{ ref('int_opportunity_month_end_states') }}

),

thresholds as (

    select * from {{ ref('int_stage_advance_thresholds') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

results as (

    select
        month_start,
        scope_id as rep_id,
        max(case when kpi = 'new_leads' then value end) as new_leads,
        max(case when kpi = 'won_deals' then value end) as won_deals,
        max(case when kpi = 'won_amount' then value end) as won_amount,
        max(case when kpi = 'win_rate' then value end) as win_rate,
        max(case when kpi = 'avg_sales_cycle_days' then value end) as avg_sales_cycle_days

    from kpis
    group by month_start, scope_id

),

opportunities_created as (

    select
        {{ business_month_start('created_at') }} as month_start,
        owner_id as rep_id,
        count(*) as opportunities_created

    from opportunities
    where outcome <> 'invalid'
    group by {{ business_month_start('created_at') }}, owner_id

),

activity_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        rep_id,
        sum(crm_followups) as crm_followups,
        sum(archive_messages_sent) as wecom_messages_sent,
        sum(case when has_wecom_behavior then wecom_new_contact_cnt end) as wecom_new_contacts,
        {{ safe_divide(stable_sum('wecom_reply_percentage * wecom_chat_cnt'),
                       'sum(case when wecom_reply_percentage is not null then wecom_chat_cnt end)') }} / {{ real('100.0') }}
            as wecom_reply_rate,
        {{ safe_divide(stable_sum('wecom_avg_reply_time_minutes * wecom_chat_cnt'),
                       'sum(case when wecom_avg_reply_time_minutes is not null then wecom_chat_cnt end)') }}
            as wecom_avg_first_reply_minutes,
        sum(wecom_contacts_lost) as customers_lost_on_wecom

    from daily_activity
    group by {{ dbt.date_trunc('month', 'activity_date') }}, rep_id

),

rep_targets as (

    select month_start, scope_id as rep_id, target as target_won_amount
    from targets
    where scope_type = 'rep' and metric = 'won_amount'

),

open_deals_monthly as (

    select
        month_end_states.month_start,
        month_end_states.owner_id as rep_id,
        count(*) as open_deals,
        sum(case when month_end_states.days_in_stage > thresholds.p75_days_to_advance then 1 else 0 end)
            as stalled_deals

    from month_end_states
    left join thresholds
        on month_end_states.month_start = thresholds.month_start
        and month_end_states.pipeline_key = thresholds.pipeline_key
        and month_end_states.stage_key = thresholds.stage_key
    group by month_end_states.month_start, month_end_states.owner_id

),

rep_first_months as (

    select rep_id, min(month_start) as first_month_start
    from (
        select rep_id, month_start from results
        union all
        select rep_id, month_start from opportunities_created
        union all
        select rep_id, month_start from activity_monthly
        union all
        select rep_id, month_start from rep_targets
        union all
        select rep_id, month_start from open_deals_monthly
    ) as rep_months
    group by rep_id

),

months as (

    select distinct dates.month_start
    from dates
    cross join data_bounds
    where dates.month_start <= data_bounds.latest_month_start

),

rep_months as (

    select
        months.month_start,
        reps.rep_id,
        reps.rep_name,
        rep_teams.team

    from reps
    inner join rep_first_months
        on reps.rep_id = rep_first_months.rep_id
    inner join months
        on months.month_start >= rep_first_months.first_month_start
        and (reps.left_at is null or months.month_start <= {{ business_month_start('reps.left_at') }})
    left join rep_teams
        on {{ rep_team_at('rep_teams', 'reps.rep_id', business_month_end_instant('months.month_start'), just_before=true) }}

),

final as (

    select
        rep_months.month_start,
        rep_months.rep_id,
        rep_months.rep_name,
        rep_months.team,
        cast(coalesce(results.new_leads, 0) as integer) as new_leads,
        cast(coalesce(opportunities_created.opportunities_created, 0) as integer) as opportunities_created,
        cast(coalesce(results.won_deals, 0) as integer) as won_deals,
        cast(coalesce(results.won_amount, 0) as double) as won_amount,
        cast(results.win_rate as double) as win_rate,
        cast(results.avg_sales_cycle_days as double) as avg_sales_cycle_days,
        cast(coalesce(activity_monthly.crm_followups, 0) as integer) as crm_followups,
        cast(coalesce(activity_monthly.wecom_messages_sent, 0) as integer) as wecom_messages_sent,
        cast(activity_monthly.wecom_new_contacts as integer) as wecom_new_contacts,
        cast(activity_monthly.wecom_reply_rate as double) as wecom_reply_rate,
        cast(activity_monthly.wecom_avg_first_reply_minutes as double) as wecom_avg_first_reply_minutes,
        cast(coalesce(activity_monthly.customers_lost_on_wecom, 0) as integer) as customers_lost_on_wecom,
        cast(rep_targets.target_won_amount as double) as target_won_amount,
        cast({{ safe_divide('coalesce(results.won_amount, 0)', 'rep_targets.target_won_amount') }} as double)
            as attainment,
        cast(coalesce(open_deals_monthly.open_deals, 0) as integer) as open_deals,
        cast(coalesce(open_deals_monthly.stalled_deals, 0) as integer) as stalled_deals

    from rep_months
    left join results
        on rep_months.month_start = results.month_start
        and rep_months.rep_id = results.rep_id
    left join opportunities_created
        on rep_months.month_start = opportunities_created.month_start
        and rep_months.rep_id = opportunities_created.rep_id
    left join activity_monthly
        on rep_months.month_start = activity_monthly.month_start
        and rep_months.rep_id = activity_monthly.rep_id
    left join rep_targets
        on rep_months.month_start = rep_targets.month_start
        and rep_months.rep_id = rep_targets.rep_id
    left join open_deals_monthly
        on rep_months.month_start = open_deals_monthly.month_start
        and rep_months.rep_id = open_deals_monthly.rep_id

)

select * from final
