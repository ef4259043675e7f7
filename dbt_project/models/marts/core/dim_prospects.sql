with

prospect_records as (

    select * from {{ ref('int_prospect_records_linked') }}

),

external_contacts as (

    select * from {{ ref('stg_wecom__external_contacts') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

current_states as (

    select * from {{ ref('int_opportunity_current_states') }}

),

add_ways as (

    select * from {{ ref('wecom_add_ways') }}

),

reps as (

    select * from {{ ref('int_reps_unioned') }}

),

{#-
  Opportunities invalid now (their last transition is into `invalid`) count in no KPI: they make no
  prospect, no first contact and no attribution (kpi-definitions.md). They still belong to their
  customer's prospect in int_prospect_records_linked, and stay in opportunity_count.
-#}
invalid_opportunities as (

    select opportunity_id
    from current_states
    where current_state = 'invalid'

),

{#- The records that make a prospect: all but invalid opportunities. -#}
counted_records as (

    select prospect_records.*
    from prospect_records
    left join invalid_opportunities
        on prospect_records.record_type = 'opportunity'
        and prospect_records.record_id = invalid_opportunities.opportunity_id
    where invalid_opportunities.opportunity_id is null

),

{#- WeCom relations that are new contacts (not a colleague's share or an admin's assignment). -#}
new_follows as (

    {{ new_contact_follows('external_contacts', 'prospect_records', 'add_ways') }}

),

wecom_follows as (

    select
        new_follows.*,
        row_number() over (
            partition by prospect_id order by followed_at, external_userid, wecom_userid
        ) as follow_rank

    from new_follows

),

first_follows as (

    select
        wecom_follows.prospect_id,
        wecom_follows.followed_at as first_followed_at,
        wecom_follows.external_userid,
        reps.rep_id as first_follower_rep_id

    from wecom_follows
    left join reps
        on wecom_follows.wecom_userid = reps.wecom_userid
    where wecom_follows.follow_rank = 1

),

first_channel as (

    select prospect_id, channel_state, add_way_label
    from (
        select
            prospect_id,
            channel_state,
            add_way_label,
            row_number() over (
                partition by prospect_id
                order by case when channel_state is null then 1 else 0 end, follow_rank
            ) as channel_rank
        from wecom_follows
    ) as ranked
    where channel_rank = 1

),

prospect_leads as (

    select
        prospect_records.prospect_id,
        leads.lead_id,
        leads.created_at,
        leads.owner_id,
        leads.lead_source,
        row_number() over (
            partition by prospect_records.prospect_id order by leads.created_at, leads.lead_id
        ) as lead_rank,
        row_number() over (
            partition by prospect_records.prospect_id
            order by case when leads.lead_source is null then 1 else 0 end, leads.created_at, leads.lead_id
        ) as source_rank

    from leads
    inner join prospect_records
        on prospect_records.record_type = 'lead' and leads.lead_id = prospect_records.record_id

),

prospect_customers as (

    select
        prospect_records.prospect_id,
        customers.customer_id,
        customers.created_at,
        customers.customer_source,
        row_number() over (
            partition by prospect_records.prospect_id order by customers.created_at, customers.customer_id
        ) as customer_rank,
        row_number() over (
            partition by prospect_records.prospect_id
            order by case when customers.customer_source is null then 1 else 0 end,
                customers.created_at, customers.customer_id
        ) as source_rank

    from customers
    inner join prospect_records
        on prospect_records.record_type = 'customer' and customers.customer_id = prospect_records.record_id

),

opportunity_counts as (

    select prospect_id, count(*) as opportunity_count
    from prospect_records
    where record_type = 'opportunity'
    group by prospect_id

),

{#- The prospect's valid opportunities: the first one is a first contact and carries the attribution. -#}
prospect_opportunities as (

    select
        counted_records.prospect_id,
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.owner_id,
        row_number() over (
            partition by counted_records.prospect_id
            order by opportunities.created_at, opportunities.opportunity_id
        ) as opportunity_rank

    from opportunities
    inner join counted_records
        on counted_records.record_type = 'opportunity'
        and opportunities.opportunity_id = counted_records.record_id

),

prospect_ids as (

    select distinct prospect_id from counted_records

),

prospects_joined as (

    select
        prospect_ids.prospect_id,
        first_lead.lead_id,
        first_customer.customer_id,
        first_follows.external_userid,
        first_follows.first_followed_at,
        first_lead.created_at as first_lead_created_at,
        first_customer.created_at as first_customer_created_at,
        first_opportunity.created_at as first_opportunity_created_at,
        first_opportunity.opportunity_id as first_opportunity_id,
        first_opportunity.owner_id as first_opportunity_owner_id,
        first_follows.first_follower_rep_id,
        first_lead.owner_id as lead_owner_id,
        coalesce(opportunity_counts.opportunity_count, 0) as opportunity_count,
        case
            when lead_source.lead_source is not null then lead_source.lead_source
            when customer_source.customer_source is not null then customer_source.customer_source
            when first_channel.channel_state is not null then first_channel.channel_state
            when first_channel.add_way_label is not null then first_channel.add_way_label
            else 'unknown'
        end as lead_source,
        case
            when lead_source.lead_source is not null then 'crm_lead'
            when customer_source.customer_source is not null then 'crm_customer'
            when first_channel.channel_state is not null then 'wecom_state'
            when first_channel.add_way_label is not null then 'wecom_add_way'
            else 'unknown'
        end as lead_source_origin

    from prospect_ids
    left join prospect_leads as first_lead
        on prospect_ids.prospect_id = first_lead.prospect_id and first_lead.lead_rank = 1
    left join prospect_leads as lead_source
        on prospect_ids.prospect_id = lead_source.prospect_id and lead_source.source_rank = 1
    left join prospect_customers as first_customer
        on prospect_ids.prospect_id = first_customer.prospect_id and first_customer.customer_rank = 1
    left join prospect_customers as customer_source
        on prospect_ids.prospect_id = customer_source.prospect_id and customer_source.source_rank = 1
    left join prospect_opportunities as first_opportunity
        on prospect_ids.prospect_id = first_opportunity.prospect_id and first_opportunity.opportunity_rank = 1
    left join opportunity_counts
        on prospect_ids.prospect_id = opportunity_counts.prospect_id
    left join first_follows
        on prospect_ids.prospect_id = first_follows.prospect_id
    left join first_channel
        on prospect_ids.prospect_id = first_channel.prospect_id

),

{#- First contact: the earliest of the four candidate instants (NULLs ignored). -#}
first_contacts as (

    select prospect_id, min(contact_at) as first_contact_at
    from (
        select prospect_id, first_followed_at as contact_at from prospects_joined
        union all
        select prospect_id, first_lead_created_at from prospects_joined
        union all
        select prospect_id, first_customer_created_at from prospects_joined
        union all
        select prospect_id, first_opportunity_created_at from prospects_joined
    ) as candidates
    group by prospect_id

),

final as (

    select
        prospects_joined.prospect_id,
        prospects_joined.lead_id,
        prospects_joined.customer_id,
        prospects_joined.external_userid,
        first_contacts.first_contact_at,
        {{ to_business_date('first_contacts.first_contact_at') }} as first_contact_date,
        prospects_joined.lead_source,
        prospects_joined.lead_source_origin,
        prospects_joined.first_followed_at,
        prospects_joined.first_opportunity_id,
        prospects_joined.first_opportunity_owner_id,
        prospects_joined.first_follower_rep_id,
        prospects_joined.lead_owner_id,
        coalesce(
            prospects_joined.first_opportunity_owner_id,
            prospects_joined.first_follower_rep_id,
            prospects_joined.lead_owner_id
        ) as attributed_rep_id,
        cast(prospects_joined.opportunity_count as integer) as opportunity_count

    from prospects_joined
    inner join first_contacts
        on prospects_joined.prospect_id = first_contacts.prospect_id

)

select * from final
