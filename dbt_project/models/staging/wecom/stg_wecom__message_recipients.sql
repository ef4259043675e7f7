with

source as (

    select
        msgid,
        {{ unnest_list('tolist') }} as recipient_id,
        _loaded_at

    from {{ source('wecom', 'messages') }}

),

renamed as (

    select distinct
        msgid,
        recipient_id,
        _loaded_at as loaded_at

    from source
    where recipient_id is not null

)

select * from renamed
