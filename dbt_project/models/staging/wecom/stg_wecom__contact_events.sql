with

source as (

    select * from {{ source('wecom', 'contact_events') }}

),

renamed as (

    select
        user_id as wecom_userid,
        external_user_id as external_userid,
        change_type,
        create_time as occurred_at,
        {{ to_business_date('create_time') }} as occurred_date,
        source as change_source,
        state as channel_state,
        fail_reason,
        _loaded_at as loaded_at

    from source

)

select * from renamed
