"""The core dbt layers (staging, intermediate, marts/core) on demo extracts: every dbt unit test
(transition logic, owner history, identity) and every data test passes, and an incremental rebuild
after late data equals a full refresh.

Builds its own warehouse: demo extracts (scale 0.1) → raw (ingest) → `dbt build` of the core paths.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.demo import write_demo
from ingest.load import ensure_raw_tables, load_entity, write_stage_config
from ingest.schemas import ENTITIES
from ingest.stages import load_stage_config

ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = ROOT / "dbt_project"
CORE = [
    "path:seeds",
    "path:models/staging",
    "path:models/intermediate",
    "path:models/marts/core",
    "path:tests/assert_fct_stage_transitions_equals_full_rebuild.sql",
    "path:tests/assert_fct_rep_daily_activity_equals_full_rebuild.sql",
]
INCREMENTAL = ["fct_stage_transitions", "fct_rep_daily_activity"]


def _load(extracts: Path, warehouse: Path) -> None:
    config = load_stage_config(None, extracts)
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_tables(con, ENTITIES)
        write_stage_config(con, config)
        for entity in ENTITIES:
            load_entity(con, extracts, entity, config)


def _dbt(args: list[str], warehouse: Path, work: Path) -> dict:
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), *args, "--profiles-dir", str(DBT_DIR), "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "STAGEWISE_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    done = subprocess.run(command, cwd=DBT_DIR, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}"
    return json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))


def _build(warehouse: Path, work: Path) -> dict:
    # The KPI intermediates sit on top of the forecast marts: they are not part of the core layers.
    selection = ["--select", *CORE, "--exclude", "path:models/intermediate/kpi"]
    return _dbt(["build", "--indirect-selection", "cautious", *selection], warehouse, work)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "extracts"
    write_demo(out, scale=0.1, seed=7)
    return out


def test_core_build_runs_every_unit_test(demo: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    _load(demo, warehouse)
    results = _build(warehouse, tmp_path)
    unit_tests = [r for r in results["results"] if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 15
    assert all(r["status"] == "pass" for r in unit_tests)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        origins = dict(con.sql("select origin, count(*) from marts.fct_stage_transitions group by 1").fetchall())
        assert origins.get("log", 0) > 0 and origins.get("snapshot", 0) > 0
        assert con.sql("select count(*) from marts.fct_opportunities where reopen_count > 0").fetchall()[0][0] > 0


def test_incremental_build_equals_full_refresh(demo: Path, tmp_path: Path) -> None:
    early = tmp_path / "early"
    shutil.copytree(demo, early)
    for path in early.rglob("*"):
        if path.is_file() and path.name[:7] >= "2026-08":
            path.unlink()
    warehouse = tmp_path / "w.duckdb"
    _load(early, warehouse)
    _build(warehouse, tmp_path)
    _load(demo, warehouse)
    _build(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        for table in INCREMENTAL:
            con.sql(f"create table main.incremental_{table} as select * from marts.{table}")
    _dbt(["run", "--full-refresh", "--select", "int_messages_paired", *INCREMENTAL], warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in INCREMENTAL:
            rows = con.sql(f"select count(*) from marts.{table}").fetchall()[0][0]
            differing = con.sql(
                f"""select count(*) from (
                    (select * from main.incremental_{table} except select * from marts.{table})
                    union all
                    (select * from marts.{table} except select * from main.incremental_{table}))"""
            ).fetchall()[0][0]
            assert rows > 0
            assert differing == 0, f"{table}: {differing} rows differ between incremental and full refresh"
