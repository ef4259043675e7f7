with

source as (

    select * from {{ source('wecom', 'corp_tags') }}

),

renamed as (

    select
        tag_id,
        tag_name,
        tag_order,
        tag_create_time as tag_created_at,
        coalesce(tag_deleted, false) as is_tag_deleted,
        group_id,
        group_name,
        group_order,
        group_create_time as group_created_at,
        coalesce(group_deleted, false) as is_group_deleted,
        _loaded_at as loaded_at

    from source

)

select * from renamed
