"""The Dagster assets over storage/ and reporting/: the published marts and the managers' KPI report."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.defs.reports.assets import published_kpi_report
from orchestration.settings import StagewiseSettings
from tests.reporting.tiny_marts import build_marts


def _settings(tmp_path) -> StagewiseSettings:
    return StagewiseSettings(extracts_dir=str(tmp_path), warehouse=str(tmp_path / "stagewise.duckdb"))


def test_the_asset_reads_the_published_file_and_writes_the_report(tmp_path):
    build_marts(tmp_path / "marts.duckdb")
    result = dg.materialize([published_kpi_report], resources={"settings": _settings(tmp_path)})
    assert result.success
    spec = published_kpi_report.specs_by_key[dg.AssetKey(["published", "kpi_report"])]
    assert {dep.asset_key for dep in spec.deps} == {dg.AssetKey(["published", "marts"])}
    assert published_kpi_report.op.pool == "duckdb" and "html" in spec.kinds
    page = (tmp_path / "reports" / "kpi_report.html").read_text(encoding="utf-8")
    assert "<title>销售KPI报告 — 2026-10</title>" in page
    assert result.asset_materializations_for_node("published__kpi_report")[0].metadata["language"].value == "zh"


def test_a_report_that_cannot_be_rendered_warns_and_does_not_fail_the_run(tmp_path):
    """The report is optional: a marts file it cannot read yields a warning, not a failed step."""
    (tmp_path / "marts.duckdb").write_bytes(b"not a database")
    result = published_kpi_report(dg.build_asset_context(), settings=_settings(tmp_path))
    assert "error" in result.metadata
    assert not (tmp_path / "reports" / "kpi_report.html").exists()


@pytest.fixture
def published_marts(dbt_manifest):
    """The publish asset depends on the marts of the dbt manifest, so it loads after `dbt parse`."""
    from orchestration.defs.publish.assets import published_marts

    return published_marts


def test_publishing_writes_marts_duckdb_beside_the_warehouse(tmp_path, published_marts):
    with duckdb.connect(str(tmp_path / "stagewise.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_x as select 1 as x")
    result = published_marts(dg.build_asset_context(), settings=_settings(tmp_path))
    assert result.metadata["tables"] == "fct_x" and result.metadata["path"] == str(tmp_path / "marts.duckdb")


def test_a_refused_publication_fails_the_step_naming_the_column(tmp_path, published_marts):
    with duckdb.connect(str(tmp_path / "stagewise.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_x as select '13800138000' as mobile")
    with pytest.raises(dg.Failure, match="fct_x.mobile"):
        published_marts(dg.build_asset_context(), settings=_settings(tmp_path))
    assert not (tmp_path / "marts.duckdb").exists()
