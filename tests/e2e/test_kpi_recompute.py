"""KPIs recomputed independently: plain Python over a small generated history versus the published marts.

The generator below writes a clean, fully logged CRM history (leads → customers → opportunities with a
stage-change row for every stage entered, including creation and closing; no WeCom data, no mobiles,
so identity is the lead ↔ customer ↔ opportunity chain). The expected values are computed from the
generator's own records with the definitions of docs/kpis.md, never from the warehouse; then the real
`stagewise run` builds the marts and every expected figure must be there, exactly (floats to 1e-9).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.e2e.recompute_expected import (
    _order,
    expected_alerts,
    expected_company_kpis,
    expected_funnel,
    expected_rep_won,
    latest_data_at,
)
from tests.e2e.recompute_history import REPS, STAGES, Lead, generate, write_extracts
from tests.pipeline import Deployment, run_stagewise

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("kpi_recompute")]

# ---- the test ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Lead], Path]:
    leads = generate()
    root = tmp_path_factory.mktemp("kpi_recompute")
    write_extracts(leads, root / "extracts")
    deployment = Deployment(root / "extracts", root / "warehouse" / "stagewise.duckdb")
    run_stagewise(deployment).assert_ok()
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
