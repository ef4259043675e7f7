{#-
  The forecast judged against what happened, written once for kpi_forecast_backtest and
  kpi_forecast_calibration: one row per past as-of date and deal open on that date, with the two
  probabilities it was given (p_win of the model, stage_probability) and how the deal finally ended.
  The latest as-of date has no outcomes yet and is left out. forecasts / opportunities: relations or
  CTEs with the columns of fct_forecast_opportunities / fct_opportunities.
-#}
{% macro forecast_deals_scored(forecasts, opportunities) -%}
    {%- set horizon_end = dbt.dateadd('day', var('forecast_horizon_days', 90), forecasts ~ '.as_of_date') -%}
    select
        {{ forecasts }}.as_of_date,
        {{ forecasts }}.amount,
        {{ forecasts }}.p_win,
        {{ forecasts }}.stage_probability,
        {{ forecasts }}.p_close_90d_if_won,
        {{ forecasts }}.p_win_method,
        {{ opportunities }}.outcome,
        case when {{ opportunities }}.outcome = 'won' then {{ real('1.0') }} else {{ real('0.0') }} end as won,
        {{ opportunities }}.outcome in ('won', 'lost') as has_known_outcome,
        {{ opportunities }}.outcome = 'won'
            and {{ to_business_date(opportunities ~ '.closed_at') }} < {{ horizon_end }}
            as won_within_horizon,
        {{ opportunities }}.amount as final_amount,
        {{ horizon_end }} <= latest.latest_as_of_date as horizon_complete

    from {{ forecasts }}
    inner join {{ opportunities }}
        on {{ forecasts }}.opportunity_id = {{ opportunities }}.opportunity_id
    cross join (select max(as_of_date) as latest_as_of_date from {{ forecasts }}) as latest
    where {{ forecasts }}.as_of_date < latest.latest_as_of_date
{%- endmacro %}
