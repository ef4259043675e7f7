with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

renamed as (

    select
        opportunity_id,
        name as opportunity_name,
        customer_id,
        owner_id,
        coalesce(pipeline, 'default') as pipeline_key,
        stage as stage_text,
        {{ stage_spelling('stage') }} as stage_spelling,
        status,
        cast(amount as double) as amount,
        {{ currency_code('currency') }} as currency,
        expected_close_date,
        created_at,
        closed_at as reported_closed_at,
        lost_reason,
        updated_at,
        _source_file as source_file,
        _loaded_at as loaded_at

    from source

)

select * from renamed
