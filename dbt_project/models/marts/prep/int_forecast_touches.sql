{#-
  The touches the forecast counts (forecast/features.py), one row per touch and opportunity:
  - a CRM follow-up that names the opportunity;
  - a one-to-one or group WeCom message (either way) between a salesperson and any of the WeCom contacts of
    the opportunity's prospect: it touches every opportunity of that prospect.
  Narrower than int_opportunity_touches (no follow-ups linked through a customer or lead, no stage changes):
  this is the definition the forecast's touch features were chosen and backtested on.
  Joined here, by the engine, so that the forecast model reads one row per touch instead of every message pair
  and the prospect links.
-#}
with

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

messages_paired as (

    select * from {{ ref('int_messages_paired') }}

),

prospect_records as (

    select * from {{ ref('int_prospect_records_linked') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

message_prospects as (

    {{ messages_with_prospect('messages_paired', 'prospect_records') }}

),

followup_touches as (

    select
        opportunity_id,
        occurred_at as touched_at

    from activities
    where opportunity_id is not null

),

message_touches as (

    select
        opportunities.opportunity_id,
        message_prospects.sent_at as touched_at

    from message_prospects
    inner join opportunities
        on message_prospects.prospect_id = opportunities.prospect_id

),

final as (

    select * from followup_touches
    union all
    select * from message_touches

)

select * from final
