with

source as (

    select * from {{ source('config', 'stages') }}

),

renamed as (

    select
        cast(pipeline_key as {{ dbt.type_string() }}) as pipeline_key,
        cast(pipeline_name as {{ dbt.type_string() }}) as pipeline_name,
        cast(pipeline_name_en as {{ dbt.type_string() }}) as pipeline_name_en,
        cast(stage_key as {{ dbt.type_string() }}) as stage_key,
        cast(stage_order as integer) as stage_order,
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(stage_name_en as {{ dbt.type_string() }}) as stage_name_en,
        cast(probability as double) as probability,
        cast(is_required as boolean) as is_required,
        required_activities

    from source

)

select * from renamed
