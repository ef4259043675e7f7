{#- Deprecated: the old name of kpi_forecast_calibration, kept for one release (docs/marts.md). -#}
select * from {{ ref('kpi_forecast_calibration') }}
