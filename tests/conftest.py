"""Shared test set-up: telemetry off, a parsed dbt manifest, and the session's reference warehouse.

`make test` runs the suite on two workers (pytest-xdist, `--dist loadgroup`; pytest is held below 9, whose
test ids no longer carry xdist's group suffix, so that groups would silently be ignored). Tests that read the reference
warehouse share one xdist group, so it is built once; each end-to-end drop is a group of its own so that
its runs happen once, on one worker. The longest groups are handed out first so that no worker starts a
long build at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# Every test deployment records its runs in its own Dagster instance, beside its warehouse (the default when
# DAGSTER_HOME is unset): tests running at the same time must not share one `duckdb` pool slot.
os.environ.pop("DAGSTER_HOME", None)
# What plain `dbt` commands (the dbt unit tests) build into; the session's `dbt parse` renders the same path into
# its parse state, which the unit tests then reuse (tests/dbt/test_unit_tests.py). Pipeline runs pass their own.
UNIT_WAREHOUSE = Path(__file__).resolve().parents[1] / "dbt_project" / "target" / "unit_tests" / "stagewise.duckdb"
os.environ["STAGEWISE_WAREHOUSE"] = str(UNIT_WAREHOUSE)

from tests.pipeline import Deployment, marts_content, run_stagewise  # noqa: E402

# A year of demo history (20 salespeople): enough closed deals for the forecast's backtest to mean something.
REFERENCE_SCALE = 1.0
REFERENCE_SEED = 7
REFERENCE_GROUP = "reference"
# The groups that take longest start first (the arrival drop lives through the faults: 3 runs and 2 kills), then
# the drop it is compared with at its end (tests/e2e/matrix.py), so that another worker has built it by then, then
# the Spark build (tests/spark) on that other worker.
FIRST_GROUPS = ("matrix-arrival", "matrix-arrival_all_at_once", "spark-equivalence", REFERENCE_GROUP)


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The parsed dbt manifest the Dagster definitions load (parsed only when the project changed)."""
    from orchestration.lib.dbt import prepare_manifest

    return prepare_manifest()


@pytest.fixture(scope="session")
def demo_extracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference extracts. Read-only: a test that changes extracts builds its own drop (tests/e2e/)."""
    from demo import write_demo

    out = tmp_path_factory.mktemp("demo") / "extracts"
    write_demo(out, scale=REFERENCE_SCALE, seed=REFERENCE_SEED)
    return out


@pytest.fixture(scope="session")
def reference(demo_extracts: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """One uninterrupted run on the demo extracts: the warehouse the read-only tests share, and the marts
    every fault scenario must reproduce."""
    deployment = Deployment.under(tmp_path_factory.mktemp("reference"), demo_extracts)
    run_stagewise(deployment).assert_ok()
    return deployment


@pytest.fixture(scope="session")
def reference_marts(reference: Deployment) -> dict[str, list[tuple]]:
    return marts_content(reference.published)


# ---- scheduling on two workers ----------------------------------------------------------------------------


def _group(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    if marker is not None:
        return marker.args[0] if marker.args else marker.kwargs.get("name")
    if "reference" in getattr(item, "fixturenames", ()):
        return REFERENCE_GROUP
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put every reference reader in one group; order the grouped (pipeline-running) tests first."""
    for item in items:
        group = _group(item)
        if group is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))

    def order(item: pytest.Item) -> tuple[bool, int]:
        group = _group(item)
        return group is None, FIRST_GROUPS.index(group) if group in FIRST_GROUPS else len(FIRST_GROUPS)

    items.sort(key=order)  # stable: the longest groups, the other groups, then the tests that build nothing
