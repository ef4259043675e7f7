"""The headline KPIs a manager reads, as plain text, from the published marts.

`headline(con, month)` renders, for one business month: the company KPIs, the funnel of the cohort
that reached each stage that month with its bottleneck, the top and bottom salespeople, and the open
deal alerts. Every figure comes from the marts; nothing reads the wall clock.
"""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.lib.forecast_summary import forecast_lines
from orchestration.lib.marts_queries import (
    ALERT_REASONS,
    alert_summary,
    company_kpis,
    latest_full_month,
    month_end_open_deals,
    reporting_currency,
    scorecard,
)
from orchestration.lib.marts_queries import funnel as funnel_rows

HEADLINE_KPIS = (
    ("win_rate", "Win rate (won / won+lost)", "pct"),
    ("win_rate_amount", "Win rate by amount", "pct"),
    ("lead_conversion_rate", "Lead conversion", "pct"),
    ("avg_sales_cycle_days", "Average sales cycle", "days"),
    ("median_sales_cycle_days", "Median sales cycle", "days"),
    ("won_deals", "Won deals", "count"),
    ("won_amount", "Won amount ({currency})", "amount"),
    ("avg_deal_size", "Average deal size ({currency})", "amount"),
    ("new_leads", "New leads", "count"),
    ("new_customers", "New customers", "count"),
    ("new_customer_amount", "New-customer amount ({currency})", "amount"),
)
RATIO_KPIS = {"win_rate", "lead_conversion_rate"}
RANKED_REPS = 3


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "pct":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:,.0f}"


def headline(con: duckdb.DuckDBPyConnection, month: date | None = None) -> str:
    month = month or latest_full_month(con)
    if month is None:
        return "No KPI marts yet (marts.kpi_monthly is missing or empty)."
    lines = [f"Headline KPIs for {month:%Y-%m} (company):"]
    values = company_kpis(con, month, month).get(month, {})
    if not values:
        lines.append("  no KPI rows for this month")
    currency = reporting_currency(con)
    for kpi, label_pattern, unit in HEADLINE_KPIS:
        label = label_pattern.format(currency=currency)
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
    rows = funnel_rows(con, month)
    if not rows:
        return []
    lines = ["", f"Stage conversion, cohort reaching the stage in {month:%Y-%m} (company):"]
    bottlenecks = []
    for row in rows:
        step = f"{row['stage_key']} -> {row['next_state_key']}"
        flag = "  <- bottleneck" if row["is_bottleneck"] else ""
        rate, days = _fmt(row["conversion_rate"], "pct"), _fmt(row["avg_days_to_advance"], "days")
        lines.append(
            f"  {row['pipeline_key']}: {step:<30} reached {row['reached']:>5}  advanced {row['advanced']:>5}  "
            f"{rate:>6}  {days:>10} on average  lost here {row['lost_here']:>4}{flag}"
        )
        if row["is_bottleneck"]:
            bottlenecks.append(f"{row['pipeline_key']}: {step} ({rate} advance)")
    if bottlenecks:
        lines.append("  Bottleneck: " + "; ".join(bottlenecks))
    return lines


def salespeople(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    """Top and bottom salespeople by won amount (then won deals, then rep id) in the month."""
    rows = scorecard(con, month, ("rep_id", "rep_name", "team", "won_amount", "won_deals", "win_rate", "attainment"))
    if not rows:
        return []
    top = rows[:RANKED_REPS]
    bottom = [row for row in rows[-RANKED_REPS:] if row not in top][::-1]
    lines = ["", f"Salespeople in {month:%Y-%m} by won amount ({len(rows)} reps):"]
    for title, chosen in (("Top", top), ("Bottom", bottom)):
        for row in chosen:
            name, team = row["rep_name"] or row["rep_id"], row["team"] or "-"
            lines.append(
                f"  {title:<6} {name} ({row['rep_id']}, {team}): won {_fmt(row['won_amount'], 'amount')} in "
                f"{row['won_deals']} deals, win rate {_fmt(row['win_rate'], 'pct')}, "
                f"target attainment {_fmt(row['attainment'], 'pct')}"
            )
    return lines


def alerts(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    """Open-deal alert counts (as of the latest data date) and the month-end open / stalled deals."""
    lines: list[str] = []
    open_deals, stalled = month_end_open_deals(con, month)
    if open_deals is not None:
        lines += ["", f"Deals open at the end of {month:%Y-%m}: {open_deals:,} ({stalled:,} stalled)"]
    summary = alert_summary(con)
    if summary is not None:
        when = f"as of {summary.as_of:%Y-%m-%d}, the latest data date" if summary.as_of else "none"
        lines += ["", f"Open-deal alerts ({when}): {summary.deals:,} deals flagged"]
        lines += [f"  {reason:<18} {summary.counts[reason]:>5}" for reason in ALERT_REASONS]
    return lines
