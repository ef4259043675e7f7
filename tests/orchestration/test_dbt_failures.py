"""A warning dbt test that stores its failures shows its failing rows in `stagewise run`'s summary."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb

from orchestration.lib.dbt_failures import stored_failure_lines, stored_failure_relations
from orchestration.run import _failed_expectations

FALLBACK_TEST = "forecast_p_win_fell_back_to_stage_probabilities"


def _manifest(tmp_path: Path) -> Path:
    nodes = {
        "test.x.kept": {
            "resource_type": "test",
            "schema": "audit",
            "alias": "kept",
            "config": {"store_failures": True},
        },
        "test.x.count_only": {"resource_type": "test", "schema": "audit", "alias": "c", "config": {}},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
    return path


def _warehouse(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema audit")
        con.execute("create table audit.kept (as_of_date date, p_win_fallback_reason varchar, open_deals bigint)")
        for i in range(rows):
            con.execute("insert into audit.kept values (?, ?, ?)", [date(2017, 1 + i, 1), "too few deals", 10 + i])
    return path


def test_stored_rows_are_printed_column_by_column_up_to_a_limit(tmp_path: Path) -> None:
    manifest = stored_failure_relations(_manifest(tmp_path))
    with duckdb.connect(str(_warehouse(tmp_path, rows=3)), read_only=True) as con:
        lines = stored_failure_lines(con, manifest, "test.x.kept", limit=2)
        assert lines == [
            "as_of_date=2017-01-01, p_win_fallback_reason=too few deals, open_deals=10",
            "as_of_date=2017-02-01, p_win_fallback_reason=too few deals, open_deals=11",
            "… and 1 more rows in audit.kept",
        ]
        assert stored_failure_lines(con, manifest, "test.x.count_only") == []  # stores nothing
    with duckdb.connect(":memory:") as con:
        assert stored_failure_lines(con, manifest, "test.x.kept") == []  # the test never ran


def test_the_run_summary_lists_a_warning_check_with_its_failing_rows(tmp_path: Path) -> None:
    evaluation = SimpleNamespace(
        passed=False,
        check_name=FALLBACK_TEST,
        severity=dg.AssetCheckSeverity.WARN,
        asset_check_key=dg.AssetCheckKey(dg.AssetKey(["marts", "fct_forecast_opportunities"]), FALLBACK_TEST),
        metadata={"unique_id": dg.MetadataValue.text("test.x.kept")},
    )
    result = SimpleNamespace(get_asset_check_evaluations=lambda: [evaluation])
    failure_tables = stored_failure_relations(_manifest(tmp_path))
    lines = _failed_expectations(result, _warehouse(tmp_path, rows=1), failure_tables)  # type: ignore[arg-type]
    assert lines == [
        f"  [warn] marts/fct_forecast_opportunities:{FALLBACK_TEST}",
        "      as_of_date=2017-01-01, p_win_fallback_reason=too few deals, open_deals=10",
    ]


def test_the_forecast_fallback_test_warns_and_keeps_its_rows(dbt_manifest: Path) -> None:
    nodes = json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"]
    node = next(n for n in nodes.values() if n["resource_type"] == "test" and n["name"] == FALLBACK_TEST)
    assert node["attached_node"] == "model.stagewise.fct_forecast_opportunities"
    assert (node["config"]["severity"].lower(), node["config"]["store_failures"]) == ("warn", True)
