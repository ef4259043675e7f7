{#-
  A table rebuilt on every run from int_rep_daily_activity_aggregated, which aggregates the whole
  history anyway: a CRM follow-up re-delivered with another date or owner, a WeCom folder that arrives
  weeks after the first build, or a change of the users' teams lands exactly as in a first build.
-#}
with

daily_activity as (

    select * from {{ ref('int_rep_daily_activity_aggregated') }}

),

final as (

    select
        daily_activity.activity_date,
        daily_activity.rep_id,
        daily_activity.wecom_userid,
        daily_activity.team,
        daily_activity.has_wecom_behavior,
        cast(daily_activity.wecom_chat_cnt as integer) as wecom_chat_cnt,
        cast(daily_activity.wecom_message_cnt as integer) as wecom_message_cnt,
        cast(daily_activity.wecom_reply_percentage as double) as wecom_reply_percentage,
        cast(daily_activity.wecom_avg_reply_time_minutes as double) as wecom_avg_reply_time_minutes,
        cast(daily_activity.wecom_negative_feedback_cnt as integer) as wecom_negative_feedback_cnt,
        cast(daily_activity.wecom_new_apply_cnt as integer) as wecom_new_apply_cnt,
        cast(daily_activity.wecom_new_contact_cnt as integer) as wecom_new_contact_cnt,
        cast(daily_activity.archive_messages_sent as integer) as archive_messages_sent,
        cast(daily_activity.archive_messages_received as integer) as archive_messages_received,
        cast(daily_activity.archive_customers_messaged as integer) as archive_customers_messaged,
        {%- for column in counted_contact_changes().values() %}
        cast(daily_activity.{{ column }} as integer) as {{ column }},
        {%- endfor %}
        cast(daily_activity.crm_followups as integer) as crm_followups,
        {%- for activity_type in activity_types() %}
        cast(daily_activity.crm_followups_{{ activity_type }} as integer) as crm_followups_{{ activity_type }},
        {%- endfor %}
        daily_activity._loaded_at

    from daily_activity

)

select * from final
