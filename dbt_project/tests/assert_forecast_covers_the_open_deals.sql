{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_forecast_opportunities'}}}) }}
{#-
  Warns when the forecast as a whole produced nothing although deals are open (the Python model failed
  and left its table empty): the KPI marts then weight the open pipeline with the stage probabilities.
  One row naming how many open deals went without a forecast.
-#}
with

open_deals as (

    select count(*) as open_deals
    from {{ ref('fct_opportunities') }}
    where outcome = 'open'

),

forecast_rows as (

    select count(*) as forecast_rows
    from {{ ref('fct_forecast_opportunities') }}

)

select
    open_deals.open_deals,
    'the forecast produced no rows (see the dbt log); stage probabilities are used' as reason
from open_deals
cross join forecast_rows
where open_deals.open_deals > 0 and forecast_rows.forecast_rows = 0
