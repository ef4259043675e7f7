"""Queries on the published marts shared by `stagewise kpi` and the HTML report: each written once, here.

`common` holds what every reading shares (table checks, settings, latest dates, names), `month` what happened in
a month, `forecast` targets, the forecast and its backtest. Import from this package: `from reporting import queries`.
"""

from reporting.queries.common import (
    COMPANY,
    ReportingSettings,
    has_table,
    latest_data_date,
    latest_full_month,
    latest_month,
    pipeline_names,
    rep_names,
    reporting_currency,
    reporting_settings,
    stage_names,
)
from reporting.queries.forecast import BrierScores, backtest, brier_scores, forecast_months, targets
from reporting.queries.month import (
    ALERT_REASONS,
    AlertSummary,
    KpiValue,
    alert_summary,
    company_kpis,
    deals_to_review,
    funnel,
    month_end_open_deals,
    new_customers_by_source,
    scorecard,
)

__all__ = [
    "ALERT_REASONS",
    "COMPANY",
    "AlertSummary",
    "BrierScores",
    "KpiValue",
    "ReportingSettings",
    "alert_summary",
    "backtest",
    "brier_scores",
    "company_kpis",
    "deals_to_review",
    "forecast_months",
    "funnel",
    "has_table",
    "latest_data_date",
    "latest_full_month",
    "latest_month",
    "month_end_open_deals",
    "new_customers_by_source",
    "pipeline_names",
    "rep_names",
    "reporting_currency",
    "reporting_settings",
    "scorecard",
    "stage_names",
    "targets",
]
