{#-
  How records reach their prospect (int_prospect_records_linked), written once. Arguments are relation
  or CTE names.
-#}

{#-
  Every CRM follow-up with the prospect of the customer it names, else of the lead it names (NULL when
  it names neither); a follow-up that names an opportunity keeps its opportunity_id.
-#}
{% macro activities_with_prospect(activities, prospect_records) -%}
    select
        {{ activities }}.*,
        coalesce(by_customer.prospect_id, by_lead.prospect_id) as prospect_id

    from {{ activities }}
    left join {{ prospect_records }} as by_customer
        on by_customer.record_type = 'customer' and {{ activities }}.customer_id = by_customer.record_id
    left join {{ prospect_records }} as by_lead
        on by_lead.record_type = 'lead' and {{ activities }}.lead_id = by_lead.record_id
{%- endmacro %}

{#- Every paired WeCom message with the prospect of its external contact (messages of unknown contacts drop out). -#}
{% macro messages_with_prospect(messages, prospect_records) -%}
    select
        {{ messages }}.*,
        {{ prospect_records }}.prospect_id

    from {{ messages }}
    inner join {{ prospect_records }}
        on {{ prospect_records }}.record_type = 'wecom'
        and {{ messages }}.external_userid = {{ prospect_records }}.record_id
{%- endmacro %}

{#-
  Every WeCom relation that is a new contact of a prospect: a follow of one of its external contacts,
  not a colleague's share or an admin's assignment (wecom_add_ways.is_reassignment); add_way_label is
  the add_way's English label ('other' when unknown).
-#}
{% macro new_contact_follows(external_contacts, prospect_records, add_ways) -%}
    select
        {{ prospect_records }}.prospect_id,
        {{ external_contacts }}.external_userid,
        {{ external_contacts }}.wecom_userid,
        {{ external_contacts }}.followed_at,
        {{ external_contacts }}.channel_state,
        coalesce({{ add_ways }}.add_way_label_en, 'other') as add_way_label

    from {{ external_contacts }}
    inner join {{ prospect_records }}
        on {{ prospect_records }}.record_type = 'wecom'
        and {{ external_contacts }}.external_userid = {{ prospect_records }}.record_id
    left join {{ add_ways }}
        on {{ external_contacts }}.add_way = {{ add_ways }}.add_way
    where not coalesce({{ add_ways }}.is_reassignment, false)
{%- endmacro %}
