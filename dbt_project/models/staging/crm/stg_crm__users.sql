with

source as (

    select * from {{ source('crm', 'users') }}

),

renamed as (

    select
        user_id,
        name as user_name,
        wecom_userid,
        team,
        manager_id,
        active as is_active,
        left_at,
        _source_file as source_file,
        _loaded_at as loaded_at

    from source

)

select * from renamed
