{#-
  One row per touch of an opportunity: a CRM follow-up, a WeCom message to or from its prospect, or a
  stage change. Linking (as fct_opportunities.last_activity_at does):
  - a follow-up that names the opportunity touches that opportunity only;
  - a follow-up that names no opportunity but a customer or lead touches every opportunity of that
    customer's / lead's prospect;
  - a one-to-one or group WeCom message between a salesperson and any of the prospect's WeCom
    contacts touches every opportunity of the prospect (`sent` by the salesperson, `received` from
    the customer).
  Invalid opportunities are kept here (they are filtered where KPIs are computed).
  next_followup_at is the follow-up a CRM activity planned (NULL for every other touch).
-#}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

prospect_records as (

    select * from {{ ref('int_prospect_records_linked') }}

),

messages_paired as (

    select * from {{ ref('int_messages_paired') }}

),

reps as (

    select * from {{ ref('dim_reps') }}

),

activity_prospects as (

    {{ activities_with_prospect('activities', 'prospect_records') }}

),

message_prospects as (

    {{ messages_with_prospect('messages_paired', 'prospect_records') }}

),

followup_touches as (

    select
        activity_prospects.opportunity_id,
        activity_prospects.occurred_at as touched_at,
        'crm_followup' as touch_kind,
        activity_prospects.activity_type,
        activity_prospects.owner_id as rep_id,
        activity_prospects.activity_id as touch_ref,
        activity_prospects.next_followup_at

    from activity_prospects
    inner join opportunities
        on activity_prospects.opportunity_id = opportunities.opportunity_id

    union all

    select
        opportunities.opportunity_id,
        activity_prospects.occurred_at,
        'crm_followup',
        activity_prospects.activity_type,
        activity_prospects.owner_id,
        activity_prospects.activity_id,
        activity_prospects.next_followup_at

    from activity_prospects
    inner join opportunities
        on activity_prospects.prospect_id = opportunities.prospect_id
    where activity_prospects.opportunity_id is null

),

message_touches as (

    select
        opportunities.opportunity_id,
        message_prospects.sent_at as touched_at,
        'wecom_' || message_prospects.direction as touch_kind,
        cast(null as {{ dbt.type_string() }}) as activity_type,
        reps.rep_id,
        message_prospects.msgid as touch_ref,
        cast(null as {{ type_timestamptz() }}) as next_followup_at

    from opportunities
    inner join message_prospects
        on opportunities.prospect_id = message_prospects.prospect_id
    left join reps
        on message_prospects.wecom_userid = reps.wecom_userid

),

stage_change_touches as (

    select
        opportunity_id,
        transitioned_at as touched_at,
        'stage_change' as touch_kind,
        cast(null as {{ dbt.type_string() }}) as activity_type,
        owner_id as rep_id,
        cast(seq as {{ dbt.type_string() }}) as touch_ref,
        cast(null as {{ type_timestamptz() }}) as next_followup_at

    from transitions

),

final as (

    select * from followup_touches
    union all
    select * from message_touches
    union all
    select * from stage_change_touches

)

select * from final
