{#-
  One row per prospect with each acquisition channel kept apart (dim_prospects keeps only the winning
  one as lead_source): the CRM source (the earliest lead's source, else the earliest customer's), the
  WeCom `state` channel code and the WeCom `add_way` label of the earliest new-contact follow (a
  colleague's share or an admin's assignment, add_way 201/202, is not an acquisition). 'none' when the
  prospect has no such value.
-#}
with

prospect_records as (

    select * from {{ ref('int_prospect_records_linked') }}

),

prospects as (

    select * from {{ ref('dim_prospects') }}

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

add_ways as (

    select * from {{ ref('wecom_add_ways') }}

),

crm_sources as (

    select prospect_id, crm_source
    from (
        select
            prospect_records.prospect_id,
            coalesce(leads.lead_source, customers.customer_source) as crm_source,
            row_number() over (
                partition by prospect_records.prospect_id
                order by case when leads.lead_source is not null then 0 else 1 end,
                    coalesce(leads.created_at, customers.created_at), prospect_records.record_key
            ) as source_rank

        from prospect_records
        left join leads
            on prospect_records.record_type = 'lead' and prospect_records.record_id = leads.lead_id
        left join customers
            on prospect_records.record_type = 'customer' and prospect_records.record_id = customers.customer_id
        where coalesce(leads.lead_source, customers.customer_source) is not null
    ) as ranked
    where source_rank = 1

),

new_follows as (

    {{ new_contact_follows('external_contacts', 'prospect_records', 'add_ways') }}

),

wecom_follows as (

    select
        prospect_id,
        channel_state,
        add_way_label,
        row_number() over (
            partition by prospect_id order by followed_at, external_userid, wecom_userid
        ) as follow_rank,
        row_number() over (
            partition by prospect_id
            order by case when channel_state is null then 1 else 0 end, followed_at, external_userid, wecom_userid
        ) as state_rank

    from new_follows

),

{#- As dim_prospects: the first follow that carries a state code, and the first follow's add_way. -#}
wecom_channels as (

    select
        prospect_id,
        max(case when state_rank = 1 then channel_state end) as channel_state,
        max(case when follow_rank = 1 then add_way_label end) as add_way_label

    from wecom_follows
    group by prospect_id

),

final as (

    select
        prospects.prospect_id,
        coalesce(prospects.lead_source, 'unknown') as lead_source,
        prospects.lead_source_origin,
        coalesce(crm_sources.crm_source, 'none') as crm_source,
        coalesce(wecom_channels.channel_state, 'none') as wecom_state,
        coalesce(wecom_channels.add_way_label, 'none') as wecom_add_way

    from prospects
    left join crm_sources
        on prospects.prospect_id = crm_sources.prospect_id
    left join wecom_channels
        on prospects.prospect_id = wecom_channels.prospect_id

)

select * from final
