"""Queries on the KPI marts shared by the text summary (`stagewise kpi`) and the HTML report.

Every function reads `marts.<table>`, which resolves in the warehouse (schema `marts`) and in the published
`marts.duckdb` (its catalog is named `marts`). Every query has a total order, so the same marts give the same rows.
Nothing here reads the wall clock: "latest" always means the latest month or date in the data.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import duckdb

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


class ReportingSettings(NamedTuple):
    business_timezone: str
    reporting_currency: str


DEFAULT_SETTINGS = ReportingSettings("Asia/Shanghai", "CNY")  # the project default (ingest/pipelines_default.yml)


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `marts.<table>` resolves: schema `marts` of the warehouse, or the published `marts.duckdb` file."""
    try:
        con.execute(f"select * from marts.{table} limit 0")
    except duckdb.CatalogException:
        return False
    return True


def _dicts(con: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(query, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def reporting_settings(con: duckdb.DuckDBPyConnection) -> ReportingSettings:
    """The business time zone and reporting currency the marts follow (the defaults for older marts)."""
    if not has_table(con, "dim_reporting_settings"):
        return DEFAULT_SETTINGS
    row = con.execute("select business_timezone, reporting_currency from marts.dim_reporting_settings").fetchone()
    return ReportingSettings(*row) if row else DEFAULT_SETTINGS


def reporting_currency(con: duckdb.DuckDBPyConnection) -> str:
    """The currency every amount of the marts is in."""
    return reporting_settings(con).reporting_currency


def latest_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The month of the latest data instant (the running month)."""
    if not has_table(con, "kpi_monthly"):
        return None
    return con.execute("select max(month_start) from marts.kpi_monthly").fetchone()[0]


def latest_full_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last complete calendar month before the latest data month (never the wall clock)."""
    if not has_table(con, "kpi_monthly"):
        return None
    row = con.execute(
        "select max(month_start) filter (where month_start < (select max(month_start) from marts.kpi_monthly)) "
        "from marts.kpi_monthly"
    ).fetchone()
    return row[0]


def company_kpis(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[date, dict[str, KpiValue]]:
    """Company KPIs of the months first..last: {month: {kpi: (numerator, denominator, value)}}."""
    rows = con.execute(
        "select month_start, kpi, numerator, denominator, value from marts.kpi_monthly "
        "where month_start between ? and ? and scope_type = 'company' order by month_start, kpi",
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
    return _dicts(
        con,
        f"select {', '.join(FUNNEL_COLUMNS)} from marts.kpi_stage_conversion "
        "where month_start = ? and scope_type = 'company' order by pipeline_key, stage_order, stage_key",
        [month],
    )


def scorecard(con: duckdb.DuckDBPyConnection, month: date, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """`kpi_rep_scorecard` rows of the month, best won amount first (then won deals, then rep id)."""
    if not has_table(con, "kpi_rep_scorecard"):
        return []
    return _dicts(
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


class AlertSummary(NamedTuple):
    as_of: date | None
    deals: int
    counts: dict[str, int]


def alert_summary(con: duckdb.DuckDBPyConnection) -> AlertSummary | None:
    """Alert counts by reason and distinct flagged deals, as of the latest data date; None without the table."""
    if not has_table(con, "kpi_open_deal_alerts"):
        return None
    counts = dict(con.execute("select reason, count(*) from marts.kpi_open_deal_alerts group by reason").fetchall())
    as_of, deals = con.execute(
        "select max(as_of_date), count(distinct opportunity_id) from marts.kpi_open_deal_alerts"
    ).fetchone()
    return AlertSummary(as_of, deals, {reason: counts.get(reason, 0) for reason in ALERT_REASONS})


def latest_data_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest data date: the as-of date of the alerts and of the forecast (whichever tables exist)."""
    dates = [
        con.execute(f"select max(as_of_date) from marts.{table}").fetchone()[0]
        for table in ("kpi_open_deal_alerts", "kpi_forecast_monthly")
        if has_table(con, table)
    ]
    return max((d for d in dates if d is not None), default=None)


def stage_names(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """{(pipeline, state): (Chinese name, English name)} from dim_stages; empty without it."""
    if not has_table(con, "dim_stages"):
        return {}
    rows = con.execute("select pipeline_key, state_key, state_name, state_name_en from marts.dim_stages").fetchall()
    return {(pipeline, state): (zh, en) for pipeline, state, zh, en in rows}


def pipeline_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """{pipeline: (Chinese name, English name)} from dim_stages; empty without it."""
    if not has_table(con, "dim_stages"):
        return {}
    rows = con.execute(
        "select pipeline_key, max(pipeline_name), max(pipeline_name_en) from marts.dim_stages group by pipeline_key"
    ).fetchall()
    return {pipeline: (zh, en) for pipeline, zh, en in rows}


def rep_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{rep_id: name} from dim_reps; empty without it."""
    if not has_table(con, "dim_reps"):
        return {}
    return dict(con.execute("select rep_id, rep_name from marts.dim_reps where rep_name is not null").fetchall())


def deals_to_review(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """One row per flagged open deal, most reasons first, then the largest amount, then the longest silence."""
    if not has_table(con, "kpi_open_deal_alerts"):
        return []
    return _dicts(
        con,
        """select opportunity_id, any_value(owner_id) as owner_id, any_value(team) as team,
                  any_value(pipeline_key) as pipeline_key, any_value(stage_key) as stage_key,
                  max(amount) as amount, max(days_in_stage) as days_in_stage,
                  max(days_since_last_touch) as days_since_last_touch,
                  list(reason order by reason) as reasons, string_agg(reason_detail, '; ' order by reason) as detail
           from marts.kpi_open_deal_alerts
           group by opportunity_id
           order by count(*) desc, max(amount) desc nulls last, max(days_since_last_touch) desc nulls last,
                    opportunity_id
           limit ?""",
        [limit],
    )


def targets(con: duckdb.DuckDBPyConnection, month: date) -> list[dict[str, Any]]:
    """Target rows of the month: company first, then teams, then reps, each by id and metric."""
    if not has_table(con, "kpi_target_attainment"):
        return []
    return _dicts(
        con,
        """select scope_type, scope_id, metric, target, actual, attainment, days_elapsed_share, projected,
                  pipeline_coverage
           from marts.kpi_target_attainment where month_start = ?
           order by case scope_type when 'company' then 0 when 'team' then 1 else 2 end, scope_id, metric""",
        [month],
    )


def forecast_months(con: duckdb.DuckDBPyConnection, months: int) -> list[dict[str, Any]]:
    """Company forecast at the latest as-of date for its month and the next ones, with the won-amount target."""
    if not has_table(con, "kpi_forecast_monthly"):
        return []
    target = "null"
    if has_table(con, "kpi_target_attainment"):
        target = (
            "(select max(t.target) from marts.kpi_target_attainment as t where t.month_start = f.month_start "
            "and t.scope_type = 'company' and t.metric = 'won_amount')"
        )
    return _dicts(
        con,
        f"""with latest as (select max(as_of_date) as as_of_date from marts.kpi_forecast_monthly)
            select f.as_of_date, f.month_start, f.open_deals, f.open_pipeline_amount, f.weighted_amount,
                   f.stage_weighted_amount, {target} as target
            from marts.kpi_forecast_monthly as f
            inner join latest on f.as_of_date = latest.as_of_date
            where f.scope_type = 'company'
              and f.month_start < date_trunc('month', latest.as_of_date) + to_months(?)
            order by f.month_start""",
        [months],
    )


def backtest(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Brier scores of both methods per as-of date: one row per as-of date."""
    if not has_table(con, "kpi_forecast_backtest"):
        return []
    return _dicts(
        con,
        """select as_of_date, max(deals) as deals,
                  max(brier_score) filter (where method = 'model') as model,
                  max(brier_score) filter (where method = 'stage_probability') as stage_probability
           from marts.kpi_forecast_backtest group by as_of_date order by as_of_date""",
    )


def new_customers_by_source(con: duckdb.DuckDBPyConnection, first: date, month: date) -> list[dict[str, Any]]:
    """Per lead source: the month's leads and new customers, and new customers over first..month."""
    if not has_table(con, "kpi_new_customers_by_channel"):
        return []
    return _dicts(
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
