{#- CRM follow-up types, as normalized by ingest (extract contract §3): one count column each in fct_rep_daily_activity. -#}
{% macro activity_types() -%}
    {{ return(['call', 'visit', 'wechat', 'email', 'sms', 'meeting', 'other']) }}
{%- endmacro %}

{#- WeCom contact-event change types counted per salesperson and day. -#}
{% macro counted_contact_changes() -%}
    {{ return({'add_external_contact': 'wecom_contacts_added', 'del_follow_user': 'wecom_contacts_lost'}) }}
{%- endmacro %}
