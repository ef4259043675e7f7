"""Running the real pipeline from the tests: in-process where no process boundary is under test.

`run_stagewise` calls the same function `stagewise run` calls, in this Python process: no interpreter start,
no re-import of Dagster and dbt, and the parsed dbt manifest is reused while the project is unchanged.
Only the tests about processes start the command line as a child (tests/e2e/faults.py kills it).

A run records its events in a Dagster instance. By default the tests give it an in-memory (ephemeral) one:
the SQLite instance `stagewise run` keeps beside the warehouse costs ~7 s of event writes per run and is not
what these tests are about. The tests about runs killed half-way use the persistent one (`persistent=True`),
as the command line does.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from storage import WarehouseFiles


@dataclass(frozen=True)
class Deployment:
    """One extracts directory and the warehouse built from it."""

    extracts: Path
    warehouse: Path

    @classmethod
    def under(cls, root: Path, extracts: Path | None = None) -> Deployment:
        return cls(extracts or root / "extracts", root / "warehouse" / "stagewise.duckdb")

    @property
    def published(self) -> Path:
        return WarehouseFiles(self.warehouse).published


@dataclass(frozen=True)
class RunOutcome:
    code: int
    output: str

    def assert_ok(self) -> RunOutcome:
        assert self.code == 0, f"stagewise run failed:\n{self.output[-6000:]}"
        return self


def run_stagewise(deployment: Deployment, stages: Path | None = None, persistent: bool = False) -> RunOutcome:
    """`stagewise run` in this process; its terminal output (progress, summary, errors) is returned."""
    import dagster as dg

    from orchestration.run import run_pipeline

    output = io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(output))
        stack.enter_context(contextlib.redirect_stderr(output))
        instance = None if persistent else stack.enter_context(dg.DagsterInstance.ephemeral())
        code = run_pipeline(deployment.extracts, deployment.warehouse, stages, out=output, instance=instance)
    return RunOutcome(code, output.getvalue())


def marts_content(path: Path) -> dict[str, list[tuple]]:
    """Every published mart table, rows sorted, for exact comparison between runs."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by 1"
        ).fetchall()]  # fmt: skip
        return {t: sorted(con.execute(f'select * from main."{t}"').fetchall(), key=repr) for t in tables}
