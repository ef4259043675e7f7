{#- The day-grain time spine MetricFlow requires: the business calendar of dim_dates. -#}
select date_day from {{ ref('dim_dates') }}
