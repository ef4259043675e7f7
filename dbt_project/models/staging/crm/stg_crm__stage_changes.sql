with

source as (

    select * from {{ source('crm', 'stage_changes') }}

),

renamed as (

    select
        opportunity_id,
        stage as stage_text,
        {{ stage_spelling('stage') }} as stage_spelling,
        changed_at,
        changed_by,
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
