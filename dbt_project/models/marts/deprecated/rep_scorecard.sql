{#- Deprecated: the old name of kpi_rep_scorecard, kept for one release (docs/marts.md). -#}
select * from {{ ref('kpi_rep_scorecard') }}
