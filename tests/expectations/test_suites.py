"""Every suite file loads exactly the expectations it holds, and its SQL runs against the real raw schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expectations import runner, suites
from expectations.runner import build_suite
from expectations.suites import EXPECTATIONS_DIR, LAYERS, SuiteFileError, read_spec
from ingest.schemas import ENTITIES

SUITE_FILES = sorted(p for layer in LAYERS for p in (EXPECTATIONS_DIR / layer).glob("*.json"))


def test_every_layer_has_suites_and_every_raw_entity_is_covered() -> None:
    raw_tables = {read_spec(p).table for p in SUITE_FILES if p.parent.name == "raw"}
    assert {e.table for e in ENTITIES} | {"raw._load_manifest", "raw.crm__opportunity_snapshots"} <= raw_tables
    marts = {p.stem for p in SUITE_FILES if p.parent.name == "marts"}
    assert {
        "fct_stage_transitions",
        "fct_opportunities",
        "kpi_monthly",
        "kpi_stage_conversion",
        "kpi_forecast_backtest",
        "kpi_open_deal_alerts",
        "kpi_rep_scorecard",
        "kpi_forecast_monthly",
        "dim_prospects",
        "dim_dates",
    } <= marts
    assert len(marts) == 19


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_suite_loads_exactly_the_expectations_in_its_file(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    suite = build_suite(read_spec(path))
    assert len(suite.expectations) == len(data["expectations"]) > 0
    assert [e.expectation_type for e in suite.expectations] == [e["type"] for e in data["expectations"]]
    assert all(e.meta["severity"] in ("error", "warning") and e.meta["why"] for e in suite.expectations)


def test_an_invalid_expectation_is_an_error_not_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "raw" / "t.json"
    path.parent.mkdir()
    bad = {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"min_value": 0},
        "meta": {"severity": "error", "why": "no column"},
    }
    path.write_text(
        json.dumps(
            {
                "name": "t",
                "meta": {"table": "raw.t", "asset_keys": [["raw", "t"]], "batch": "whole_table"},
                "expectations": [bad],
            }
        )
    )
    with pytest.raises(SuiteFileError, match="expectation 0"):
        build_suite(read_spec(path))


def test_missing_severity_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    exp = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "meta": {"why": "x"}}
    path.write_text(
        json.dumps(
            {"name": "t", "meta": {"table": "raw.t", "asset_keys": [], "batch": "whole_table"}, "expectations": [exp]}
        )
    )
    with pytest.raises(SuiteFileError, match="severity"):
        read_spec(path)


def test_raw_suites_pass_on_good_data(warehouse: Path) -> None:
    from tests.expectations.conftest import RUN_START

    jobs = []
    for spec in suites.read_specs("raw"):
        entities = [spec.entity or k[-1] for k in spec.asset_keys] if spec.batch != "whole_table" else [None]
        jobs += [(spec, suites.batch_query(spec, e, RUN_START)) for e in entities]
    results = runner.validate_sql(warehouse, jobs)
    failures = [(r.table, o.type, o.observed, o.why) for r in results for o in r.failures]
    assert failures == []
    assert all(r.status == "passed" for r in results)
    assert {r.rows for r in results if r.table == "raw.crm__users"} == {1}
