with

source as (

    select * from {{ source('config', 'state_lookup') }}

),

renamed as (

    select
        cast(pipeline_key as varchar) as pipeline_key,
        cast(spelling as varchar) as spelling,
        cast(state_key as varchar) as state_key,
        cast(state_kind as varchar) as state_kind

    from source

)

select * from renamed
