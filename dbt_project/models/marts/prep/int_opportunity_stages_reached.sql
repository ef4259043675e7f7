{#-
  One row per (opportunity, stage of its pipeline) that the opportunity reached (kpi-definitions.md,
  "Reached" and "Advanced from k"). Invalid opportunities are left out: they count in no KPI.
  - reached k: entered k or any later stage, or was won (at any time, even if later reopened);
    reached_at = the first such entry. A skipped stage is reached at the same instant as the stage
    after it (0 days in it); a won deal reached every stage.
  - entered_at: the first entry into k itself; NULL when k was skipped (jumped over by a forward move
    or by creating the deal in a later stage).
  - advanced from k: reached a stage after k or was won; advanced_at = the first such entry, so
    days_to_advance = advanced_at - reached_at (>= 0).
  - lost_here: the deal is lost now and k is the highest stage it reached.
  - is_first_seen_late: k lies within a first stay seen late (a deal without stage log first seen
    in a later stage than k, or in k itself): it counts as reached, but how long the deal spent there
    is unknown, so days_to_advance is NULL and no duration, threshold or skip figure uses it.
  owner_id is the current owner (as in kpi_monthly); team is that owner's team when the deal reached k
  (rep_team_at), so the funnel's team rows follow the rep's team at the time of the event.
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

outcomes as (

    select * from {{ ref('outcome_states') }}

),

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

pipeline_bounds as (

    {{ pipeline_bounds('stages') }}

),

unknown_stays as (

    select transitions.opportunity_id, stages.stage_order as last_unknown_stage_order
    from transitions
    inner join stages
        on transitions.pipeline_key = stages.pipeline_key
        and transitions.to_state = stages.stage_key
    where transitions.first_seen_late

),

{#- Entries that reach stages: a stage entry at its order, a win beyond the last stage. -#}
reaching_entries as (

    select
        transitions.opportunity_id,
        transitions.pipeline_key,
        transitions.to_state,
        transitions.transitioned_at,
        coalesce(to_stage.stage_order, pipeline_bounds.last_stage_order + 1) as reached_order

    from transitions
    inner join pipeline_bounds
        on transitions.pipeline_key = pipeline_bounds.pipeline_key
    left join stages as to_stage
        on transitions.pipeline_key = to_stage.pipeline_key
        and transitions.to_state = to_stage.stage_key
    left join outcomes
        on transitions.to_state = outcomes.state_key
    where to_stage.stage_key is not null or outcomes.is_won

),

stage_reach as (

    select
        reaching_entries.opportunity_id,
        stages.pipeline_key,
        stages.stage_key,
        stages.stage_order,
        stages.is_required,
        min(reaching_entries.transitioned_at) as reached_at,
        min(case when reaching_entries.to_state = stages.stage_key then reaching_entries.transitioned_at end)
            as entered_at,
        min(case when reaching_entries.reached_order > stages.stage_order then reaching_entries.transitioned_at end)
            as advanced_at

    from reaching_entries
    inner join stages
        on reaching_entries.pipeline_key = stages.pipeline_key
        and reaching_entries.reached_order >= stages.stage_order
    group by
        reaching_entries.opportunity_id,
        stages.pipeline_key,
        stages.stage_key,
        stages.stage_order,
        stages.is_required

),

final as (

    select
        stage_reach.opportunity_id,
        stage_reach.pipeline_key,
        stage_reach.stage_key,
        stage_reach.stage_order,
        stage_reach.is_required,
        opportunities.owner_id,
        rep_teams.team,
        opportunities.outcome,
        opportunities.closed_at,
        opportunities.sales_cycle_days,
        stage_reach.reached_at,
        {{ business_month_start('stage_reach.reached_at') }} as reached_month_start,
        stage_reach.entered_at,
        stage_reach.entered_at is null as is_skipped,
        stage_reach.advanced_at,
        stage_reach.advanced_at is not null as is_advanced,
        coalesce(stage_reach.stage_order <= unknown_stays.last_unknown_stage_order, false) as is_first_seen_late,
        case
            when stage_reach.advanced_at is not null and unknown_stays.opportunity_id is null
                then {{ days_between('stage_reach.reached_at', 'stage_reach.advanced_at') }}
            when stage_reach.advanced_at is not null and stage_reach.stage_order > unknown_stays.last_unknown_stage_order
                then {{ days_between('stage_reach.reached_at', 'stage_reach.advanced_at') }}
        end as days_to_advance,
        opportunities.outcome = 'lost' and opportunities.highest_stage_order = stage_reach.stage_order
            as is_lost_here

    from stage_reach
    inner join opportunities
        on stage_reach.opportunity_id = opportunities.opportunity_id
    left join unknown_stays
        on stage_reach.opportunity_id = unknown_stays.opportunity_id
    left join rep_teams
        on {{ rep_team_at('rep_teams', 'opportunities.owner_id', 'stage_reach.reached_at') }}
    where opportunities.outcome <> 'invalid'

)

select * from final
