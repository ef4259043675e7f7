"""KPIs recomputed independently: plain Python over a small generated history versus the published marts.

The generator below writes a clean, fully logged CRM history (leads → customers → opportunities with a
stage-change row for every stage entered, including creation and closing; no WeCom data, no mobiles,
so identity is the lead ↔ customer ↔ opportunity chain). The expected values are computed from the
generator's own records with the definitions of docs/kpis.md, never from the warehouse; then the real
`stagewise run` builds the marts and every expected figure must be there, exactly (floats to 1e-9).
"""

from __future__ import annotations

import csv
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Deployment, run_pipeline

pytestmark = pytest.mark.e2e

STAGES = ("prospecting", "qualification", "quote", "contract")
REQUIRED_STAGE = "qualification"
PROBABILITIES = (10, 25, 50, 80)
REPS = {"u1": ("张伟", "华东"), "u2": ("李娜", "华东"), "u3": ("王强", "华南"), "u4": ("刘洋", "华南")}
SOURCES = ("官网", "展会", "转介绍")
START, END = datetime(2026, 1, 5, 9), datetime(2026, 6, 28, 18)  # business-local wall times (Asia/Shanghai)
FOLLOWUP_DAYS = 7
SEED = 75


@dataclass
class Deal:
    opportunity_id: str
    customer_id: str
    lead_id: str
    owner: str
    amount: float
    expected_close: date
    entries: list[tuple[str, datetime]] = field(default_factory=list)  # (stage key or outcome, when)

    @property
    def created(self) -> datetime:
        return self.entries[0][1]

    @property
    def state(self) -> str:
        return self.entries[-1][0]

    @property
    def outcome(self) -> str:
        return self.state if self.state in ("won", "lost", "invalid") else "open"

    @property
    def closed_at(self) -> datetime | None:
        return self.entries[-1][1] if self.outcome != "open" else None


@dataclass
class Lead:
    lead_id: str
    created: datetime
    owner: str
    source: str
    customer_id: str | None = None
    customer_created: datetime | None = None
    deals: list[Deal] = field(default_factory=list)


def _later(rng: random.Random, when: datetime, low_days: int, high_days: int) -> datetime:
    moment = when + timedelta(days=rng.randint(low_days, high_days), hours=rng.randint(0, 8))
    return moment.replace(hour=min(max(moment.hour, 9), 19), second=0, microsecond=0)


def _walk(rng: random.Random, deal: Deal, start: datetime) -> None:
    """Stage entries from creation to an outcome (or open at END): advances, skips, losses, invalids."""
    position = 1 if rng.random() < 0.2 else 0  # created past prospecting: the required stage may be skipped
    position = 2 if position == 1 and rng.random() < 0.3 else position
    deal.entries.append((STAGES[position], start))
    when = start
    while True:
        when = _later(rng, when, 1, 16)
        if when > END:
            return
        roll = rng.random()
        if len(deal.entries) == 1 and roll < 0.05:
            deal.entries.append(("invalid", when))
            return
        if roll < 0.12:
            deal.entries.append(("lost", when))
            return
        if position == len(STAGES) - 1:
            deal.entries.append(("won" if rng.random() < 0.75 else "lost", when))
            return
        position += 2 if (rng.random() < 0.12 and position + 2 < len(STAGES)) else 1
        deal.entries.append((STAGES[position], when))


def generate(seed: int = SEED) -> list[Lead]:
    rng = random.Random(seed)
    leads, deal_number = [], 0
    span = int((END - START).total_seconds() // 60) - 12 * 24 * 60
    for number in range(1, 121):
        created = (START + timedelta(minutes=rng.randint(0, span))).replace(second=0)
        created = created.replace(hour=min(max(created.hour, 9), 19))
        lead = Lead(f"L{number:03d}", created, rng.choice(sorted(REPS)), rng.choice(SOURCES))
        leads.append(lead)
        if rng.random() < 0.3:
            continue
        lead.customer_id, lead.customer_created = f"C{number:03d}", _later(rng, created, 1, 3)
        opened = _later(rng, lead.customer_created, 0, 4)
        for _ in range(2 if rng.random() < 0.25 else 1):
            deal_number += 1
            deal = Deal(
                f"O{deal_number:03d}",
                lead.customer_id,
                lead.lead_id,
                lead.owner,
                float(rng.randint(10, 120) * 1000),
                (opened + timedelta(days=rng.randint(5, 45))).date(),
            )
            _walk(rng, deal, opened)
            lead.deals.append(deal)
            opened = _later(rng, opened, 10, 30)
            if opened > END:
                break
    return leads


def _fmt(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_extracts(leads: list[Lead], root: Path) -> None:
    deals = [deal for lead in leads for deal in lead.deals]
    stage_lines = "\n".join(
        f"      - {{key: {key}, name: {key}, probability: {p}"
        + (", required: true" if key == REQUIRED_STAGE else "")
        + "}"
        for key, p in zip(STAGES, PROBABILITIES, strict=True)
    )
    root.mkdir(parents=True, exist_ok=True)
    (root / "pipelines.yml").write_text(
        f"business_timezone: Asia/Shanghai\npipelines:\n  - key: default\n    name: 默认\n    stages:\n{stage_lines}\n",
        encoding="utf-8",
    )
    _write_csv(
        root / "crm/users/users.csv",
        ["user_id", "name", "team", "active"],
        [[user, name, team, "1"] for user, (name, team) in REPS.items()],
    )
    _write_csv(
        root / "crm/leads/leads.csv",
        ["lead_id", "created_at", "owner_id", "source", "status", "customer_id"],
        [
            [
                lead.lead_id,
                _fmt(lead.created),
                lead.owner,
                lead.source,
                "converted" if lead.customer_id else "open",
                lead.customer_id or "",
            ]
            for lead in leads
        ],
    )
    _write_csv(
        root / "crm/customers/customers.csv",
        ["customer_id", "name", "created_at", "owner_id", "lead_id"],
        [
            [lead.customer_id, f"客户{lead.customer_id}", _fmt(lead.customer_created), lead.owner, lead.lead_id]
            for lead in leads
            if lead.customer_id
        ],
    )
    _write_csv(
        root / "crm/opportunities/opportunities.csv",
        [
            "opportunity_id",
            "name",
            "customer_id",
            "owner_id",
            "stage",
            "status",
            "amount",
            "expected_close_date",
            "created_at",
            "closed_at",
            "updated_at",
        ],
        [
            [
                d.opportunity_id,
                f"商机{d.opportunity_id}",
                d.customer_id,
                d.owner,
                next(s for s, _ in reversed(d.entries) if s in STAGES),
                d.outcome,
                f"{d.amount:.2f}",
                d.expected_close.isoformat(),
                _fmt(d.created),
                _fmt(d.closed_at),
                _fmt(d.entries[-1][1]),
            ]
            for d in deals
        ],
    )
    _write_csv(
        root / "crm/stage_changes/stage_changes.csv",
        ["opportunity_id", "stage", "changed_at"],
        [[d.opportunity_id, state, _fmt(when)] for d in deals for state, when in d.entries],
    )
    months = [f"2026-{m:02d}" for m in range(1, 7)]
    _write_csv(
        root / "crm/targets/targets_long.csv",
        ["scope_type", "scope_id", "month", "metric", "target"],
        [["user", user, month, "won_amount", "60000"] for user in REPS for month in months],
    )
    _write_csv(
        root / "crm/targets/targets_wide.csv",  # 悟空CRM wide form: type 2 = team, status 1 = amount
        ["obj_id", "type", "year", "status", "january", "february", "march", "april", "may", "june"],
        [[team, "2", "2026", "1", *["150000"] * 6] for team in sorted({t for _, t in REPS.values()})],
    )


# ---- the expected values, from the generator's records --------------------------------------------


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


# ---- the test ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Lead], Path]:
    leads = generate()
    root = tmp_path_factory.mktemp("kpi_recompute")
    write_extracts(leads, root / "extracts")
    deployment = Deployment(root / "extracts", root / "warehouse" / "stagewise.duckdb")
    run_pipeline(deployment)
    return leads, deployment.published


@pytest.fixture(scope="module")
def marts(generated: tuple[list[Lead], Path]) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(generated[1]), read_only=True) as con:
        yield con


def _approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-9)


def test_the_generated_history_exercises_every_case(generated):
    leads = generated[0]
    deals = [d for lead in leads for d in lead.deals]
    outcomes = {d.outcome for d in deals}
    assert outcomes == {"open", "won", "lost", "invalid"}
    assert any(d.entries[0][0] != STAGES[0] for d in deals), "no deal was created past the first stage"
    assert any(
        _order(b[0]) - _order(a[0]) > 1
        for d in deals
        for a, b in zip(d.entries, d.entries[1:], strict=False)
        if _order(a[0]) and _order(b[0]) and b[0] != "won"
    ), "no forward jump over a stage"
    assert any(len(lead.deals) == 2 for lead in leads) and any(not lead.deals for lead in leads)


def test_company_kpis_match(generated, marts):
    expected = expected_company_kpis(generated[0])
    actual = {(m, k): (n, d, v) for m, k, n, d, v in marts.execute(
        "select month_start, kpi, numerator, denominator, value from marts.kpi_monthly where scope_type = 'company'"
    ).fetchall()}  # fmt: skip
    assert len(expected) > 30
    for key, (numerator, denominator, value) in expected.items():
        assert key in actual, f"kpi_monthly has no row for {key}"
        assert actual[key] == (_approx(numerator), _approx(denominator), _approx(value)), key


def test_rep_won_deals_and_amount_match(generated, marts):
    expected = expected_rep_won(generated[0])
    rows = marts.execute(
        "select month_start, scope_id, kpi, value from marts.kpi_monthly "
        "where scope_type = 'rep' and kpi in ('won_deals', 'won_amount') and value > 0"
    ).fetchall()
    actual: dict[tuple[date, str], dict[str, float]] = defaultdict(dict)
    for month, rep, kpi, value in rows:
        actual[month, rep][kpi] = value
    assert {key: (v["won_deals"], v["won_amount"]) for key, v in actual.items()} == expected


def test_funnel_matches(generated, marts):
    expected = expected_funnel(generated[0])
    rows = marts.execute(
        """select month_start, stage_key, reached, advanced, lost_here, conversion_rate, avg_days_to_advance,
                  is_bottleneck
           from marts.kpi_stage_conversion where scope_type = 'company' and reached > 0"""
    ).fetchall()
    actual = {(m, s): {"reached": r, "advanced": a, "lost_here": lost, "conversion_rate": rate,
                       "avg_days_to_advance": days, "is_bottleneck": bottleneck}
              for m, s, r, a, lost, rate, days, bottleneck in rows}  # fmt: skip
    assert actual.keys() == expected.keys()
    for key, cell in expected.items():
        assert actual[key] == {
            **cell,
            "conversion_rate": _approx(cell["conversion_rate"]),
            "avg_days_to_advance": _approx(cell["avg_days_to_advance"]),
        }, key


def test_target_attainment_long_and_wide(generated, marts):
    won = expected_rep_won(generated[0])
    team_of = {user: team for user, (_, team) in REPS.items()}
    rows = marts.execute(
        "select month_start, scope_type, scope_id, target, actual, attainment from marts.kpi_target_attainment "
        "where metric = 'won_amount' and month_status = 'past'"
    ).fetchall()
    assert {scope for _, scope, *_ in rows} == {"rep", "team"}
    for month, scope_type, scope_id, target, actual, attainment in rows:
        members = [scope_id] if scope_type == "rep" else [u for u, t in team_of.items() if t == scope_id]
        amount = sum(won.get((month, user), (0, 0.0))[1] for user in members)
        assert target == (60000 if scope_type == "rep" else 150000)
        assert (actual, attainment) == (_approx(amount), _approx(amount / target)), (month, scope_type, scope_id)


def test_open_deal_alerts_match(generated, marts):
    expected = expected_alerts(generated[0])
    actual = set(marts.execute("select opportunity_id, reason from marts.kpi_open_deal_alerts").fetchall())
    assert {reason for _, reason in expected} == {"stalled", "no_follow_up", "overdue", "skipped_stage"}
    assert actual == expected
    as_of = marts.execute("select distinct as_of_date from marts.kpi_open_deal_alerts").fetchall()
    assert as_of == [(latest_data_at(generated[0]).date(),)]
