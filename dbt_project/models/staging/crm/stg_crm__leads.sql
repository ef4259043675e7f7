with

source as (

    select * from {{ source('crm', 'leads') }}

),

renamed as (

    select
        lead_id,
        created_at,
        owner_id,
        source as lead_source,
        {{ salted_hash(normalized_mobile('mobile')) }} as mobile_hash,
        wecom_external_userid,
        status as lead_status,
        converted_at,
        customer_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
