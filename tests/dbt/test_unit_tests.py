"""Every dbt unit test (transition logic, KPI rules, alerts) against the reference warehouse.

Production runs build without them (`dbt build --exclude test_type:unit`): they test the code, not the
data, so they belong here. They need only the relations' column types, which the reference run built.

dbt starts from the parse state of the session's prepared manifest instead of parsing the whole project again:
that state holds when the profile renders the same warehouse path, so tests/conftest.py points
STAGEWISE_WAREHOUSE (which plain `dbt` commands read) at UNIT_WAREHOUSE for the whole session, and the
reference warehouse is copied there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import UNIT_WAREHOUSE
from tests.pipeline import Deployment

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def test_every_dbt_unit_test_passes(reference: Deployment, dbt_manifest: Path, tmp_path: Path) -> None:
    warehouse = UNIT_WAREHOUSE
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(reference.warehouse, warehouse)  # unit tests may write; keep the reference intact
    (tmp_path / "target").mkdir()
    shutil.copyfile(dbt_manifest.with_name("partial_parse.msgpack"), tmp_path / "target" / "partial_parse.msgpack")
    command = [
        str(Path(sys.executable).with_name("dbt")), "test", "--select", "test_type:unit",
        "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path),
    ]  # fmt: skip
    env = {**os.environ, "STAGEWISE_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    done = subprocess.run(command, cwd=DBT_DIR, env=env, capture_output=True, text=True, check=False)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    # Not a test: the project's on-run-start hook (it registers Spark's raw sources and does nothing on DuckDB).
    results = [r for r in results if not r["unique_id"].startswith("operation.")]
    failed = [r["unique_id"] for r in results if r["status"] != "pass"]
    assert done.returncode == 0 and not failed, f"{failed}\n{done.stdout[-4000:]}"
    assert len(results) >= 35
