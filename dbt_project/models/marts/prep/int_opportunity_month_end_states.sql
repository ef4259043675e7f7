{#-
  One row per (opportunity, month_start) for every business month, up to the latest data month, at
  whose end the opportunity was open: its stage then, when it entered that stage, and the days it had
  spent there by the month end (by the latest data instant for the running month). The state at a
  month end is the to_state of its last transition before that instant. Deals that are invalid now
  are left out (they count in no KPI); the owner is the current owner, as in kpi_monthly.
-#}
with

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

stages as (

    select * from {{ ref('stg_config__stages') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

month_ends as (

    select
        months.month_start,
        {{ business_month_end_instant('months.month_start') }} as month_end_at,
        case
            when months.month_start = data_bounds.latest_month_start then data_bounds.latest_data_at
            else {{ business_month_end_instant('months.month_start') }}
        end as measured_at

    from (select distinct month_start from dates) as months
    cross join data_bounds
    where months.month_start <= data_bounds.latest_month_start

),

states_at_month_end as (

    select
        transitions.opportunity_id,
        transitions.pipeline_key,
        transitions.to_state,
        transitions.transitioned_at,
        transitions.first_seen_late,
        month_ends.month_start,
        month_ends.measured_at,
        row_number() over (
            partition by transitions.opportunity_id, month_ends.month_start order by transitions.seq desc
        ) as recency_rank

    from transitions
    inner join month_ends
        on transitions.transitioned_at < month_ends.month_end_at

),

final as (

    select
        states_at_month_end.opportunity_id,
        states_at_month_end.month_start,
        states_at_month_end.pipeline_key,
        opportunities.owner_id,
        states_at_month_end.to_state as stage_key,
        states_at_month_end.transitioned_at as stage_entered_at,
        case
            when not states_at_month_end.first_seen_late
                then {{ days_between('states_at_month_end.transitioned_at', 'states_at_month_end.measured_at') }}
        end as days_in_stage

    from states_at_month_end
    inner join stages
        on states_at_month_end.pipeline_key = stages.pipeline_key
        and states_at_month_end.to_state = stages.stage_key
    inner join opportunities
        on states_at_month_end.opportunity_id = opportunities.opportunity_id
    where states_at_month_end.recency_rank = 1
        and opportunities.outcome <> 'invalid'

)

select * from final
