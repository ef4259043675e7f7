"""The KPIs of the recomputation history, computed in plain Python with the definitions of docs/kpis.md."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime

from tests.e2e.recompute_history import FOLLOWUP_DAYS, REQUIRED_STAGE, STAGES, Lead


def _month(moment: datetime) -> date:
    return moment.date().replace(day=1)


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _order(state: str) -> int | None:
    return STAGES.index(state) + 1 if state in STAGES else (len(STAGES) + 1 if state == "won" else None)


def expected_company_kpis(leads: list[Lead]) -> dict[tuple[date, str], tuple[float | None, float | None, float | None]]:
    """(month, kpi) -> (numerator, denominator, value) at company scope."""
    closed = [d for lead in leads for d in lead.deals if d.outcome in ("won", "lost")]
    first_contact = {lead.lead_id: lead.created for lead in leads}
    result: dict[tuple[date, str], tuple[float | None, float | None, float | None]] = {}
    for month in sorted({_month(d.closed_at) for d in closed}):
        in_month = [d for d in closed if _month(d.closed_at) == month]
        won = [d for d in in_month if d.outcome == "won"]
        cycles = [_days(first_contact[d.lead_id], d.closed_at) for d in won]
        result[month, "win_rate"] = (len(won), len(in_month), len(won) / len(in_month))
        result[month, "won_amount"] = (sum(d.amount for d in won), None, sum(d.amount for d in won))
        result[month, "avg_sales_cycle_days"] = (
            sum(cycles),
            len(cycles),
            sum(cycles) / len(cycles) if cycles else None,
        )
        result[month, "median_sales_cycle_days"] = (None, len(cycles), statistics.median(cycles) if cycles else None)
    for month in sorted({_month(lead.created) for lead in leads}):
        cohort = [lead for lead in leads if _month(lead.created) == month]
        converted = [lead for lead in cohort if any(d.outcome != "invalid" for d in lead.deals)]
        result[month, "new_leads"] = (len(cohort), None, len(cohort))
        result[month, "lead_conversion_rate"] = (len(converted), len(cohort), len(converted) / len(cohort))
    firsts = [
        min((d for d in lead.deals if d.outcome == "won"), key=lambda d: (d.closed_at, d.opportunity_id))
        for lead in leads
        if any(d.outcome == "won" for d in lead.deals)
    ]
    for month in sorted({_month(d.closed_at) for d in firsts}):
        count = sum(1 for d in firsts if _month(d.closed_at) == month)
        result[month, "new_customers"] = (count, None, count)
    return result


def expected_rep_won(leads: list[Lead]) -> dict[tuple[date, str], tuple[int, float]]:
    totals: dict[tuple[date, str], list[float]] = defaultdict(list)
    for deal in (d for lead in leads for d in lead.deals if d.outcome == "won"):
        totals[_month(deal.closed_at), deal.owner].append(deal.amount)
    return {key: (len(amounts), sum(amounts)) for key, amounts in totals.items()}


def expected_funnel(leads: list[Lead]) -> dict[tuple[date, str], dict[str, float | int | bool | None]]:
    """(cohort month, stage) -> reached, advanced, avg days to advance, lost here, bottleneck (company)."""
    cells: dict[tuple[date, str], dict] = defaultdict(lambda: {"reached": 0, "advanced": 0, "days": [], "lost": 0})
    for deal in (d for lead in leads for d in lead.deals if d.outcome != "invalid"):
        entries = [(_order(state), when) for state, when in deal.entries if _order(state) is not None]
        highest = max(order for order, _ in entries if order <= len(STAGES))
        for k, stage in enumerate(STAGES, start=1):
            reached = [when for order, when in entries if order >= k]
            if not reached:
                continue
            cell = cells[_month(min(reached)), stage]
            cell["reached"] += 1
            advanced = [when for order, when in entries if order > k]
            if advanced:
                cell["advanced"] += 1
                cell["days"].append(_days(min(reached), min(advanced)))
            cell["lost"] += deal.outcome == "lost" and highest == k
    expected = {}
    for (month, stage), cell in cells.items():
        expected[month, stage] = {
            "reached": cell["reached"],
            "advanced": cell["advanced"],
            "lost_here": cell["lost"],
            "conversion_rate": cell["advanced"] / cell["reached"],
            "avg_days_to_advance": statistics.fmean(cell["days"]) if cell["days"] else None,
        }
    for month in {m for m, _ in expected}:
        ranked = sorted(
            (cell["conversion_rate"], STAGES.index(stage), stage) for (m, stage), cell in expected.items() if m == month
        )
        for (m, stage), cell in expected.items():
            if m == month:
                cell["is_bottleneck"] = stage == ranked[0][2]
    return expected


def latest_data_at(leads: list[Lead]) -> datetime:
    moments = [lead.created for lead in leads] + [lead.customer_created for lead in leads if lead.customer_created]
    return max(moments + [when for lead in leads for d in lead.deals for _, when in d.entries])


def expected_alerts(leads: list[Lead]) -> set[tuple[str, str]]:
    """(opportunity_id, reason) for the deals open at the latest data instant."""
    now = latest_data_at(leads)
    deals = [d for lead in leads for d in lead.deals if d.outcome != "invalid"]
    sat_in: dict[str, list[float]] = defaultdict(list)  # days to advance of deals that entered the stage
    for deal in deals:
        orders = [(_order(state), when) for state, when in deal.entries if _order(state) is not None]
        for k, stage in enumerate(STAGES, start=1):
            entered = [when for order, when in orders if order == k]
            advanced = [when for order, when in orders if order > k]
            if entered and advanced:
                sat_in[stage].append(_days(min(when for order, when in orders if order >= k), min(advanced)))
    p75 = {
        stage: statistics.quantiles(days, n=4, method="inclusive")[2] if len(days) > 1 else days[0]
        for stage, days in sat_in.items()
        if days
    }
    alerts = set()
    for deal in (d for d in deals if d.outcome == "open"):
        stage, entered_at = deal.entries[-1]
        in_stage = _days(entered_at, now)
        if stage in p75 and in_stage > p75[stage]:
            alerts.add((deal.opportunity_id, "stalled"))
        if in_stage >= FOLLOWUP_DAYS:  # no follow-ups or messages here: the last touch is the last stage change
            alerts.add((deal.opportunity_id, "no_follow_up"))
        if deal.expected_close < now.date():
            alerts.add((deal.opportunity_id, "overdue"))
        passed = max(_order(state) or 0 for state, _ in deal.entries) > _order(REQUIRED_STAGE)
        if passed and REQUIRED_STAGE not in {state for state, _ in deal.entries}:
            alerts.add((deal.opportunity_id, "skipped_stage"))
    return alerts
