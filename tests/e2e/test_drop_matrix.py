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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.e2e import matrix_drops as cases
from tests.e2e.expected import AMBIGUOUS, by_scope, first_wins, funnel, monthly_deal_kpis
from tests.pipeline import Deployment, RunOutcome, marts_content, run_stagewise

pytestmark = pytest.mark.e2e

DROPS: dict[str, Callable[[Path], cases.Case]] = {
    "crm_only_five_deals": cases.build_crm_only_five_deals,
    "monthly_snapshots": cases.build_monthly_snapshots,
    "one_rep_all_closed": cases.build_one_rep_all_closed_no_amounts,
    "two_stages_none_closed": cases.build_two_stages_none_closed,
    "sao_paulo_2016_fx": cases.build_sao_paulo_2016_currencies,
}
ARRIVALS = ("arrival_incremental", "arrival_all_at_once")


def _group(name: str) -> str:
    """The xdist group of a drop: its runs happen on one worker, once (the arrival pair together)."""
    return "matrix-arrival" if name in ARRIVALS else f"matrix-{name}"


def _drops(names) -> list:  # noqa: ANN001
    return [pytest.param(name, marks=pytest.mark.xdist_group(_group(name))) for name in names]


def on_drop(name: str):  # noqa: ANN201
    """Mark a test that reads one drop: it runs on the worker that built that drop."""
    return pytest.mark.xdist_group(_group(name))


# ---- running the drops -------------------------------------------------------------------------------


@dataclass
class DropRun:
    deployment: Deployment
    case: cases.Case | None = None
    runs: list[RunOutcome] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def run(self) -> None:
        self.runs.append(run_stagewise(self.deployment))

    @contextmanager
    def marts(self) -> Iterator[duckdb.DuckDBPyConnection]:
        for outcome in self.runs:
            outcome.assert_ok()
        with duckdb.connect(str(self.deployment.published), read_only=True) as con:
            con.execute("set TimeZone = 'UTC'")
            yield con


def _drop_job(root: Path, build: Callable[[Path], cases.Case]) -> DropRun:
    drop = DropRun(Deployment.under(root))
    drop.case = build(drop.deployment.extracts)
    drop.run()
    return drop


def _incremental_job(root: Path) -> DropRun:
    drop = DropRun(Deployment.under(root))
    cases.write_first_delivery(drop.deployment.extracts)
    drop.run()
    drop.extra = cases.write_second_delivery(drop.deployment.extracts)
    drop.run()
    return drop


def _all_at_once_job(root: Path) -> DropRun:
    drop = DropRun(Deployment.under(root))
    cases.write_first_delivery(drop.deployment.extracts)
    drop.extra = cases.write_second_delivery(drop.deployment.extracts)
    drop.run()
    return drop


class Matrix:
    """The drops, each built and run the first time a test asks for it (on the worker of its group)."""

    def __init__(self, root: Path) -> None:
        self.root, self.built = root, {}

    def __getitem__(self, name: str) -> DropRun:
        if name not in self.built:
            root = self.root / name
            if name == "arrival_incremental":
                self.built[name] = _incremental_job(root)
            elif name == "arrival_all_at_once":
                self.built[name] = _all_at_once_job(root)
            else:
                self.built[name] = _drop_job(root, DROPS[name])
        return self.built[name]


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    return Matrix(tmp_path_factory.mktemp("matrix"))


def _approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-9)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# ---- every drop -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _drops([*DROPS, *ARRIVALS]))
def test_runs_green_and_rejects_nothing(matrix, name):
    drop = matrix[name]
    with drop.marts():
        pass
    with duckdb.connect(str(drop.deployment.warehouse), read_only=True) as con:
        rejects = con.execute("select file_path, line, column_name, value, rule from raw._rejects").fetchall()
        statuses = con.execute("select file_path, status, reason from raw._load_manifest where status <> 'loaded'")
        assert (rejects, statuses.fetchall()) == ([], [])


def _non_finite(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return con.execute(f'select count(*) from "{table}" where isnan("{column}") or isinf("{column}")').fetchone()[0]


@pytest.mark.parametrize("name", _drops(DROPS))
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


@pytest.mark.parametrize("name", _drops(DROPS))
def test_forecast_p_win_is_a_finite_probability(matrix, name):
    with matrix[name].marts() as con:
        rows = con.execute("select opportunity_id, as_of_date, p_win, p_win_method from fct_forecast_opportunities")
        rows = rows.fetchall()
    assert rows, "no forecast row at all"
    bad = [r for r in rows if r[2] is None or not math.isfinite(r[2]) or not 0 <= r[2] <= 1]
    assert bad == []
    assert {r[3] for r in rows} <= {"model", "stage_probability"}


@pytest.mark.parametrize("name", _drops(DROPS))
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


@pytest.mark.parametrize("name", _drops(DROPS))
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
            _approx((f.closed_at - f.first_contact).total_seconds() / 86400) if f.outcome == "won" else None,
        )
        for f in drop.case.facts
    }
    assert actual == expected


def _scope_rows(con: duckdb.DuckDBPyConnection, scope_type: str, scope_id: str) -> dict:
    rows = con.execute(
        "select month_start, kpi, numerator, denominator, value from kpi_monthly where scope_type = ? and scope_id = ?",
        [scope_type, scope_id],
    ).fetchall()
    return {(month, kpi): (numerator, denominator, value) for month, kpi, numerator, denominator, value in rows}


def _kpi_mismatches(con: duckdb.DuckDBPyConnection, scope_type: str, scope_id: str, expected: dict) -> list[str]:
    actual = _scope_rows(con, scope_type, scope_id)
    mismatches = []
    for (month, kpi), (numerator, denominator, value) in sorted(expected.items()):
        got = actual.get((month, kpi))
        want = (_approx(numerator), _approx(denominator), _approx(value)) if kpi == "win_rate" else _approx(value)
        if got is None or (got if kpi == "win_rate" else got[2]) != want:
            mismatches.append(f"{scope_type}/{scope_id} {month:%Y-%m} {kpi}: expected {want}, got {got}")
    return mismatches


@pytest.mark.parametrize("name", _drops(DROPS))
def test_company_deal_kpis_by_business_month(matrix, name):
    """won_deals, won_amount, win_rate, avg_sales_cycle_days, new_customers in the month of closed_at."""
    drop = matrix[name]
    with drop.marts() as con:
        mismatches = _kpi_mismatches(con, "company", "all", monthly_deal_kpis(drop.case.facts, drop.case.timezone))
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", _drops(DROPS))
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


def _funnel_rows(con: duckdb.DuckDBPyConnection, scope_type: str = "company", scope_id: str = "all") -> dict:
    rows = con.execute(
        "select month_start, stage_key, reached, advanced, avg_days_to_advance from kpi_stage_conversion "
        "where scope_type = ? and scope_id = ? and reached > 0",
        [scope_type, scope_id],
    ).fetchall()
    return {(month, stage): (reached, advanced, days) for month, stage, reached, advanced, days in rows}


def _expected_funnel(facts: list, case: cases.Case) -> dict:
    cells = funnel(facts, case.stages, case.timezone)
    return {
        key: (cell.reached, cell.advanced, avg if (avg := cell.avg_days()) is AMBIGUOUS else _approx(avg))
        for key, cell in cells.items()
    }


def _with_ambiguous_days_ignored(actual: dict, expected: dict) -> dict:
    return {
        key: (*value[:2], AMBIGUOUS) if expected.get(key, (0, 0, 0))[2] is AMBIGUOUS else value
        for key, value in actual.items()
    }


@pytest.mark.parametrize("name", _drops(DROPS))
def test_funnel_reached_advanced_and_days(matrix, name):
    """kpi_stage_conversion (company): the month a cohort reached each stage, how many advanced, and the
    average days to advance, without the unknown first stay of a deal first seen past its first stage."""
    drop = matrix[name]
    expected = _expected_funnel(drop.case.facts, drop.case)
    with drop.marts() as con:
        actual = _with_ambiguous_days_ignored(_funnel_rows(con), expected)
    assert actual == expected


@pytest.mark.parametrize("name", _drops(["crm_only_five_deals", "monthly_snapshots", "two_stages_none_closed"]))
def test_first_seen_late_flags_the_first_stay(matrix, name):
    drop = matrix[name]
    with drop.marts() as con:
        flagged = con.execute("select opportunity_id, seq from fct_stage_transitions where first_seen_late")
        flagged = set(flagged.fetchall())
    expected = {(f.opportunity_id, 1) for f in drop.case.facts if f.first_seen_late}
    assert bool(expected) == (name != "two_stages_none_closed")  # a logged creation in stage 2 is not late
    assert flagged == expected


# ---- a + g: CRM only, five deals ----------------------------------------------------------------------------


@on_drop("crm_only_five_deals")
def test_five_deals_forecast_falls_back_to_the_stage_probabilities(matrix):
    drop = matrix["crm_only_five_deals"]
    with drop.marts() as con:
        rows = con.execute(
            "select opportunity_id, p_win, stage_probability, p_win_method from fct_forecast_opportunities "
            "where as_of_date = (select max(as_of_date) from fct_forecast_opportunities)"
        ).fetchall()
    assert {r[0] for r in rows} == {f.opportunity_id for f in drop.case.facts if f.outcome == "open"}
    assert [(r[0], r[1], r[3]) for r in rows] == [(r[0], r[2], "stage_probability") for r in rows]


# ---- d + e + i: one salesperson, every deal closed, no amount ---------------------------------------------


@on_drop("one_rep_all_closed")
def test_single_salesperson_rep_and_team_rows_equal_the_company(matrix):
    with matrix["one_rep_all_closed"].marts() as con:
        company = _scope_rows(con, "company", "all")
        assert company
        assert _scope_rows(con, "rep", "u1") == company
        assert _scope_rows(con, "team", "直销") == company


@on_drop("one_rep_all_closed")
def test_missing_amounts_sum_to_zero_and_amount_rates_stay_null(matrix):
    drop = matrix["one_rep_all_closed"]
    won_months = {
        k[0] for k, v in monthly_deal_kpis(drop.case.facts, drop.case.timezone).items() if k[1] == "won_deals" and v[2]
    }
    with drop.marts() as con:
        rows = _scope_rows(con, "company", "all")
        amounts = con.execute("select count(*) from fct_opportunities where amount is not null").fetchone()[0]
    assert amounts == 0
    assert {m: rows[m, "won_amount"][2] for m in won_months} == dict.fromkeys(won_months, 0)
    assert {m: rows[m, "win_rate_amount"][2] for m in won_months} == dict.fromkeys(won_months)


@on_drop("one_rep_all_closed")
def test_every_deal_closed_leaves_nothing_open(matrix):
    with matrix["one_rep_all_closed"].marts() as con:
        assert con.execute("select count(*) from kpi_open_deal_alerts").fetchone()[0] == 0
        last = con.execute("select open_deals from kpi_rep_scorecard order by month_start desc limit 1").fetchone()
    assert last == (0,)


@on_drop("one_rep_all_closed")
def test_new_leads_by_first_contact_and_invalid_deal_makes_no_lead(matrix):
    drop = matrix["one_rep_all_closed"]
    with drop.marts() as con:
        rows = con.execute(
            "select month_start, value from kpi_monthly where scope_type = 'company' "
            "and kpi = 'new_leads' and value > 0"
        ).fetchall()
    assert dict(rows) == drop.case.extra["new_leads"]


# ---- c + f: one pipeline of two stages, no deal closed ----------------------------------------------------


@on_drop("two_stages_none_closed")
def test_two_stage_funnel_by_rep_and_team(matrix):
    drop = matrix["two_stages_none_closed"]
    with drop.marts() as con:
        for scope_type, scope_of in (("rep", lambda f: f.owner_id), ("team", lambda f: f.team)):
            for scope_id, facts in by_scope(drop.case.facts, scope_of).items():
                assert _funnel_rows(con, scope_type, scope_id) == _expected_funnel(facts, drop.case), scope_id
        steps = con.execute(
            "select distinct stage_key, next_state_key, stage_order from kpi_stage_conversion order by stage_order"
        ).fetchall()
        bottlenecks = con.execute(
            "select distinct stage_key from kpi_stage_conversion where scope_type = 'company' and is_bottleneck"
        ).fetchall()
    assert steps == [("lead", "demo", 1), ("demo", "won", 2)]
    assert bottlenecks == [("demo",)]  # nobody advanced from demo: 0 %


@on_drop("two_stages_none_closed")
def test_no_deal_closed_gives_zero_wins_and_null_rates(matrix):
    with matrix["two_stages_none_closed"].marts() as con:
        rows = con.execute(
            "select kpi, count(*), sum(numerator), max(denominator), count(value), sum(value) from kpi_monthly "
            "where scope_type = 'company' and kpi in ('won_deals', 'win_rate') group by kpi order by kpi"
        ).fetchall()
    assert rows == [("win_rate", 2, 0, 0, 0, None), ("won_deals", 2, 0, None, 2, 0)]


@on_drop("two_stages_none_closed")
def test_no_outcome_yet_forecast_uses_the_stage_probabilities(matrix):
    drop = matrix["two_stages_none_closed"]
    with drop.marts() as con:
        rows = con.execute(
            "select opportunity_id, stage_key, p_win, p_win_method from fct_forecast_opportunities "
            "where as_of_date = (select max(as_of_date) from fct_forecast_opportunities)"
        ).fetchall()
    stage, probability = drop.case.extra["current_stage"], drop.case.extra["probability"]
    assert sorted(rows) == [
        (o, stage[o], _approx(probability[stage[o]] / 100), "stage_probability") for o in sorted(stage)
    ]


# ---- h + k + j: 2016-2018, America/Sao_Paulo, several currencies ------------------------------------------


@on_drop("sao_paulo_2016_fx")
def test_local_midnight_in_the_dst_gap_is_shifted_forward_and_loaded(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        created = con.execute("select created_at from fct_opportunities where opportunity_id = 'K1'").fetchone()
        entered = con.execute(
            "select transitioned_at from fct_stage_transitions where opportunity_id = 'K1' and seq = 1"
        ).fetchone()
    assert created == entered == (_utc(2017, 10, 15, 3),)  # 01:00 local (-02:00), the first minute that exists


@on_drop("sao_paulo_2016_fx")
def test_ambiguous_local_time_takes_the_earlier_instant(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        closed = con.execute("select closed_at from fct_opportunities where opportunity_id = 'K5'").fetchone()
    assert closed == (_utc(2018, 2, 18, 1, 30),)  # 23:30 still in summer time (-02:00)


@on_drop("sao_paulo_2016_fx")
def test_deals_closing_on_a_last_evening_count_in_that_local_month(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        won = dict(
            con.execute(
                "select month_start, value from kpi_monthly where scope_type = 'company' and kpi = 'won_deals'"
            ).fetchall()
        )
    expected = monthly_deal_kpis(matrix["sao_paulo_2016_fx"].case.facts, cases.SAO_PAULO)
    for month in (date(2016, 12, 1), date(2017, 1, 1), date(2017, 6, 1), date(2017, 7, 1)):
        assert won.get(month) == expected[month, "won_deals"][2], month


@on_drop("sao_paulo_2016_fx")
def test_three_years_of_months_from_2016(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        months = con.execute(
            "select min(month_start), max(month_start), count(distinct month_start) "
            "from kpi_monthly where scope_type = 'company' and kpi = 'won_deals'"
        ).fetchone()
    assert months == (date(2016, 1, 1), date(2018, 12, 1), 36)


@on_drop("sao_paulo_2016_fx")
def test_amounts_are_converted_with_the_rate_of_their_month_or_the_latest_earlier(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        amounts = dict(
            con.execute(
                "select opportunity_id, amount from fct_opportunities where opportunity_id in ('K2', 'K4', 'J2', 'K5')"
            ).fetchall()
        )
    assert amounts == {
        "K2": _approx(30000 * 6.70),  # USD won 2016-12 (local): the July 2016 rate, the latest before December
        "K4": _approx(15000 * 7.60),  # EUR won 2017-06-30 21:00 local: June's rate, not July's
        "J2": _approx(25000 * 7.70),  # EUR still open, created 2018-11: the June 2018 rate
        "K5": _approx(12345),  # CNY, the reporting currency
    }


@on_drop("sao_paulo_2016_fx")
def test_an_amount_without_any_rate_is_left_out_of_amounts_but_the_deal_counts(matrix):
    drop = matrix["sao_paulo_2016_fx"]
    april = date(2017, 4, 1)
    won = [
        f
        for f in drop.case.facts
        if f.outcome == "won" and f.closed_at and cases.month_of(f.closed_at, cases.SAO_PAULO) == april
    ]
    assert "J1" in {f.opportunity_id for f in won}
    with drop.marts() as con:
        rows = dict(
            con.execute(
                "select kpi, value from kpi_monthly where scope_type = 'company' "
                "and month_start = ? and kpi in ('won_deals', 'won_amount')",
                [april],
            ).fetchall()
        )
    assert rows == {
        "won_deals": len(won),
        "won_amount": _approx(sum(f.amount for f in won if f.opportunity_id != "J1")),
    }


# ---- arrival order ------------------------------------------------------------------------------------------


@on_drop("arrival_incremental")
def test_incremental_deliveries_equal_one_run_on_both(matrix):
    incremental, at_once = matrix["arrival_incremental"], matrix["arrival_all_at_once"]
    with incremental.marts(), at_once.marts():
        pass
    one, other = marts_content(incremental.deployment.published), marts_content(at_once.deployment.published)
    assert one.keys() == other.keys()
    assert [t for t in one if one[t] != other[t]] == []


@pytest.mark.parametrize("name", _drops(ARRIVALS))
def test_corrected_followup_and_late_wecom_files_land(matrix, name):
    drop = matrix[name]
    with drop.marts() as con:
        followups = con.execute(
            "select activity_date, rep_id, crm_followups from fct_rep_daily_activity where crm_followups > 0"
        ).fetchall()
        wecom = con.execute("select sum(wecom_chat_cnt), sum(archive_messages_sent) from fct_rep_daily_activity")
        wecom = wecom.fetchone()
    assert {(d, r): n for d, r, n in followups} == drop.extra["crm_followups"]  # no stale row on 05-20 for u1
    assert wecom == (drop.extra["wecom_chat_cnt"], drop.extra["archive_messages_sent"])
    with drop.marts() as con:
        states = dict(con.execute("select to_state, count(*) from fct_stage_transitions group by 1").fetchall())
    assert states == drop.extra["states"]  # the renamed stage key everywhere, the old one nowhere
