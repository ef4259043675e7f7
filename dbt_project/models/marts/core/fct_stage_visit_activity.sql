{#-
  One row per stage visit: an entry into an open stage until the next transition (kpi-definitions.md,
  "Process compliance"). Visits still open at the latest data instant end there (is_current_visit).
  A touch counts in the visit when entered_at <= touched_at < exited_at (int_opportunity_touches:
  follow-ups on the deal or on its prospect, WeCom messages with the prospect). has_required_activities
  is NULL when the stage requires nothing; otherwise every required activity type must occur in the
  visit, and a `wechat` requirement is also met by a WeCom message the salesperson sent to the prospect.
  Invalid deals stay here (opportunity_outcome = 'invalid'); the compliance KPI leaves them out.
  A first stay seen late (fct_stage_transitions.first_seen_late) has no days_in_visit: its length is
  unknown.
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

touches as (

    select * from {{ ref('int_opportunity_touches') }}

),

data_bounds as (

    select * from {{ ref('int_kpi_data_bounds') }}

),

transitions_bounded as (

    select
        transitions.*,
        lead(transitions.transitioned_at) over (
            partition by transitions.opportunity_id order by transitions.seq
        ) as next_transitioned_at,
        lead(transitions.to_state) over (
            partition by transitions.opportunity_id order by transitions.seq
        ) as next_state

    from transitions

),

visits as (

    select
        transitions_bounded.opportunity_id || ':' || cast(transitions_bounded.seq as {{ dbt.type_string() }}) as visit_id,
        transitions_bounded.opportunity_id,
        transitions_bounded.pipeline_key,
        transitions_bounded.to_state as stage_key,
        stages.stage_order,
        transitions_bounded.seq,
        coalesce(transitions_bounded.owner_id, opportunities.owner_id) as owner_id,
        transitions_bounded.transitioned_at as entered_at,
        transitions_bounded.first_seen_late,
        transitions_bounded.next_transitioned_at as exited_at,
        transitions_bounded.next_state as exit_state,
        coalesce(transitions_bounded.next_transitioned_at, data_bounds.latest_data_at) as visit_end_at,
        stages.required_activities,
        opportunities.outcome as opportunity_outcome

    from transitions_bounded
    cross join data_bounds
    inner join stages
        on transitions_bounded.pipeline_key = stages.pipeline_key
        and transitions_bounded.to_state = stages.stage_key
    inner join opportunities
        on transitions_bounded.opportunity_id = opportunities.opportunity_id

),

visit_touches as (

    select
        visits.visit_id,
        touches.touch_kind,
        touches.activity_type,
        touches.touch_ref

    from visits
    inner join touches
        on visits.opportunity_id = touches.opportunity_id
        and touches.touched_at >= visits.entered_at
        and (touches.touched_at < visits.exited_at or (visits.exited_at is null and touches.touched_at <= visits.visit_end_at))
    where touches.touch_kind <> 'stage_change'

),

visit_counts as (

    select
        visit_id,
        count(distinct case when touch_kind = 'crm_followup' then touch_ref end) as crm_followups,
        {%- for activity_type in activity_types() %}
        count(distinct case when touch_kind = 'crm_followup' and activity_type = '{{ activity_type }}' then touch_ref end)
            as crm_followups_{{ activity_type }},
        {%- endfor %}
        count(distinct case when touch_kind = 'wecom_sent' then touch_ref end) as wecom_messages_sent,
        count(distinct case when touch_kind = 'wecom_received' then touch_ref end) as wecom_messages_received

    from visit_touches
    group by visit_id

),

{#- The activity types done in each visit; a message sent on WeCom is a `wechat` follow-up. -#}
visit_activity_types as (

    select distinct visit_id, activity_type
    from visit_touches
    where touch_kind = 'crm_followup' and activity_type is not null

    union

    select distinct visit_id, 'wechat'
    from visit_touches
    where touch_kind = 'wecom_sent'

),

visit_requirements as (

    select visit_id, required_activity
    from (
        select visit_id, {{ unnest_list('required_activities') }} as required_activity
        from visits
    ) as unnested
    where required_activity is not null

),

requirements_checked as (

    select
        visit_requirements.visit_id,
        count(*) as required_activity_count,
        sum(case when visit_activity_types.activity_type is null then 1 else 0 end) as missing_activity_count,
        {{ dbt.listagg('visit_requirements.required_activity', "','", 'order by visit_requirements.required_activity') }}
            as required_activities,
        {{ dbt.listagg(
            'case when visit_activity_types.activity_type is null then visit_requirements.required_activity end',
            "','",
            'order by visit_requirements.required_activity') }} as missing_required_activities

    from visit_requirements
    left join visit_activity_types
        on visit_requirements.visit_id = visit_activity_types.visit_id
        and visit_requirements.required_activity = visit_activity_types.activity_type
    group by visit_requirements.visit_id

),

final as (

    select
        visits.visit_id,
        visits.opportunity_id,
        visits.pipeline_key,
        visits.stage_key,
        cast(visits.stage_order as integer) as stage_order,
        cast(visits.seq as integer) as seq,
        visits.owner_id,
        visits.entered_at,
        {{ business_month_start('visits.entered_at') }} as entered_month_start,
        visits.exited_at,
        visits.exit_state,
        visits.exited_at is null as is_current_visit,
        cast(case
            when not visits.first_seen_late then {{ days_between('visits.entered_at', 'visits.visit_end_at') }}
        end as double) as days_in_visit,
        cast(coalesce(visit_counts.crm_followups, 0) as integer) as crm_followups,
        {%- for activity_type in activity_types() %}
        cast(coalesce(visit_counts.crm_followups_{{ activity_type }}, 0) as integer) as crm_followups_{{ activity_type }},
        {%- endfor %}
        cast(coalesce(visit_counts.wecom_messages_sent, 0) as integer) as wecom_messages_sent,
        cast(coalesce(visit_counts.wecom_messages_received, 0) as integer) as wecom_messages_received,
        requirements_checked.required_activities,
        case when requirements_checked.visit_id is not null then requirements_checked.missing_activity_count = 0 end
            as has_required_activities,
        requirements_checked.missing_required_activities,
        visits.opportunity_outcome

    from visits
    left join visit_counts
        on visits.visit_id = visit_counts.visit_id
    left join requirements_checked
        on visits.visit_id = requirements_checked.visit_id

)

select * from final
