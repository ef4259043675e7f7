"""The core dbt layers (staging, intermediate, marts/core) on demo extracts: every dbt unit test
(transition logic, owner history, identity) and every data test passes, and a warehouse built
delivery by delivery (WeCom arriving after the first build, a follow-up re-delivered with another
date and owner) equals a full refresh.

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

from demo import write_demo
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
    # the core fact of stage visits reads two helpers in marts/prep (touches, the latest data instant)
    "+fct_stage_visit_activity",
]
REBUILT = ["intermediate.int_messages_paired", "marts.fct_stage_transitions", "marts.fct_rep_daily_activity"]


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
    # The other helpers of marts/prep sit on top of the forecast marts: they are not part of the core layers.
    selection = ["--select", *CORE]
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


def _without_load_time(table: str) -> str:
    """The table's rows without the load-time column (it differs between two builds by design)."""
    loaded = "loaded_at" if table.startswith("intermediate.") else "_loaded_at"
    return f"(select * exclude ({loaded}) from {table})"


def _followups(con: duckdb.DuckDBPyConnection, rep_id: str, day: str) -> int:
    found = con.execute(
        "select crm_followups from marts.fct_rep_daily_activity where rep_id = ? and activity_date = ?",
        [rep_id, day],
    ).fetchall()
    return found[0][0] if found else 0


def test_build_in_deliveries_equals_full_refresh(demo: Path, tmp_path: Path) -> None:
    """CRM only first (WeCom weeks later), then the rest plus a follow-up re-delivered on another day
    with another owner and a stage renamed in pipelines.yml: no stale row, no missing row, no
    `--full-refresh` needed."""
    early = tmp_path / "early"
    shutil.copytree(demo, early)
    shutil.rmtree(early / "wecom")
    for path in early.rglob("*"):
        if path.is_file() and path.name[:7] >= "2026-08":
            path.unlink()
    first_file = sorted((demo / "crm" / "activities").iterdir())[0]
    header, moved = first_file.read_text(encoding="utf-8").splitlines()[:2]
    activity_id, old_owner, occurred_at, *rest = moved.split(",")
    new_owner = "U1001" if old_owner != "U1001" else "U1002"
    late = demo.parent / "late"
    shutil.copytree(demo, late)
    (late / "crm" / "activities" / "2099-01-01T0200.csv").write_text(
        f"{header}\n{','.join([activity_id, new_owner, '2026-03-15 09:00:00', *rest])}\n", encoding="utf-8"
    )
    old_day = occurred_at[:10]
    stages_file = late / "pipelines.yml"  # the stage key `quote` renamed; old spellings stay aliases
    stages_file.write_text(
        stages_file.read_text(encoding="utf-8")
        .replace("{key: quote,", "{key: proposal,")
        .replace("aliases: [方案/报价]", "aliases: [方案/报价, quote]"),
        encoding="utf-8",
    )

    warehouse = tmp_path / "w.duckdb"
    _load(early, warehouse)
    _build(warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select count(*) from intermediate.int_messages_paired").fetchall()[0][0] == 0
        before_old = _followups(con, old_owner, old_day)
        before_new = _followups(con, new_owner, "2026-03-15")
    _load(late, warehouse)
    _build(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        assert _followups(con, old_owner, old_day) == before_old - 1
        assert _followups(con, new_owner, "2026-03-15") == before_new + 1
        states = dict(con.sql("select to_state, count(*) from marts.fct_stage_transitions group by 1").fetchall())
        assert "quote" not in states and states["proposal"] > 0
        for table in REBUILT:
            con.sql(f"create table main.{table.split('.')[1]}_delivered as select * from {_without_load_time(table)}")
    _dbt(["run", "--full-refresh", "--select", *[t.split(".")[1] for t in REBUILT]], warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in REBUILT:
            name, full = table.split(".")[1], _without_load_time(table)
            rows = con.sql(f"select count(*) from {table}").fetchall()[0][0]
            differing = con.sql(
                f"""select count(*) from (
                    (select * from main.{name}_delivered except all select * from {full})
                    union all
                    (select * from {full} except all select * from main.{name}_delivered))"""
            ).fetchall()[0][0]
            assert rows > 0
            assert differing == 0, f"{table}: {differing} rows differ between delivery-by-delivery and full refresh"
