{#-
  One row per (month_start, lead_source, crm_source, wecom_state, wecom_add_way) with any new lead or
  new customer: the new-customer report by acquisition channel. lead_source is the prospect's single
  lead source (extract contract §5 precedence); crm_source, wecom_state and wecom_add_way are each
  channel on its own (int_prospect_channels; 'none' when absent). new_leads count prospects in their
  first-contact month; new_customers count prospects in the month of their first won deal, with that
  deal's amount (new_customer_amount) and everything those customers have won up to the latest data
  date (won_amount_to_date: the business they brought). Invalid deals count nowhere.
-#}
with

prospects as (

    select * from {{ ref('dim_prospects') }}

),

channels as (

    select * from {{ ref('int_prospect_channels') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

won_deals as (

    select
        prospect_id,
        closed_at,
        coalesce(amount, 0) as amount,
        row_number() over (partition by prospect_id order by closed_at, opportunity_id) as won_rank

    from opportunities
    where outcome = 'won' and prospect_id is not null

),

customers_won as (

    select
        prospect_id,
        {{ business_month_start('min(closed_at)') }} as month_start,
        {{ stable_sum('case when won_rank = 1 then amount else 0 end') }} as first_deal_amount,
        {{ stable_sum('amount') }} as won_amount_to_date,
        count(*) as won_deals_to_date

    from won_deals
    group by prospect_id

),

prospects_converted as (

    select distinct prospect_id
    from opportunities
    where outcome <> 'invalid' and prospect_id is not null

),

channel_events as (

    select
        cast({{ dbt.date_trunc('month', 'prospects.first_contact_date') }} as date) as month_start,
        prospects.prospect_id,
        1 as new_leads,
        case when prospects_converted.prospect_id is not null then 1 else 0 end as leads_with_opportunity,
        0 as new_customers,
        {{ real('0.0') }} as new_customer_amount,
        {{ real('0.0') }} as won_amount_to_date

    from prospects
    left join prospects_converted
        on prospects.prospect_id = prospects_converted.prospect_id
    where prospects.first_contact_date is not null

    union all

    select
        month_start,
        prospect_id,
        0,
        0,
        1,
        first_deal_amount,
        won_amount_to_date

    from customers_won

),

final as (

    select
        channel_events.month_start,
        channels.lead_source,
        channels.crm_source,
        channels.wecom_state,
        channels.wecom_add_way,
        cast(sum(channel_events.new_leads) as integer) as new_leads,
        cast(sum(channel_events.leads_with_opportunity) as integer) as leads_with_opportunity,
        cast(sum(channel_events.new_customers) as integer) as new_customers,
        cast({{ stable_sum('channel_events.new_customer_amount') }} as double) as new_customer_amount,
        cast({{ stable_sum('channel_events.won_amount_to_date') }} as double) as won_amount_to_date

    from channel_events
    inner join channels
        on channel_events.prospect_id = channels.prospect_id
    group by
        channel_events.month_start,
        channels.lead_source,
        channels.crm_source,
        channels.wecom_state,
        channels.wecom_add_way

)

select * from final
