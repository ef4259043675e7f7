with

source as (

    select * from {{ source('crm', 'targets') }}

),

renamed as (

    select
        scope_type,
        scope_id,
        month as month_start,
        metric,
        cast(target as double) as target,
        _loaded_at as loaded_at

    from source

)

select * from renamed
