{#-
  One row per KPI event (a closed deal, a lead's first contact, a new customer's first won deal), as
  kpi_monthly counts them: the table the governed metrics (kpi_events.yml) aggregate. The events have
  one home, the macro kpi_event_ctes, which int_kpi_monthly_scope_totals reads too, so a metric over a
  month equals kpi_monthly's row for that month and scope. A view: it costs the build nothing.
-#}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

prospects as (

    select * from {{ ref('dim_prospects') }}

),

rep_teams as (

    select * from {{ ref('int_rep_teams_historized') }}

),

{{ kpi_event_ctes() }}

select * from kpi_events
