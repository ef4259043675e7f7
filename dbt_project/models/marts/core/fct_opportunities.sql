with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

current_states as (

    select * from {{ ref('int_opportunity_current_states') }}

),

stages as (

    select * from {{ ref('stg_config__stages') }}

),

prospect_records as (

    select * from {{ ref('int_prospect_records_linked') }}

),

prospects as (

    select * from {{ ref('dim_prospects') }}

),

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

messages_paired as (

    select * from {{ ref('int_messages_paired') }}

),

fx_rates as (

    {{ fx_rate_ranges(ref('stg_crm__fx_rates')) }}

),

pipeline_bounds as (

    {{ pipeline_bounds('stages') }}

),

transition_summary as (

    select
        transitions.opportunity_id,
        max(case when transitions.is_close then transitions.transitioned_at end) as last_closed_at,
        max(case when transitions.to_state = 'won' then 1 else 0 end) = 1 as was_ever_won,
        max(stages.stage_order) as highest_entered_stage_order,
        {{ dbt.cast('sum(case when transitions.is_regression then 1 else 0 end)', 'integer') }} as regression_count,
        {{ dbt.cast('sum(case when transitions.is_reopen then 1 else 0 end)', 'integer') }} as reopen_count,
        max(case when transitions.is_skip then 1 else 0 end) = 1 as skipped_any_stage,
        max(case when transitions.first_seen_late then 1 else 0 end) = 1 as first_seen_late,
        max(transitions.transitioned_at) as last_transition_at

    from transitions
    left join stages
        on transitions.pipeline_key = stages.pipeline_key
        and transitions.to_state = stages.stage_key
    group by transitions.opportunity_id

),

opportunity_prospects as (

    select record_id as opportunity_id, prospect_id
    from prospect_records
    where record_type = 'opportunity'

),

{#- Follow-ups on the opportunity itself, or on its prospect without naming any opportunity. -#}
activity_prospects as (

    {{ activities_with_prospect('activities', 'prospect_records') }}

),

last_followups as (

    select opportunity_id, max(occurred_at) as last_crm_followup_at
    from (
        select opportunity_id, occurred_at
        from activity_prospects
        where opportunity_id is not null

        union all

        select opportunity_prospects.opportunity_id, activity_prospects.occurred_at
        from opportunity_prospects
        inner join activity_prospects
            on activity_prospects.prospect_id = opportunity_prospects.prospect_id
        where activity_prospects.opportunity_id is null
    ) as followups
    group by opportunity_id

),

message_prospects as (

    {{ messages_with_prospect('messages_paired', 'prospect_records') }}

),

last_messages as (

    select
        opportunity_prospects.opportunity_id,
        max(message_prospects.sent_at) as last_wecom_message_at

    from opportunity_prospects
    inner join message_prospects
        on opportunity_prospects.prospect_id = message_prospects.prospect_id
    group by opportunity_prospects.opportunity_id

),

{#-
  Prospect, lead source and first contact come from dim_prospects: an invalid opportunity whose
  prospect holds nothing but invalid opportunities makes no prospect, so it has none (source 'unknown').
-#}
opportunities_joined as (

    select
        opportunities.opportunity_id,
        opportunities.pipeline_key,
        opportunities.owner_id,
        opportunities.customer_id,
        prospects.prospect_id,
        coalesce(prospects.lead_source, 'unknown') as lead_source,
        opportunities.created_at,
        prospects.first_contact_at,
        current_states.current_state,
        case
            when stages.stage_key is not null then 'open'
            else current_states.current_state
        end as outcome,
        case
            when stages.stage_key is null then transition_summary.last_closed_at
        end as closed_at,
        opportunities.amount as amount_original,
        opportunities.currency,
        opportunities.expected_close_date,
        case
            when transition_summary.was_ever_won then pipeline_bounds.last_stage_order
            else transition_summary.highest_entered_stage_order
        end as highest_stage_order,
        coalesce(transition_summary.regression_count, 0) as regression_count,
        coalesce(transition_summary.reopen_count, 0) as reopen_count,
        coalesce(transition_summary.skipped_any_stage, false) as skipped_any_stage,
        coalesce(transition_summary.first_seen_late, false) as first_seen_late,
        last_followups.last_crm_followup_at,
        last_messages.last_wecom_message_at,
        transition_summary.last_transition_at

    from opportunities
    left join transition_summary
        on opportunities.opportunity_id = transition_summary.opportunity_id
    left join current_states
        on opportunities.opportunity_id = current_states.opportunity_id
    left join stages
        on opportunities.pipeline_key = stages.pipeline_key
        and current_states.current_state = stages.stage_key
    left join pipeline_bounds
        on opportunities.pipeline_key = pipeline_bounds.pipeline_key
    left join opportunity_prospects
        on opportunities.opportunity_id = opportunity_prospects.opportunity_id
    left join prospects
        on opportunity_prospects.prospect_id = prospects.prospect_id
    left join last_followups
        on opportunities.opportunity_id = last_followups.opportunity_id
    left join last_messages
        on opportunities.opportunity_id = last_messages.opportunity_id

),

{#- Team: the current owner's team when the deal closed; for open deals, the owner's team now. -#}
opportunities_with_team as (

    select
        opportunities_joined.*,
        rep_teams.team

    from opportunities_joined
    left join rep_teams
        on {{ rep_team_at('rep_teams', 'opportunities_joined.owner_id', 'opportunities_joined.closed_at') }}

),

{#- The amount in the reporting currency, dated by closed_at as placed here (else created_at). -#}
opportunities_converted as (

    select
        opportunities_with_team.*,
        {{ in_reporting_currency('opportunities_with_team.amount_original', 'opportunities_with_team.currency', 'fx_rates.rate') }}
            as amount

    from opportunities_with_team
    {{ join_fx_rate('fx_rates', 'opportunities_with_team.currency',
                    'coalesce(opportunities_with_team.closed_at, opportunities_with_team.created_at)') }}

),

final as (

    select
        opportunity_id,
        pipeline_key,
        owner_id,
        team,
        customer_id,
        prospect_id,
        lead_source,
        created_at,
        first_contact_at,
        current_state,
        outcome,
        closed_at,
        amount,
        expected_close_date,
        {# won before the first contact: a data-entry error (a marts check counts it), the cycle is unknown #}
        case
            when outcome = 'won' and closed_at >= first_contact_at then {{ days_between('first_contact_at', 'closed_at') }}
        end as sales_cycle_days,
        cast(highest_stage_order as integer) as highest_stage_order,
        cast(regression_count as integer) as regression_count,
        cast(reopen_count as integer) as reopen_count,
        skipped_any_stage,
        first_seen_late,
        case
            when last_crm_followup_at is null then last_wecom_message_at
            when last_wecom_message_at is null then last_crm_followup_at
            when last_crm_followup_at >= last_wecom_message_at then last_crm_followup_at
            else last_wecom_message_at
        end as last_activity_at,
        last_crm_followup_at,
        last_wecom_message_at,
        last_transition_at,
        amount_original,
        currency

    from opportunities_converted

)

select * from final
