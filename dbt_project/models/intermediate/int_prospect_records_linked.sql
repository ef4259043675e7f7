{#-
  Identity resolution (extract contract §5): one row per identity record (WeCom external contact, CRM
  lead, CRM customer, opportunity) with the prospect it belongs to.
  Records are linked when they share a wecom_external_userid, or else a salted mobile hash (a mobile
  carried by records of two different external userids is ambiguous and links nothing), a customer to its lead (either
  direction of lead_id / customer_id), and an opportunity to its customer. The prospect is the
  connected component; its id is the smallest record key in it (e.g. `customer:C1`). Components are
  found by min-label propagation, unrolled `prospect_link_rounds` times; `is_converged` proves it.
  Invalid opportunities are records here too (they belong to their customer's prospect), but they make
  no prospect, no first contact and no attribution: dim_prospects leaves them out.
-#}
{%- set rounds = var('prospect_link_rounds', 8) %}
with

external_contacts as (

    select * from {{ ref('stg_wecom__external_contacts') }}

),

contact_mobiles as (

    select * from {{ ref('stg_wecom__external_contact_mobiles') }}

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

records as (

    select distinct
        'wecom:' || external_userid as record_key,
        'wecom' as record_type,
        external_userid as record_id,
        external_userid
    from external_contacts

    union all

    select 'lead:' || lead_id, 'lead', lead_id, wecom_external_userid
    from leads

    union all

    select 'customer:' || customer_id, 'customer', customer_id, wecom_external_userid
    from customers

    union all

    select 'opportunity:' || opportunity_id, 'opportunity', opportunity_id, cast(null as {{ dbt.type_string() }})
    from opportunities

),

record_mobiles as (

    select distinct 'wecom:' || external_userid as record_key, mobile_hash
    from contact_mobiles

    union all

    select 'lead:' || lead_id, mobile_hash
    from leads
    where mobile_hash is not null

    union all

    select 'customer:' || customer_id, mobile_hash
    from customers
    where mobile_hash is not null

),

{#- A mobile carried by records of two or more different external userids is ambiguous: it links nothing. -#}
unambiguous_mobiles as (

    select record_mobiles.mobile_hash
    from record_mobiles
    inner join records
        on record_mobiles.record_key = records.record_key
    group by record_mobiles.mobile_hash
    having count(distinct records.external_userid) <= 1

),

mobile_links as (

    select
        a.record_key as from_key,
        b.record_key as to_key

    from record_mobiles as a
    inner join unambiguous_mobiles
        on a.mobile_hash = unambiguous_mobiles.mobile_hash
    inner join record_mobiles as b
        on a.mobile_hash = b.mobile_hash
        and a.record_key < b.record_key

),

directed_links as (

    select record_key as from_key, 'wecom:' || external_userid as to_key
    from records
    where external_userid is not null and record_type <> 'wecom'

    union all

    select 'customer:' || customer_id, 'lead:' || lead_id
    from customers
    where lead_id is not null

    union all

    select 'lead:' || lead_id, 'customer:' || customer_id
    from leads
    where customer_id is not null

    union all

    select 'opportunity:' || opportunity_id, 'customer:' || customer_id
    from opportunities
    where customer_id is not null

    union all

    select from_key, to_key
    from mobile_links

),

links as (

    select from_key, to_key from directed_links
    union
    select to_key, from_key from directed_links

),

{#- Nodes: every record, plus keys only named by a link (a customer or contact not delivered). -#}
nodes as (

    select record_key as node_key from records
    union
    select from_key from links

),

{#- Each node also links to itself, so one join per round takes the minimum over itself and its neighbours. -#}
links_with_self as (

    select from_key, to_key from links
    union all
    select node_key, node_key from nodes

),

labels_0 as (

    select node_key, node_key as label from nodes

),

{%- for i in range(1, rounds + 2) %}

labels_{{ i }} as (

    select
        links_with_self.from_key as node_key,
        min(previous_round.label) as label
        {%- if i == rounds + 1 %},
        {#- the node's own label after `rounds` rounds, from its link to itself #}
        min(case when links_with_self.to_key = links_with_self.from_key then previous_round.label end) as settled_label
        {%- endif %}

    from links_with_self
    inner join labels_{{ i - 1 }} as previous_round
        on links_with_self.to_key = previous_round.node_key
    group by links_with_self.from_key

),
{%- endfor %}

final as (

    select
        records.record_key,
        records.record_type,
        records.record_id,
        records.external_userid,
        last_round.settled_label as prospect_id,
        last_round.settled_label = last_round.label as is_converged

    from records
    inner join labels_{{ rounds + 1 }} as last_round
        on records.record_key = last_round.node_key

)

select * from final
