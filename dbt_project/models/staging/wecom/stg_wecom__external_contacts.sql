with

source as (

    select * from {{ source('wecom', 'external_contacts') }}

),

renamed as (

    select
        external_userid,
        userid as wecom_userid,
        name as contact_name,
        type as contact_type,
        gender,
        corp_name,
        corp_full_name,
        position,
        createtime as followed_at,
        {{ to_business_date('createtime') }} as followed_date,
        add_way,
        state as channel_state,
        oper_userid,
        tag_ids,
        _loaded_at as loaded_at

    from source

)

select * from renamed
