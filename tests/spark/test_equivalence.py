"""The same drop built on DuckDB and on Spark gives the same marts (docs/scale-out.md).

One small generated drop is loaded by ingest into a DuckDB warehouse, whose schema `raw` is exported to the lake
(storage.lake). dbt then builds every model and seed of the project twice from it: `--target duckdb` into the
warehouse, `--target spark` (a local Spark in session mode, 2 cores, 2 GiB) into the lake. Every table and
view of schema `marts`, the funnel and the forecast included, must hold the same rows: text, dates and
instants exactly, numbers within 1e-9 relative. The data tests are left out here: they check the data, which
is the same on both engines, and on Spark they would double the test's time (they pass there too:
`stagewise-dbt build --target spark`, docs/scale-out.md). The drop is built once, on one worker (its own xdist
group). Without Java the test is skipped, except under CI, where it fails.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from demo import write_demo
from ingest.load import load_extracts, write_stage_config
from ingest.stages import load_stage_config
from orchestration.lib.dbt import dbt_vars, profile_vars
from storage import WarehouseFiles, connect
from storage.lake import attach_lake_schema, export_raw

pytestmark = pytest.mark.xdist_group("spark-equivalence")

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
SCALE = 0.2
SEED = 11
RELATIVE_TOLERANCE = 1e-9


def _require_java() -> None:
    if shutil.which("java") is None:
        message = "Spark needs a Java runtime (Debian: apt-get install openjdk-17-jre-headless; .ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _dbt_build(executable: str, target: str, build_vars: dict, workdir: Path) -> None:
    target_path = workdir / f"dbt_target_{target}"
    command = [
        str(Path(sys.executable).with_name(executable)), "build", "--target", target,
        "--resource-type", "model", "--resource-type", "seed", "--vars", json.dumps(build_vars),
        "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
        "--target-path", str(target_path), "--log-path", str(workdir / f"logs_{target}"),
    ]  # fmt: skip
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    done = subprocess.run(command, cwd=DBT_DIR, env=env, capture_output=True, text=True, check=False)
    results = target_path / "run_results.json"
    failed = []
    if results.exists():
        failed = [
            f"{r['unique_id']}: {r['status']} {r.get('message') or ''}"
            for r in json.loads(results.read_text(encoding="utf-8"))["results"]
            if r["status"] not in ("success", "pass", "warn")
        ]
    assert done.returncode == 0 and not failed, f"dbt build --target {target} failed: {failed}\n{done.stdout[-4000:]}"


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drop built on both engines: the DuckDB warehouse, and the lake beside it with Spark's tables."""
    _require_java()
    root = tmp_path_factory.mktemp("spark_equivalence")
    extracts = root / "extracts"
    write_demo(extracts, scale=SCALE, seed=SEED)
    files = WarehouseFiles(root / "warehouse" / "stagewise.duckdb")
    config = load_stage_config(None, extracts)
    with connect(files.warehouse) as con:
        write_stage_config(con, config)
        load_extracts(con, extracts, config)
    export_raw(files.warehouse, files.raw_lake_dir)
    build_vars = {**dbt_vars(config), **profile_vars(files.warehouse)}
    _dbt_build("dbt", "duckdb", build_vars, root)
    _dbt_build("stagewise-dbt", "spark", build_vars, root)
    return files.warehouse


def _marts(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every relation of `schema`: its public columns (as published, storage.publish) and its rows, sorted."""
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()
    ]
    content = {}
    for table in tables:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            if not c.startswith("_")
        ]
        rows = con.execute(f'select {", ".join(columns)} from "{schema}"."{table}"').fetchall()
        content[table] = (columns, sorted(rows, key=_sort_key))
    return content


def _sort_key(row: tuple) -> tuple:
    """Rows in a stable order whatever the last bits of their numbers."""
    return tuple((v is None, f"{v:.9g}" if isinstance(v, float) else repr(v)) for v in row)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float | int) or isinstance(b, float) and isinstance(a, int):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_every_mart_is_the_same_on_spark_and_duckdb(both_engines: Path) -> None:
    with duckdb.connect(str(both_engines), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        on_duckdb = _marts(con, "marts")
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        attach_lake_schema(con, WarehouseFiles(both_engines).lake_dir, "marts", as_schema="spark_marts")
        on_spark = _marts(con, "spark_marts")

    assert sorted(on_spark) == sorted(on_duckdb)
    assert {"kpi_stage_conversion", "fct_forecast_opportunities", "kpi_forecast_monthly"} <= set(on_duckdb)
    assert len(on_duckdb["fct_forecast_opportunities"][1]) > 0, "the forecast must have rows to compare"
    differences = []
    for table, (columns, rows) in on_duckdb.items():
        spark_columns, spark_rows = on_spark[table]
        if spark_columns != columns:
            differences.append(f"{table}: columns {spark_columns} on Spark, {columns} on DuckDB")
            continue
        if len(spark_rows) != len(rows):
            differences.append(f"{table}: {len(spark_rows)} rows on Spark, {len(rows)} on DuckDB")
            continue
        for spark_row, row in zip(spark_rows, rows, strict=True):
            if not _same(spark_row, row):
                changed = [f"{c}={s!r} (DuckDB {d!r})" for c, s, d in zip(columns, spark_row, row, strict=True)
                           if not _same(s, d)]  # fmt: skip
                differences.append(f"{table}: {', '.join(changed)}")
                break
    assert not differences, "\n".join(differences)
