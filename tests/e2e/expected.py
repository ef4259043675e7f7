"""Expected mart values, computed in plain Python from the rows a test wrote (never from the warehouse).

The rules are those of the specs (extract-contract.md, kpi-definitions.md), written out once more, here,
independently of the SQL: a deal's history from its stage log or from successive exports, the business
month of an instant, sales cycles in instant days, conversion into the reporting currency, and the
monthly KPIs and the stage funnel that follow from them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import fmean
from zoneinfo import ZoneInfo

from tests.e2e.drops import OPPORTUNITY_HEADER, OUTCOMES, Deal

AMBIGUOUS = object()  # a duration the spec leaves open: not asserted


def instant(local: datetime, timezone: str) -> datetime:
    """A business-local wall time as a UTC instant; a time in a DST gap moves forward by the gap."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def month_of(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date().replace(day=1)


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _parsed(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None


def logged_timeline(deal: Deal, timezone: str) -> list[tuple[str, datetime]]:
    """With a complete stage log the history is the log itself."""
    return [(state, instant(when, timezone)) for state, when in deal.entries]


def snapshot_timeline(
    deal: Deal, stamps: Sequence[datetime], timezone: str, *, with_updated_at: bool = True
) -> list[tuple[str, datetime]]:
    """The history of a deal that has no log, read from the export rows written at `stamps` (contract §3).

    Created at `created_at` in the stage of the first export that holds it; each later change of state at
    `closed_at` for an outcome, else `updated_at`, else the export's delivery time.
    """
    rows = [
        (stamp, dict(zip(OPPORTUNITY_HEADER, deal.export_row(stamp, with_updated_at=with_updated_at), strict=True)))
        for stamp in stamps
        if deal.created_at <= stamp
    ]
    first = rows[0][1]
    timeline = [(first["stage"], instant(_parsed(first["created_at"]), timezone))]
    for stamp, row in rows:
        state = row["status"] if row["status"] != "open" else row["stage"]
        if state == timeline[-1][0]:
            continue
        when = (row["status"] != "open" and _parsed(row["closed_at"])) or _parsed(row["updated_at"]) or stamp
        timeline.append((state, instant(when, timezone)))
    return timeline


def converted(amount: float | None, currency: str | None, month: date, rates: dict[tuple[str, str], float],
              reporting: str = "CNY") -> float | None:  # fmt: skip
    """amount × the rate of (currency, month), else of the latest earlier month; None when there is none."""
    if amount is None or (currency or reporting) == reporting:
        return amount
    known = [(m, r) for (c, m), r in rates.items() if c == currency and m <= month.strftime("%Y-%m")]
    return amount * max(known)[1] if known else None


@dataclass(frozen=True)
class Fact:
    """What the marts should say about one opportunity."""

    opportunity_id: str
    owner_id: str
    team: str
    prospect: str
    first_contact: datetime
    timeline: tuple[tuple[str, datetime], ...]
    amount: float | None  # in the reporting currency; None: no amount, or no rate to convert it
    first_seen_late: bool = False

    @property
    def outcome(self) -> str:
        state = self.timeline[-1][0]
        return state if state in OUTCOMES else "open"

    @property
    def closed_at(self) -> datetime | None:
        return self.timeline[-1][1] if self.outcome != "open" else None


KpiKey = tuple[date, str]


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def first_wins(facts: Iterable[Fact]) -> set[str]:
    """The deals that made a new customer: each prospect's first won deal."""
    firsts: dict[str, str] = {}
    for fact in sorted((f for f in facts if f.outcome == "won"), key=lambda f: (f.closed_at, f.opportunity_id)):
        firsts.setdefault(fact.prospect, fact.opportunity_id)
    return set(firsts.values())


def monthly_deal_kpis(
    facts: Sequence[Fact], timezone: str, new_customer_deals: set[str] | None = None
) -> dict[KpiKey, tuple[float | None, ...]]:
    """(month, kpi) -> (numerator, denominator, value) of the deal KPIs, every month from the first closing
    to the last (quiet months included: 0 deals, NULL rates). For a scope, pass the first wins of all deals."""
    closed = [f for f in facts if f.outcome in ("won", "lost")]
    if not closed:
        return {}
    firsts = first_wins(facts) if new_customer_deals is None else new_customer_deals
    by_month = defaultdict(list)
    for fact in closed:
        by_month[month_of(fact.closed_at, timezone)].append(fact)
    result: dict[KpiKey, tuple[float | None, ...]] = {}
    for month in _months(min(by_month), max(by_month)):
        won = [f for f in by_month[month] if f.outcome == "won"]
        amount = sum(f.amount or 0.0 for f in won)
        cycles = [days_between(f.first_contact, f.closed_at) for f in won]
        new = [f for f in won if f.opportunity_id in firsts]
        result[month, "won_deals"] = (len(won), None, len(won))
        result[month, "won_amount"] = (amount, None, amount)
        decided = by_month[month]
        result[month, "win_rate"] = (len(won), len(decided), len(won) / len(decided) if decided else None)
        result[month, "avg_sales_cycle_days"] = (sum(cycles), len(cycles), fmean(cycles) if cycles else None)
        result[month, "new_customers"] = (len(new), None, len(new))
    return result


def by_scope(facts: Sequence[Fact], scope_of: Callable[[Fact], str]) -> dict[str, list[Fact]]:
    groups: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[scope_of(fact)].append(fact)
    return groups


@dataclass
class FunnelCell:
    reached: int = 0
    advanced: int = 0
    days: list = None  # floats, or AMBIGUOUS

    def avg_days(self) -> object:
        days = self.days or []
        if any(d is AMBIGUOUS for d in days):
            return AMBIGUOUS
        return fmean(days) if days else None


def funnel(facts: Iterable[Fact], stages: Sequence[str], timezone: str) -> dict[tuple[date, str], FunnelCell]:
    """(cohort month, stage) -> reached / advanced / days to advance, over valid deals (kpi-definitions).

    A deal first seen past its first stage: its first stay is unknown and left out of the days; the stages
    before it count as reached and advanced like a skip, and their days are AMBIGUOUS (not asserted).
    """
    order = {stage: k for k, stage in enumerate(stages, start=1)} | {"won": len(stages) + 1}
    cells: dict[tuple[date, str], FunnelCell] = defaultdict(lambda: FunnelCell(days=[]))
    for fact in (f for f in facts if f.outcome != "invalid"):
        entries = [(order[state], when) for state, when in fact.timeline if state in order]
        first_seen = entries[0][0]
        for k, stage in enumerate(stages, start=1):
            reached = [when for o, when in entries if o >= k]
            if not reached:
                continue
            cell = cells[month_of(min(reached), timezone), stage]
            cell.reached += 1
            advanced = [when for o, when in entries if o > k]
            if not advanced:
                continue
            cell.advanced += 1
            if fact.first_seen_late and k < first_seen:
                cell.days.append(AMBIGUOUS)
            elif not (fact.first_seen_late and k == first_seen):
                cell.days.append(days_between(min(reached), min(advanced)))
    return dict(cells)
