{#- Mobiles from the relations' remark_mobiles, one per row, leaving staging only as a salted hash. -#}
with

source as (

    select
        external_userid,
        userid,
        {{ unnest_list('remark_mobiles') }} as remark_mobile,
        _loaded_at

    from {{ source('wecom', 'external_contacts') }}

),

renamed as (

    select distinct
        external_userid,
        userid as wecom_userid,
        {{ salted_hash(normalized_mobile('remark_mobile')) }} as mobile_hash,
        _loaded_at as loaded_at

    from source
    where {{ normalized_mobile('remark_mobile') }} is not null

)

select * from renamed
