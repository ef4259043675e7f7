with

source as (

    select * from {{ source('crm', 'activities') }}

),

renamed as (

    select
        activity_id,
        owner_id,
        occurred_at,
        {{ to_business_date('occurred_at') }} as occurred_date,
        type as activity_type,
        opportunity_id,
        customer_id,
        lead_id,
        next_followup_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
