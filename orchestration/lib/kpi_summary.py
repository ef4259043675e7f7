"""The headline KPIs a manager reads, as plain text, from the published marts.

`headline(con, month)` renders, for one business month: the company KPIs, the funnel of the cohort
that reached each stage that month with its bottleneck, the top and bottom salespeople, and the open
deal alerts. Every figure comes from the marts; nothing reads the wall clock.
"""

from __future__ import annotations

from datetime import date

import duckdb

from forecast.report import forecast_lines

HEADLINE_KPIS = (
    ("win_rate", "Win rate (won / won+lost)", "pct"),
    ("win_rate_amount", "Win rate by amount", "pct"),
    ("lead_conversion_rate", "Lead conversion", "pct"),
    ("avg_sales_cycle_days", "Average sales cycle", "days"),
    ("median_sales_cycle_days", "Median sales cycle", "days"),
    ("won_deals", "Won deals", "count"),
    ("won_amount", "Won amount (CNY)", "amount"),
    ("avg_deal_size", "Average deal size (CNY)", "amount"),
    ("new_leads", "New leads", "count"),
    ("new_customers", "New customers", "count"),
    ("new_customer_amount", "New-customer amount (CNY)", "amount"),
)
RATIO_KPIS = {"win_rate", "lead_conversion_rate"}
ALERT_REASONS = ("stalled", "no_follow_up", "overdue", "skipped_stage")
RANKED_REPS = 3


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "pct":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:,.0f}"


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `marts.<table>` resolves: schema `marts` of the warehouse, or the published `marts.duckdb` file."""
    try:
        con.execute(f"select * from marts.{table} limit 0")
    except duckdb.CatalogException:
        return False
    return True


def latest_full_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last complete calendar month before the latest data month (never the wall clock)."""
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
    rows = con.execute(
        "select kpi, numerator, denominator, value from marts.kpi_monthly "
        "where month_start = ? and scope_type = 'company'",
        [month],
    ).fetchall()
    if not rows:
        lines.append("  no KPI rows for this month")
    values = {kpi: (numerator, denominator, value) for kpi, numerator, denominator, value in rows}
    for kpi, label, unit in HEADLINE_KPIS:
        if kpi in values:
            numerator, denominator, value = values[kpi]
            detail = f"  ({numerator:,.0f} / {denominator:,.0f})" if kpi in RATIO_KPIS and denominator else ""
            lines.append(f"  {label:<30} {_fmt(value, unit)}{detail}")
    lines.extend(funnel(con, month))
    lines.extend(salespeople(con, month))
    lines.extend(alerts(con, month))
    lines.extend(forecast_lines(con))
    return "\n".join(lines)


def funnel(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    if not _has_table(con, "kpi_stage_conversion"):
        return []
    rows = con.execute(
        """select pipeline_key, stage_key, next_state_key, reached, advanced, conversion_rate, avg_days_to_advance,
                  lost_here, is_bottleneck
           from marts.kpi_stage_conversion
           where month_start = ? and scope_type = 'company'
           order by pipeline_key, stage_order""",
        [month],
    ).fetchall()
    if not rows:
        return []
    lines = ["", f"Stage conversion, cohort reaching the stage in {month:%Y-%m} (company):"]
    bottlenecks = []
    for pipeline, stage, next_state, reached, advanced, rate, days, lost, bottleneck in rows:
        step = f"{stage} -> {next_state}"
        flag = "  <- bottleneck" if bottleneck else ""
        lines.append(
            f"  {pipeline}: {step:<30} reached {reached:>5}  advanced {advanced:>5}  {_fmt(rate, 'pct'):>6}  "
            f"{_fmt(days, 'days'):>10} on average  lost here {lost:>4}{flag}"
        )
        if bottleneck:
            bottlenecks.append(f"{pipeline}: {step} ({_fmt(rate, 'pct')} advance)")
    if bottlenecks:
        lines.append("  Bottleneck: " + "; ".join(bottlenecks))
    return lines


def salespeople(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    """Top and bottom salespeople by won amount (then won deals, then rep id) in the month."""
    if not _has_table(con, "rep_scorecard"):
        return []
    rows = con.execute(
        """select rep_id, coalesce(rep_name, rep_id), coalesce(team, '-'), won_amount, won_deals, win_rate, attainment
           from marts.rep_scorecard
           where month_start = ?
           order by won_amount desc, won_deals desc, rep_id""",
        [month],
    ).fetchall()
    if not rows:
        return []
    top = rows[:RANKED_REPS]
    bottom = [row for row in rows[-RANKED_REPS:] if row not in top][::-1]
    lines = ["", f"Salespeople in {month:%Y-%m} by won amount ({len(rows)} reps):"]
    for title, chosen in (("Top", top), ("Bottom", bottom)):
        for rep_id, name, team, amount, deals, win_rate, attainment in chosen:
            lines.append(
                f"  {title:<6} {name} ({rep_id}, {team}): won {_fmt(amount, 'amount')} in {deals} deals, "
                f"win rate {_fmt(win_rate, 'pct')}, target attainment {_fmt(attainment, 'pct')}"
            )
    return lines


def alerts(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    """Open-deal alert counts (as of the latest data date) and the month-end open / stalled deals."""
    lines: list[str] = []
    if _has_table(con, "rep_scorecard"):
        open_deals, stalled = con.execute(
            "select sum(open_deals), sum(stalled_deals) from marts.rep_scorecard where month_start = ?", [month]
        ).fetchone()
        if open_deals is not None:
            lines += ["", f"Deals open at the end of {month:%Y-%m}: {open_deals:,} ({stalled:,} stalled)"]
    if _has_table(con, "open_deal_alerts"):
        counts = dict(con.execute("select reason, count(*) from marts.open_deal_alerts group by reason").fetchall())
        as_of = con.execute("select max(as_of_date) from marts.open_deal_alerts").fetchone()[0]
        deals = con.execute("select count(distinct opportunity_id) from marts.open_deal_alerts").fetchone()[0]
        when = f"as of {as_of:%Y-%m-%d}, the latest data date" if as_of else "none"
        lines += ["", f"Open-deal alerts ({when}): {deals:,} deals flagged"]
        lines += [f"  {reason:<14} {counts.get(reason, 0):>5}" for reason in ALERT_REASONS]
    return lines
