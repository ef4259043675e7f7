"""Running the drops of the end-to-end matrix: which drops exist, how each is run, and which xdist group runs it.

Each drop is built and run the first time a test asks for it, in-process, on the worker that holds its
group, so that each drop runs once per session. The arrival pair is two groups: the incremental drop lives
through the faults on one worker while another builds the all-at-once drop it is compared with. That one is
built in a folder all workers share, under a lock: whichever worker asks first builds it, the other reads it.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.e2e import drops_arrival as arrival
from tests.e2e import drops_sao_paulo as sao_paulo
from tests.e2e import matrix_drops as cases
from tests.e2e.expected import AMBIGUOUS, funnel
from tests.e2e.faults import live_through_faults
from tests.pipeline import Deployment, RunOutcome, run_stagewise

DROPS: dict[str, Callable[[Path], cases.Case]] = {
    "crm_only_five_deals": cases.build_crm_only_five_deals,
    "monthly_snapshots": cases.build_monthly_snapshots,
    "one_rep_all_closed": cases.build_one_rep_all_closed_no_amounts,
    "two_stages_none_closed": cases.build_two_stages_none_closed,
    "sao_paulo_2016_fx": sao_paulo.build_sao_paulo_2016_currencies,
}
ARRIVALS = ("arrival_incremental", "arrival_all_at_once")


def _group(name: str) -> str:
    """The xdist group of a drop: its runs happen on one worker, once."""
    return "matrix-arrival" if name == "arrival_incremental" else f"matrix-{name}"


def drops_param(names) -> list:  # noqa: ANN001
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
    seen: dict = field(default_factory=dict)  # what the fault steps left behind (tests/e2e/faults.py)

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
    """The first delivery, run; then the second delivery through the faults of tests/e2e/faults.py (its
    ingest killed, rerun; every file re-delivered, dbt killed, rerun): it must still equal one run on both."""
    drop = DropRun(Deployment.under(root))
    arrival.write_first_delivery(drop.deployment.extracts)
    drop.run()
    drop.extra = arrival.write_second_delivery(drop.deployment.extracts)
    live_through_faults(drop.deployment, drop.runs, drop.seen)
    return drop


def _all_at_once_job(root: Path) -> DropRun:
    drop = DropRun(Deployment.under(root))
    arrival.write_first_delivery(drop.deployment.extracts)
    drop.extra = arrival.write_second_delivery(drop.deployment.extracts)
    drop.run()
    return drop


def _build_shared(root: Path, job: Callable[[Path], DropRun]) -> DropRun:
    """`job(root)` once for every worker of the session: the first builds under the lock, the others load it."""
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root.with_suffix(".pickle")
        if done.exists():
            return pickle.loads(done.read_bytes())
        drop = job(root)
        done.write_bytes(pickle.dumps(drop))
        return drop


class Matrix:
    """The drops, each built and run the first time a test asks for it (on the worker of its group)."""

    def __init__(self, root: Path, shared: Path) -> None:
        self.root, self.shared, self.built = root, shared, {}

    @classmethod
    def for_session(cls, factory: pytest.TempPathFactory) -> Matrix:
        """Under xdist every worker has its own base folder; their parent is the session's, shared by all."""
        base = factory.getbasetemp()
        shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        return cls(factory.mktemp("matrix"), shared / "matrix-shared")

    def __getitem__(self, name: str) -> DropRun:
        if name not in self.built:
            root = self.root / name
            if name == "arrival_incremental":
                self.built[name] = _incremental_job(root)
            elif name == "arrival_all_at_once":
                self.built[name] = _build_shared(self.shared / name, _all_at_once_job)
            else:
                self.built[name] = _drop_job(root, DROPS[name])
        return self.built[name]


def approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-9)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def scope_rows(con: duckdb.DuckDBPyConnection, scope_type: str, scope_id: str) -> dict:
    rows = con.execute(
        "select month_start, kpi, numerator, denominator, value from kpi_monthly where scope_type = ? and scope_id = ?",
        [scope_type, scope_id],
    ).fetchall()
    return {(month, kpi): (numerator, denominator, value) for month, kpi, numerator, denominator, value in rows}


def funnel_rows(con: duckdb.DuckDBPyConnection, scope_type: str = "company", scope_id: str = "all") -> dict:
    rows = con.execute(
        "select month_start, stage_key, reached, advanced, avg_days_to_advance from kpi_stage_conversion "
        "where scope_type = ? and scope_id = ? and reached > 0",
        [scope_type, scope_id],
    ).fetchall()
    return {(month, stage): (reached, advanced, days) for month, stage, reached, advanced, days in rows}


def expected_funnel(facts: list, case: cases.Case) -> dict:
    cells = funnel(facts, case.stages, case.timezone)
    return {
        key: (cell.reached, cell.advanced, avg if (avg := cell.avg_days()) is AMBIGUOUS else approx(avg))
        for key, cell in cells.items()
    }
