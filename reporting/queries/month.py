"""What happened in a business month: company KPIs, the funnel, the rep scorecard, new customers by source,
and the open-deal alerts as of the latest data date."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import duckdb

from reporting.queries.common import COMPANY, dicts, has_table, with_columns

ALERT_REASONS = ("stalled", "no_follow_up", "overdue", "overdue_follow_up", "skipped_stage")
FUNNEL_COLUMNS = (
    "pipeline_key",
    "stage_key",
    "next_state_key",
    "reached",
    "advanced",
    "conversion_rate",
    "avg_days_to_advance",
    "lost_here",
    "is_bottleneck",
)
SCORECARD_ORDER = "won_amount desc, won_deals desc, rep_id"


class KpiValue(NamedTuple):
    numerator: float | None
    denominator: float | None
    value: float | None


class AlertSummary(NamedTuple):
    as_of: date | None
    deals: int
    counts: dict[str, int]


def company_kpis(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[date, dict[str, KpiValue]]:
    """Company KPIs of the months first..last: {month: {kpi: (numerator, denominator, value)}}."""
    rows = con.execute(
        "select month_start, kpi, numerator, denominator, value from marts.kpi_monthly "
        f"where month_start between ? and ? and {COMPANY} order by month_start, kpi",
        [first, last],
    ).fetchall()
    by_month: dict[date, dict[str, KpiValue]] = {}
    for month, kpi, numerator, denominator, value in rows:
        by_month.setdefault(month, {})[kpi] = KpiValue(numerator, denominator, value)
    return by_month


def funnel(con: duckdb.DuckDBPyConnection, month: date) -> list[dict[str, Any]]:
    """Company funnel of the cohort reaching each stage in `month`, every pipeline, in stage order."""
    if not has_table(con, "kpi_stage_conversion"):
        return []
    return dicts(
        con,
        f"select {', '.join(FUNNEL_COLUMNS)} from marts.kpi_stage_conversion "
        f"where month_start = ? and {COMPANY} order by pipeline_key, stage_order, stage_key",
        [month],
    )


def scorecard(con: duckdb.DuckDBPyConnection, month: date, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """`kpi_rep_scorecard` rows of the month, best won amount first (then won deals, then rep id)."""
    if not has_table(con, "kpi_rep_scorecard"):
        return []
    return dicts(
        con,
        f"select {', '.join(columns)} from marts.kpi_rep_scorecard where month_start = ? order by {SCORECARD_ORDER}",
        [month],
    )


def month_end_open_deals(con: duckdb.DuckDBPyConnection, month: date) -> tuple[int | None, int | None]:
    """Open and stalled deals at the end of `month` (sum over reps); (None, None) without scorecard rows."""
    if not has_table(con, "kpi_rep_scorecard"):
        return None, None
    return con.execute(
        "select sum(open_deals), sum(stalled_deals) from marts.kpi_rep_scorecard where month_start = ?", [month]
    ).fetchone()


def alert_summary(con: duckdb.DuckDBPyConnection) -> AlertSummary | None:
    """Alert counts by reason and distinct flagged deals, as of the latest data date; None without the table."""
    if not has_table(con, "kpi_open_deal_alerts"):
        return None
    counts = dict(con.execute("select reason, count(*) from marts.kpi_open_deal_alerts group by reason").fetchall())
    as_of, deals = con.execute(
        "select max(as_of_date), count(distinct opportunity_id) from marts.kpi_open_deal_alerts"
    ).fetchone()
    return AlertSummary(as_of, deals, {reason: counts.get(reason, 0) for reason in ALERT_REASONS})


FORECAST_COLUMNS = ("p_win", "p_win_reasons", "p_win_reasons_zh")  # fct_forecast_opportunities, latest as-of date


def deals_to_review(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """One row per flagged open deal, most reasons first, then the largest amount, then the longest silence; with
    the forecast's p_win and why it differs from the stage probability (p_win_reasons, p_win_reasons_zh)."""
    if not has_table(con, "kpi_open_deal_alerts"):
        return []
    alerts = with_columns(con, "kpi_open_deal_alerts", FORECAST_COLUMNS)
    reasons = ", ".join(f"any_value({name}) as {name}" for name in FORECAST_COLUMNS)
    return dicts(
        con,
        f"""select opportunity_id, any_value(owner_id) as owner_id, any_value(team) as team,
                  any_value(pipeline_key) as pipeline_key, any_value(stage_key) as stage_key,
                  max(amount) as amount, max(days_in_stage) as days_in_stage,
                  max(days_since_last_touch) as days_since_last_touch,
                  list(reason order by reason) as reasons, string_agg(reason_detail, '; ' order by reason) as detail,
                  {reasons}
           from {alerts} as alerts
           group by opportunity_id
           order by count(*) desc, max(amount) desc nulls last, max(days_since_last_touch) desc nulls last,
                    opportunity_id
           limit ?""",
        [limit],
    )


def new_customers_by_source(con: duckdb.DuckDBPyConnection, first: date, month: date) -> list[dict[str, Any]]:
    """Per lead source: the month's leads and new customers, and new customers over first..month."""
    if not has_table(con, "kpi_new_customers_by_channel"):
        return []
    return dicts(
        con,
        """select lead_source,
                  coalesce(sum(new_leads) filter (where month_start = ?), 0) as new_leads,
                  coalesce(sum(leads_with_opportunity) filter (where month_start = ?), 0) as leads_with_opportunity,
                  coalesce(sum(new_customers) filter (where month_start = ?), 0) as new_customers,
                  coalesce(sum(new_customer_amount) filter (where month_start = ?), 0) as new_customer_amount,
                  sum(new_customers) as new_customers_period,
                  sum(new_customer_amount) as new_customer_amount_period
           from marts.kpi_new_customers_by_channel where month_start between ? and ?
           group by lead_source
           having sum(new_leads) filter (where month_start = ?) > 0 or sum(new_customers) > 0
           order by new_customers desc, new_customer_amount desc, new_customers_period desc, new_leads desc,
                    lead_source""",
        [month, month, month, month, first, month, month],
    )
