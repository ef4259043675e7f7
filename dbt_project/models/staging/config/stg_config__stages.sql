with

source as (

    select * from {{ source('config', 'stages') }}

),

renamed as (

    select
        cast(pipeline_key as varchar) as pipeline_key,
        cast(pipeline_name as varchar) as pipeline_name,
        cast(pipeline_name_en as varchar) as pipeline_name_en,
        cast(stage_key as varchar) as stage_key,
        cast(stage_order as integer) as stage_order,
        cast(stage_name as varchar) as stage_name,
        cast(stage_name_en as varchar) as stage_name_en,
        cast(probability as double) as probability,
        cast(is_required as boolean) as is_required,
        required_activities

    from source

)

select * from renamed
