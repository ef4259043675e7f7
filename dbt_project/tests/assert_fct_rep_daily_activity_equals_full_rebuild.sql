{{ config(tags=['full_rebuild_check'], meta={'dagster': {'ref': {'name': 'fct_rep_daily_activity'}}}) }}
{#-
  Proof that the incremental fct_rep_daily_activity (and the incremental int_messages_paired below it)
  hold exactly what a full refresh would build: the symmetric difference with the full computation
  must be empty. The message pairs are recomputed from staging here, independently of the
  incremental table, so a missed message would show.
-#}
{%- set columns = 'activity_date, rep_id, archive_messages_sent, archive_messages_received, archive_customers_messaged, crm_followups, wecom_message_cnt, wecom_reply_percentage, team' %}
with

incremental_rows as (

    select {{ columns }} from {{ ref('fct_rep_daily_activity') }}

),

rebuilt_rows as (

    select {{ columns }} from {{ ref('int_rep_daily_activity_aggregated') }}

),

messages_in_table as (

    select count(*) as n_rows, count(distinct msgid) as n_messages from {{ ref('int_messages_paired') }}

),

messages_rebuilt as (

    select count(*) as n_rows, count(distinct messages.msgid) as n_messages
    from {{ ref('stg_wecom__messages') }} as messages
    inner join {{ ref('stg_wecom__message_recipients') }} as recipients
        on messages.msgid = recipients.msgid
    where messages.action = 'send' and messages.sender_id is not null and messages.sent_at is not null
        and {{ is_wecom_customer_id('messages.sender_id') }} <> {{ is_wecom_customer_id('recipients.recipient_id') }}

),

differences as (

    select 'only in fct_rep_daily_activity' as difference, * from (
        select * from incremental_rows except select * from rebuilt_rows
    ) as a
    union all
    select 'only in a full rebuild' as difference, * from (
        select * from rebuilt_rows except select * from incremental_rows
    ) as b

)

select difference, activity_date, rep_id from differences
union all
select 'int_messages_paired differs from a rebuild', cast(null as date), cast(null as varchar)
from messages_in_table
cross join messages_rebuilt
where messages_in_table.n_rows <> messages_rebuilt.n_rows
    or messages_in_table.n_messages <> messages_rebuilt.n_messages
