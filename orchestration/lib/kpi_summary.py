"""The headline KPIs a manager reads, as plain text, from the published marts."""

from __future__ import annotations

from datetime import date

import duckdb

HEADLINE_KPIS = (
    ("win_rate", "Win rate (won / won+lost)", "pct"),
    ("lead_conversion_rate", "Lead conversion", "pct"),
    ("avg_sales_cycle_days", "Average sales cycle", "days"),
    ("won_deals", "Won deals", "count"),
    ("won_amount", "Won amount (CNY)", "amount"),
    ("new_leads", "New leads", "count"),
    ("new_customers", "New customers", "count"),
)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "pct":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "amount":
        return f"{value:,.0f}"
    return f"{value:,.0f}"


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    query = "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?"
    return con.execute(query, [table]).fetchone()[0] > 0


def latest_full_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last complete calendar month before the latest data date (never the wall clock)."""
    if not _has_table(con, "kpi_monthly"):
        return None
    row = con.execute(
        "select max(month_start) filter (where month_start < (select max(month_start) from marts.kpi_monthly)) "
        "from marts.kpi_monthly"
    ).fetchone()
    return row[0]


def headline(con: duckdb.DuckDBPyConnection, month: date | None = None) -> str:
    month = month or latest_full_month(con)
    if month is None:
        return "No KPI marts yet (marts.kpi_monthly is missing or empty)."
    lines = [f"Headline KPIs for {month:%Y-%m} (company):"]
    values = dict(
        con.execute(
            "select kpi, value from marts.kpi_monthly where month_start = ? and scope_type = 'company'", [month]
        ).fetchall()
    )
    for kpi, label, unit in HEADLINE_KPIS:
        if kpi in values:
            lines.append(f"  {label:<30} {_fmt(values[kpi], unit)}")
    lines.extend(funnel(con, month))
    return "\n".join(lines)


def funnel(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    if not _has_table(con, "kpi_stage_conversion"):
        return []
    rows = con.execute(
        """select pipeline_key, stage_key, reached, advanced, conversion_rate, avg_days_to_advance, is_bottleneck
           from marts.kpi_stage_conversion
           where month_start = ? and scope_type = 'company'
           order by pipeline_key, stage_order""",
        [month],
    ).fetchall()
    if not rows:
        return []
    lines = ["", f"Stage conversion, cohort reaching the stage in {month:%Y-%m} (company):"]
    for pipeline, stage, reached, advanced, rate, days, bottleneck in rows:
        flag = "  <- bottleneck" if bottleneck else ""
        lines.append(
            f"  {pipeline}/{stage:<16} reached {reached:>5}  advanced {advanced:>5}  "
            f"{_fmt(rate, 'pct'):>6}  {_fmt(days, 'days'):>10} to advance{flag}"
        )
    return lines
