"""Valid but unusual drops, each through the real `stagewise run`, then read from the published marts.duckdb.

The drops are in tests/e2e/matrix_drops.py (letters of issue 10's "Done means"):
  crm_only_five_deals       a + g   users and one opportunities export, nothing else; five deals
  monthly_snapshots         b       no stage log: twelve monthly exports; deals first seen late or closed
  one_rep_all_closed        d+e+i   one salesperson, every deal closed, no amount anywhere
  two_stages_none_closed    c + f   pipelines.yml with one pipeline of two stages; no deal closed
  sao_paulo_2016_fx         h+k+j   2016-2018, America/Sao_Paulo (DST), USD/EUR/CNY/GBP with crm/fx_rates
and the arrival-order pair: a warehouse fed two deliveries one run at a time equals one fed both at once.

Every expected figure is computed by tests/e2e/expected.py from the rows the drop wrote. Each drop runs once
per session, in-process, on the worker that holds its xdist group (the arrival pair shares one).
"""

from __future__ import annotations

import math

import duckdb
import pytest

from tests.e2e.expected import AMBIGUOUS, by_scope, first_wins, monthly_deal_kpis
from tests.e2e.matrix import ARRIVALS, DROPS, approx, drops_param, expected_funnel, funnel_rows, scope_rows

pytestmark = pytest.mark.e2e


# ---- every drop -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", drops_param([*DROPS, *ARRIVALS]))
def test_runs_green_and_rejects_nothing(matrix, name):
    drop = matrix[name]
    with drop.marts():
        pass
    with duckdb.connect(str(drop.deployment.warehouse), read_only=True) as con:
        rejects = con.execute("select file_path, line, column_name, value, rule from raw._rejects").fetchall()
        statuses = con.execute(
            "select file_path, status, reason from raw._load_manifest where status not in ('loaded', 'duplicate')"
        )
        assert (rejects, statuses.fetchall()) == ([], [])


def _non_finite(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return con.execute(f'select count(*) from "{table}" where isnan("{column}") or isinf("{column}")').fetchone()[0]


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_no_nan_or_infinity_in_any_mart(matrix, name):
    with matrix[name].marts() as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and data_type in ('DOUBLE', 'FLOAT')"
        ).fetchall()
        assert len(columns) > 20, "the marts should hold many floating-point columns to scan"
        counts = {f"{t}.{c}": _non_finite(con, t, c) for t, c in columns}
    bad = {column: count for column, count in counts.items() if count}
    assert bad == {}


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_forecast_p_win_is_a_finite_probability(matrix, name):
    with matrix[name].marts() as con:
        rows = con.execute("select opportunity_id, as_of_date, p_win, p_win_method from fct_forecast_opportunities")
        rows = rows.fetchall()
    assert rows, "no forecast row at all"
    bad = [r for r in rows if r[2] is None or not math.isfinite(r[2]) or not 0 <= r[2] <= 1]
    assert bad == []
    assert {r[3] for r in rows} <= {"model", "stage_probability"}


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_transitions_follow_the_log_or_the_successive_exports(matrix, name):
    drop = matrix[name]
    with drop.marts() as con:
        rows = con.execute(
            "select opportunity_id, to_state, transitioned_at from fct_stage_transitions order by opportunity_id, seq"
        ).fetchall()
    actual: dict[str, list] = {}
    for opportunity_id, state, when in rows:
        actual.setdefault(opportunity_id, []).append((state, when))
    assert actual == {f.opportunity_id: list(f.timeline) for f in drop.case.facts}


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_outcome_closed_at_and_sales_cycle(matrix, name):
    """closed_at is the time of the outcome (for a deal first seen closed: its closed_at, never created_at);
    the sales cycle runs from the prospect's first contact, in instant days."""
    drop = matrix[name]
    with drop.marts() as con:
        rows = con.execute("select opportunity_id, outcome, closed_at, sales_cycle_days from fct_opportunities")
        actual = {r[0]: (r[1], r[2], r[3]) for r in rows.fetchall()}
    expected = {
        f.opportunity_id: (
            f.outcome,
            f.closed_at,
            approx((f.closed_at - f.first_contact).total_seconds() / 86400) if f.outcome == "won" else None,
        )
        for f in drop.case.facts
    }
    assert actual == expected


def _kpi_mismatches(con: duckdb.DuckDBPyConnection, scope_type: str, scope_id: str, expected: dict) -> list[str]:
    actual = scope_rows(con, scope_type, scope_id)
    mismatches = []
    for (month, kpi), (numerator, denominator, value) in sorted(expected.items()):
        got = actual.get((month, kpi))
        want = (approx(numerator), approx(denominator), approx(value)) if kpi == "win_rate" else approx(value)
        if got is None or (got if kpi == "win_rate" else got[2]) != want:
            mismatches.append(f"{scope_type}/{scope_id} {month:%Y-%m} {kpi}: expected {want}, got {got}")
    return mismatches


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_company_deal_kpis_by_business_month(matrix, name):
    """won_deals, won_amount, win_rate, avg_sales_cycle_days, new_customers in the month of closed_at."""
    drop = matrix[name]
    with drop.marts() as con:
        mismatches = _kpi_mismatches(con, "company", "all", monthly_deal_kpis(drop.case.facts, drop.case.timezone))
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_rep_and_team_deal_kpis(matrix, name):
    """A rep's deal KPIs follow the current owner; a team's, the owner's team when the deal closed (in the
    snapshot drop u3 moves from 华南 to 华东 in July: the wins before stay with 华南)."""
    drop, mismatches = matrix[name], []
    with drop.marts() as con:
        for scope_type, scope_of in (("rep", lambda f: f.owner_id), ("team", lambda f: f.team)):
            for scope_id, facts in by_scope(drop.case.facts, scope_of).items():
                expected = monthly_deal_kpis(facts, drop.case.timezone, first_wins(drop.case.facts))
                mismatches += _kpi_mismatches(con, scope_type, scope_id, expected)
    assert not mismatches, "\n".join(mismatches)


def _with_ambiguous_days_ignored(actual: dict, expected: dict) -> dict:
    return {
        key: (*value[:2], AMBIGUOUS) if expected.get(key, (0, 0, 0))[2] is AMBIGUOUS else value
        for key, value in actual.items()
    }


@pytest.mark.parametrize("name", drops_param(DROPS))
def test_funnel_reached_advanced_and_days(matrix, name):
    """kpi_stage_conversion (company): the month a cohort reached each stage, how many advanced, and the
    average days to advance, without the unknown first stay of a deal first seen past its first stage."""
    drop = matrix[name]
    expected = expected_funnel(drop.case.facts, drop.case)
    with drop.marts() as con:
        actual = _with_ambiguous_days_ignored(funnel_rows(con), expected)
    assert actual == expected


@pytest.mark.parametrize("name", drops_param(["crm_only_five_deals", "monthly_snapshots", "two_stages_none_closed"]))
def test_first_seen_late_flags_the_first_stay(matrix, name):
    drop = matrix[name]
    with drop.marts() as con:
        flagged = con.execute("select opportunity_id, seq from fct_stage_transitions where first_seen_late")
        flagged = set(flagged.fetchall())
    expected = {(f.opportunity_id, 1) for f in drop.case.facts if f.first_seen_late}
    assert bool(expected) == (name != "two_stages_none_closed")  # a logged creation in stage 2 is not late
    assert flagged == expected
