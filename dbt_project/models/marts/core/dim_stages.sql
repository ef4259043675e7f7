with

stages as (

    select * from {{ ref('stg_config__stages') }}

),

outcomes as (

    select * from {{ ref('outcome_states') }}

),

pipelines as (

    select distinct pipeline_key, pipeline_name, pipeline_name_en
    from stages

),

pipeline_bounds as (

    {{ pipeline_bounds('stages') }}

),

open_stages as (

    select
        pipeline_key,
        pipeline_name,
        pipeline_name_en,
        stage_key as state_key,
        'stage' as state_kind,
        stage_order,
        stage_order as sort_order,
        stage_name as state_name,
        stage_name_en as state_name_en,
        probability,
        is_required,
        required_activities

    from stages

),

outcome_states as (

    select
        pipelines.pipeline_key,
        pipelines.pipeline_name,
        pipelines.pipeline_name_en,
        outcomes.state_key,
        'outcome' as state_kind,
        cast(null as integer) as stage_order,
        pipeline_bounds.last_stage_order + outcomes.outcome_order as sort_order,
        outcomes.state_name,
        outcomes.state_name_en,
        outcomes.probability,
        false as is_required,
        {#- outcomes require no activities: NULL of the config column's list type -#}
        (select min(required_activities) from stages where 1 = 0) as required_activities

    from pipelines
    cross join outcomes
    inner join pipeline_bounds
        on pipelines.pipeline_key = pipeline_bounds.pipeline_key

),

final as (

    select
        pipeline_key || ':' || state_key as stage_id,
        pipeline_key,
        pipeline_name,
        pipeline_name_en,
        state_key,
        state_kind,
        cast(stage_order as integer) as stage_order,
        cast(sort_order as integer) as sort_order,
        state_name,
        state_name_en,
        cast(probability as double) as probability,
        is_required,
        required_activities

    from open_stages

    union all

    select
        pipeline_key || ':' || state_key,
        pipeline_key,
        pipeline_name,
        pipeline_name_en,
        state_key,
        state_kind,
        cast(stage_order as integer),
        cast(sort_order as integer),
        state_name,
        state_name_en,
        cast(probability as double),
        is_required,
        required_activities

    from outcome_states

)

select * from final
