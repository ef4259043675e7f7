{{
    config(
        materialized=keyed_incremental(),
        incremental_strategy='delete+insert',
        unique_key='msgid',
        on_schema_change='append_new_columns'
    )
}}
{#-
  One row per archived message and (salesperson, customer) pair it connects: `sent` when a
  salesperson wrote to a customer (one row per customer recipient), `received` when a customer wrote
  and a salesperson is a recipient (one row per salesperson recipient). Only `send` actions count
  (recall and switch rows are not messages); chats among salespeople only are not customer contact.
  Incremental: messages loaded since the last build are (re)processed whole; archive messages are
  immutable, so earlier rows never change. An empty table (a first build before any message file
  arrived) takes every message.
-#}
{#- read once: the newest load time already built (a query of its own) #}
{%- set watermark = incremental_watermark('loaded_at') if is_incremental() else none %}
with

messages as (

    select * from {{ ref('stg_wecom__messages') }}
    where action = 'send' and sender_id is not null and sent_at is not null
    {%- if is_incremental() %}
        and loaded_at > {{ watermark }}
    {%- endif %}

),

recipients as (

    select * from {{ ref('stg_wecom__message_recipients') }}
    {%- if is_incremental() %}
    {#- a recipient row carries its message's load time (both come from the message's one raw row), so the same
        watermark keeps exactly the new messages' recipients, without listing every archived message's first #}
    where loaded_at > {{ watermark }}
    {%- endif %}

),

pairs as (

    select
        messages.msgid,
        case when {{ is_wecom_customer_id('messages.sender_id') }}
            then recipients.recipient_id else messages.sender_id end as wecom_userid,
        case when {{ is_wecom_customer_id('messages.sender_id') }}
            then messages.sender_id else recipients.recipient_id end as external_userid,
        case when {{ is_wecom_customer_id('messages.sender_id') }}
            then 'received' else 'sent' end as direction,
        messages.sent_at,
        messages.sent_date,
        messages.is_group_chat,
        messages.message_type,
        messages.loaded_at

    from messages
    inner join recipients
        on messages.msgid = recipients.msgid
    where {{ is_wecom_customer_id('messages.sender_id') }} <> {{ is_wecom_customer_id('recipients.recipient_id') }}

),

final as (

    select distinct * from pairs

)

select * from final
