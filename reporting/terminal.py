"""The headline KPIs a manager reads, as plain text, from the published marts (`stagewise kpi`, `stagewise run`).

`headline(con, month)` renders, for one business month: the company KPIs, the funnel of the cohort
that reached each stage that month with its bottleneck, the top and bottom salespeople, the open
deal alerts, and the forecast for the coming months next to the targets. Every figure comes from the
marts; nothing reads the wall clock.
"""

from __future__ import annotations

from datetime import date

import duckdb

from reporting import queries as q
from reporting.formatting import fmt

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
MONTHS_AHEAD = 3


def headline(con: duckdb.DuckDBPyConnection, month: date | None = None) -> str:
    month = month or q.latest_full_month(con)
    if month is None:
        return "No KPI marts yet (marts.kpi_monthly is missing or empty)."
    lines = [f"Headline KPIs for {month:%Y-%m} (company):"]
    values = q.company_kpis(con, month, month).get(month, {})
    if not values:
        lines.append("  no KPI rows for this month")
    currency = q.reporting_currency(con)
    for kpi, label_pattern, unit in HEADLINE_KPIS:
        label = label_pattern.format(currency=currency)
        if kpi in values:
            numerator, denominator, value = values[kpi]
            ratio = f"  ({fmt(numerator, 'count')} / {fmt(denominator, 'count')})"
            lines.append(f"  {label:<30} {fmt(value, unit)}{ratio if kpi in RATIO_KPIS and denominator else ''}")
    lines.extend(funnel(con, month))
    lines.extend(salespeople(con, month))
    lines.extend(alerts(con, month))
    lines.extend(forecast_lines(con))
    return "\n".join(lines)


def funnel(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    rows = q.funnel(con, month)
    if not rows:
        return []
    lines = ["", f"Stage conversion, cohort reaching the stage in {month:%Y-%m} (company):"]
    bottlenecks = []
    for row in rows:
        step = f"{row['stage_key']} -> {row['next_state_key']}"
        flag = "  <- bottleneck" if row["is_bottleneck"] else ""
        rate, days = fmt(row["conversion_rate"], "pct"), fmt(row["avg_days_to_advance"], "days")
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
    rows = q.scorecard(con, month, ("rep_id", "rep_name", "team", "won_amount", "won_deals", "win_rate", "attainment"))
    if not rows:
        return []
    top = rows[:RANKED_REPS]
    bottom = [row for row in rows[-RANKED_REPS:] if row not in top][::-1]
    lines = ["", f"Salespeople in {month:%Y-%m} by won amount ({len(rows)} reps):"]
    for title, chosen in (("Top", top), ("Bottom", bottom)):
        for row in chosen:
            name, team = row["rep_name"] or row["rep_id"], row["team"] or "-"
            lines.append(
                f"  {title:<6} {name} ({row['rep_id']}, {team}): won {fmt(row['won_amount'], 'amount')} in "
                f"{row['won_deals']} deals, win rate {fmt(row['win_rate'], 'pct')}, "
                f"target attainment {fmt(row['attainment'], 'pct')}"
            )
    return lines


def alerts(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    """Open-deal alert counts (as of the latest data date) and the month-end open / stalled deals."""
    lines: list[str] = []
    open_deals, stalled = q.month_end_open_deals(con, month)
    if open_deals is not None:
        lines += ["", f"Deals open at the end of {month:%Y-%m}: {fmt(open_deals, 'count')} ({fmt(stalled, 'count')} "
                  "stalled)"]  # fmt: skip
    summary = q.alert_summary(con)
    if summary is not None:
        when = f"as of {summary.as_of:%Y-%m-%d}, the latest data date" if summary.as_of else "none"
        lines += ["", f"Open-deal alerts ({when}): {fmt(summary.deals, 'count')} deals flagged"]
        lines += [f"  {reason:<18} {summary.counts[reason]:>5}" for reason in q.ALERT_REASONS]
    return lines


def forecast_lines(con: duckdb.DuckDBPyConnection, months: int = MONTHS_AHEAD) -> list[str]:
    """Company forecast at the latest as-of date for the as-of month and the next months, with the targets."""
    rows = q.forecast_months(con, months)
    if not rows:
        return []
    lines = ["", f"Won-amount forecast as of {rows[0]['as_of_date']:%Y-%m-%d} (company, open deals by expected "
             "close month):"]  # fmt: skip
    lines.append(f"  {'month':<8} {'model':>14} {'stage-weighted':>15} {'open pipeline':>14} {'target':>14}")
    for r in rows:
        figures = (r["weighted_amount"], r["stage_weighted_amount"], r["open_pipeline_amount"], r["target"])
        model, stage, pipeline, target = (fmt(value, "amount") for value in figures)
        lines.append(f"  {r['month_start']:%Y-%m}  {model:>14} {stage:>15} {pipeline:>14} {target:>14}")
    if rows[0].get("weighted_method") == "stage_probability":
        lines[2] = lines[2].replace("         model", "stage (see !)")
        lines.append(f"  ! WARNING: {rows[0]['weighted_method_reason']}")
    return lines + _trust_line(con)


def _trust_line(con: duckdb.DuckDBPyConnection) -> list[str]:
    model, stage = q.brier_scores(con)
    if model is None or not stage:
        return []
    return [
        f"  Backtest Brier score (lower is better): model {fmt(model, 'score')}, stage probabilities "
        f"{fmt(stage, 'score')} ({fmt(1 - model / stage, 'pct0')} lower)"
    ]
