{#-
  One row per (business date, salesperson) with any WeCom behavior row, archived customer message,
  contact event or CRM follow-up. Behavior figures stay NULL where WeCom delivered none; counts of
  archive messages, events and follow-ups are 0 where there were none. `_loaded_at` is the newest
  load time of the rows that made the day (drives the incremental mart).
-#}
with

reps as (

    select * from {{ ref('int_reps_unioned') }}

),

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

behavior as (

    select * from {{ ref('stg_wecom__behavior') }}

),

messages_paired as (

    select * from {{ ref('int_messages_paired') }}

),

contact_events as (

    select * from {{ ref('stg_wecom__contact_events') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

behavior_daily as (

    select
        reps.rep_id,
        behavior.stat_date as activity_date,
        behavior.chat_cnt,
        behavior.message_cnt,
        behavior.reply_percentage,
        behavior.avg_reply_time_minutes,
        behavior.negative_feedback_cnt,
        behavior.new_apply_cnt,
        behavior.new_contact_cnt,
        behavior.loaded_at

    from behavior
    inner join reps
        on behavior.wecom_userid = reps.wecom_userid

),

{#-
  Messages are counted per salesperson (a rep has one wecom_userid and a wecom_userid one rep, so per userid is
  per rep): each message once (a message to a group pairs with every customer in it), by a plain count over
  one row per message, not three distinct counts over every pair (which cost ~1.6 times as long over 10M
  pairs).
-#}
salesperson_messages as (

    select
        wecom_userid,
        sent_date,
        direction,
        msgid,
        max(loaded_at) as loaded_at

    from messages_paired
    group by wecom_userid, sent_date, direction, msgid

),

message_counts as (

    select
        wecom_userid,
        sent_date,
        sum(case when direction = 'sent' then 1 else 0 end) as messages_sent,
        sum(case when direction = 'received' then 1 else 0 end) as messages_received,
        max(loaded_at) as loaded_at

    from salesperson_messages
    group by wecom_userid, sent_date

),

customers_messaged as (

    select
        wecom_userid,
        sent_date,
        count(distinct external_userid) as customers_messaged

    from messages_paired
    where direction = 'sent'
    group by wecom_userid, sent_date

),

messages_daily as (

    select
        reps.rep_id,
        message_counts.sent_date as activity_date,
        message_counts.messages_sent,
        message_counts.messages_received,
        coalesce(customers_messaged.customers_messaged, 0) as customers_messaged,
        message_counts.loaded_at

    from message_counts
    inner join reps
        on message_counts.wecom_userid = reps.wecom_userid
    left join customers_messaged
        on message_counts.wecom_userid = customers_messaged.wecom_userid
        and message_counts.sent_date = customers_messaged.sent_date

),

events_daily as (

    select
        reps.rep_id,
        contact_events.occurred_date as activity_date,
        {%- for change_type, column in counted_contact_changes().items() %}
        sum(case when contact_events.change_type = '{{ change_type }}' then 1 else 0 end) as {{ column }},
        {%- endfor %}
        max(contact_events.loaded_at) as loaded_at

    from contact_events
    inner join reps
        on contact_events.wecom_userid = reps.wecom_userid
    group by reps.rep_id, contact_events.occurred_date

),

followups_daily as (

    select
        activities.owner_id as rep_id,
        activities.occurred_date as activity_date,
        count(*) as crm_followups,
        {%- for activity_type in activity_types() %}
        sum(case when coalesce(activities.activity_type, 'other') = '{{ activity_type }}' then 1 else 0 end) as crm_followups_{{ activity_type }},
        {%- endfor %}
        max(activities.loaded_at) as loaded_at

    from activities
    inner join reps
        on activities.owner_id = reps.rep_id
    group by activities.owner_id, activities.occurred_date

),

rep_days as (

    select rep_id, activity_date from behavior_daily
    union
    select rep_id, activity_date from messages_daily
    union
    select rep_id, activity_date from events_daily
    union
    select rep_id, activity_date from followups_daily

),

final as (

    select
        rep_days.activity_date,
        rep_days.rep_id,
        reps.wecom_userid,
        rep_teams.team,
        behavior_daily.rep_id is not null as has_wecom_behavior,
        behavior_daily.chat_cnt as wecom_chat_cnt,
        behavior_daily.message_cnt as wecom_message_cnt,
        behavior_daily.reply_percentage as wecom_reply_percentage,
        behavior_daily.avg_reply_time_minutes as wecom_avg_reply_time_minutes,
        behavior_daily.negative_feedback_cnt as wecom_negative_feedback_cnt,
        behavior_daily.new_apply_cnt as wecom_new_apply_cnt,
        behavior_daily.new_contact_cnt as wecom_new_contact_cnt,
        coalesce(messages_daily.messages_sent, 0) as archive_messages_sent,
        coalesce(messages_daily.messages_received, 0) as archive_messages_received,
        coalesce(messages_daily.customers_messaged, 0) as archive_customers_messaged,
        {%- for column in counted_contact_changes().values() %}
        coalesce(events_daily.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(followups_daily.crm_followups, 0) as crm_followups,
        {%- for activity_type in activity_types() %}
        coalesce(followups_daily.crm_followups_{{ activity_type }}, 0) as crm_followups_{{ activity_type }},
        {%- endfor %}
        greatest(
            coalesce(behavior_daily.loaded_at, {{ beginning_of_time() }}),
            coalesce(messages_daily.loaded_at, {{ beginning_of_time() }}),
            coalesce(events_daily.loaded_at, {{ beginning_of_time() }}),
            coalesce(followups_daily.loaded_at, {{ beginning_of_time() }})
        ) as _loaded_at

    from rep_days
    inner join reps
        on rep_days.rep_id = reps.rep_id
    left join rep_teams
        on {{ rep_team_at('rep_teams', 'rep_days.rep_id', business_midnight('rep_days.activity_date')) }}
    left join behavior_daily
        on rep_days.rep_id = behavior_daily.rep_id and rep_days.activity_date = behavior_daily.activity_date
    left join messages_daily
        on rep_days.rep_id = messages_daily.rep_id and rep_days.activity_date = messages_daily.activity_date
    left join events_daily
        on rep_days.rep_id = events_daily.rep_id and rep_days.activity_date = events_daily.activity_date
    left join followups_daily
        on rep_days.rep_id = followups_daily.rep_id and rep_days.activity_date = followups_daily.activity_date

)

select * from final
