with

source as (

    select * from {{ source('crm', 'opportunity_snapshots') }}

),

renamed as (

    select
        opportunity_id,
        owner_id,
        coalesce(pipeline, 'default') as pipeline_key,
        stage as stage_text,
        {{ stage_spelling('stage') }} as stage_spelling,
        status,
        cast(amount as double) as amount,
        {{ currency_code('currency') }} as currency,
        created_at,
        closed_at as reported_closed_at,
        updated_at,
        _delivered_at as delivered_at,
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
