{#- Message content never leaves this model: only its length is exposed. -#}
with

source as (

    select * from {{ source('wecom', 'messages') }}

),

renamed as (

    select
        msgid,
        action,
        from_id as sender_id,
        roomid as room_id,
        roomid is not null as is_group_chat,
        msgtime as sent_at,
        {{ to_business_date('msgtime') }} as sent_date,
        msgtype as message_type,
        {{ dbt.length('content') }} as content_length,
        switch_user,
        switch_time,
        _loaded_at as loaded_at

    from source

)

select * from renamed
