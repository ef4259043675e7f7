with

source as (

    select * from {{ source('wecom', 'behavior') }}

),

renamed as (

    select
        userid as wecom_userid,
        stat_time,
        {{ wecom_stat_date('stat_time') }} as stat_date,
        cast(chat_cnt as integer) as chat_cnt,
        cast(message_cnt as integer) as message_cnt,
        cast(reply_percentage as double) as reply_percentage,
        cast(avg_reply_time as double) as avg_reply_time_minutes,
        cast(negative_feedback_cnt as integer) as negative_feedback_cnt,
        cast(new_apply_cnt as integer) as new_apply_cnt,
        cast(new_contact_cnt as integer) as new_contact_cnt,
        _loaded_at as loaded_at

    from source

)

select * from renamed
