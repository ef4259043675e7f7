{#-
  One row: the latest data instant, date and month. Every "as of now" in the KPI marts is this
  instant, never the wall clock: the newest event timestamp in the data (stage transitions, CRM
  follow-ups, leads, customers, opportunity creation, WeCom follows, contact events and messages).
  Load times and expected close dates (plans, not events) do not count.
-#}
with

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

external_contacts as (

    select * from {{ ref('stg_wecom__external_contacts') }}

),

contact_events as (

    select * from {{ ref('stg_wecom__contact_events') }}

),

messages_paired as (

    select * from {{ ref('int_messages_paired') }}

),

event_instants as (

    select max(transitioned_at) as event_at from transitions
    union all
    select max(created_at) from opportunities
    union all
    select max(occurred_at) from activities
    union all
    select max(created_at) from leads
    union all
    select max(created_at) from customers
    union all
    select max(followed_at) from external_contacts
    union all
    select max(occurred_at) from contact_events
    union all
    select max(sent_at) from messages_paired

),

latest as (

    select max(event_at) as latest_data_at
    from event_instants

),

final as (

    select
        latest_data_at,
        {{ to_business_date('latest_data_at') }} as latest_data_date,
        {{ business_month_start('latest_data_at') }} as latest_month_start

    from latest

)

select * from final
