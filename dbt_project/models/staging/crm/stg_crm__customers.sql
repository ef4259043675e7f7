with

source as (

    select * from {{ source('crm', 'customers') }}

),

renamed as (

    select
        customer_id,
        name as customer_name,
        created_at,
        owner_id,
        source as customer_source,
        {{ salted_hash(normalized_mobile('mobile')) }} as mobile_hash,
        wecom_external_userid,
        lead_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
