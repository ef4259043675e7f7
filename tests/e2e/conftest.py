"""End-to-end fixtures: demo extracts and real `stagewise run` processes on temporary warehouses."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

DEMO_SCALE = 0.05
DEMO_SEED = 11


@dataclass(frozen=True)
class Deployment:
    extracts: Path
    warehouse: Path

    @property
    def published(self) -> Path:
        return self.warehouse.with_name("marts.duckdb")


def stagewise(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would."""
    command = [sys.executable, "-m", "orchestration.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def run_pipeline(deployment: Deployment, *extra: str) -> subprocess.CompletedProcess[str]:
    result = stagewise("run", "--extracts", deployment.extracts, "--warehouse", deployment.warehouse, *extra)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def marts_content(path: Path) -> dict[str, list[tuple]]:
    """Every published mart table, rows sorted, for exact comparison between runs."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by 1"
        ).fetchall()]  # fmt: skip
        return {t: sorted(con.execute(f'select * from main."{t}"').fetchall(), key=repr) for t in tables}


@pytest.fixture(scope="session")
def demo_extracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "extracts"
    result = stagewise("demo", "--out", out, "--scale", str(DEMO_SCALE), "--seed", str(DEMO_SEED))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def reference(demo_extracts: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """One uninterrupted run on the demo extracts: the marts every other scenario must reproduce."""
    deployment = Deployment(demo_extracts, tmp_path_factory.mktemp("reference") / "stagewise.duckdb")
    run_pipeline(deployment)
    return deployment


@pytest.fixture(scope="session")
def reference_marts(reference: Deployment) -> dict[str, list[tuple]]:
    return marts_content(reference.published)


@pytest.fixture
def fresh_copy(demo_extracts: Path, tmp_path: Path) -> Deployment:
    """A private copy of the demo extracts and an empty warehouse for a scenario that changes things."""
    extracts = tmp_path / "extracts"
    shutil.copytree(demo_extracts, extracts)
    return Deployment(extracts, tmp_path / "warehouse" / "stagewise.duckdb")
