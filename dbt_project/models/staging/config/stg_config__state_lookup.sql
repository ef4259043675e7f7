with

source as (

    select * from {{ source('config', 'state_lookup') }}

),

renamed as (

    select
        cast(pipeline_key as {{ dbt.type_string() }}) as pipeline_key,
        cast(spelling as {{ dbt.type_string() }}) as spelling,
        cast(state_key as {{ dbt.type_string() }}) as state_key,
        cast(state_kind as {{ dbt.type_string() }}) as state_kind

    from source

)

select * from renamed
