{#- Deprecated: the old name of kpi_open_deal_alerts, kept for one release (docs/marts.md). -#}
select * from {{ ref('kpi_open_deal_alerts') }}
