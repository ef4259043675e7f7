with

source as (

    select * from {{ source('crm', 'fx_rates') }}

),

renamed as (

    select
        {{ currency_code('currency') }} as currency,
        month as month_start,
        cast(rate as double) as rate,
        _loaded_at as loaded_at

    from source

)

select * from renamed
