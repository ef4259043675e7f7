{#-
  One row per business-calendar date, from the first day of the year of the earliest event to the
  last day of the year after the latest (expected close dates may lie ahead). Built from a digits
  cross join (no recursion, no adapter-specific generator): up to 100,000 days.
-#}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

prospects as (

    select * from {{ ref('dim_prospects') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

event_dates as (

    select {{ to_business_date('created_at') }} as event_date from opportunities
    union all
    select expected_close_date from opportunities
    union all
    select first_contact_date from prospects
    union all
    select occurred_date from activities

),

bounds as (

    select
        cast({{ dbt.date_trunc('year', 'min(event_date)') }} as date) as first_date,
        cast({{ dbt.dateadd('year', 2, dbt.date_trunc('year', 'max(event_date)')) }} as date) as after_last_date

    from event_dates

),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_numbers as (

    select a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d as day_number
    from digits as a
    cross join digits as b
    cross join digits as c
    cross join digits as e
    cross join digits as f

),

dates as (

    select cast({{ dbt.dateadd('day', 'day_numbers.day_number', 'bounds.first_date') }} as date) as date_day
    from day_numbers
    cross join bounds
    where day_numbers.day_number < {{ dbt.datediff('bounds.first_date', 'bounds.after_last_date', 'day') }}

),

final as (

    select
        date_day,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        {#- 1970-01-05 was a Monday: ISO weekday without an adapter-specific function. -#}
        cast(mod({{ dbt.datediff("cast('1970-01-05' as date)", 'date_day', 'day') }}, 7) + 1 as integer) as iso_day_of_week,
        cast({{ dbt.dateadd('day', '-1 * mod(' ~ dbt.datediff("cast('1970-01-05' as date)", 'date_day', 'day') ~ ', 7)', 'date_day') }} as date) as week_start,
        mod({{ dbt.datediff("cast('1970-01-05' as date)", 'date_day', 'day') }}, 7) >= 5 as is_weekend

    from dates

)

select * from final
