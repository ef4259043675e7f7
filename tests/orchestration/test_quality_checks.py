"""The GX check factory: keys, blocking flags, and a failing error-severity suite really stops downstream."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.defs.quality import checks
from orchestration.settings import StagewiseSettings
from tests.expectations.conftest import build_warehouse, execute


def test_every_suite_becomes_a_blocking_check_on_its_asset() -> None:
    keys = {
        key: spec
        for defs in (*checks.raw_asset_checks, checks.staging_asset_checks, checks.marts_asset_checks)
        for key, spec in ((s.key, s) for s in defs.check_specs)
    }
    assert all(spec.blocking for spec in keys.values())
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "crm__users"]), "gx_crm__users") in keys
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "wecom__messages"]), "gx_load_manifest") in keys
    assert dg.AssetCheckKey(dg.AssetKey(["marts", "kpi_monthly"]), "gx_kpi_monthly") in keys
    assert dg.AssetCheckKey(dg.AssetKey(["staging", "stg_crm__opportunities"]), "gx_stg_crm__opportunities") in keys
    # one op per raw asset, one per dbt layer
    assert len({d.node_def.name for d in checks.raw_asset_checks}) == len(checks.raw_asset_checks)
    assert checks.marts_asset_checks.node_def.name == "gx_marts"
    marts_deps = {d.asset_key for s in checks.marts_asset_checks.check_specs for d in s.additional_deps}
    assert dg.AssetKey(["staging", "stg_crm__opportunities"]) in marts_deps


def _run(tmp_path: Path, breaks: str | None) -> dg.ExecuteInProcessResult:
    warehouse = build_warehouse(tmp_path / "w.duckdb")
    ran: list[str] = []

    @dg.asset(key=["raw", "crm__users"])
    def users() -> None:  # stands in for the ingest asset: "loads" the fixture's file in this run
        execute(warehouse, "update raw._load_manifest set loaded_at = now() where entity = 'crm__users'")
        if breaks:
            execute(warehouse, breaks)

    @dg.asset(key=["staging", "stg_crm__users"], deps=[users])
    def downstream() -> None:
        ran.append("downstream")

    [users_check] = [c for c in checks.raw_asset_checks if c.node_def.name == "gx_raw__crm__users"]
    settings = StagewiseSettings(extracts_dir=str(tmp_path), warehouse=str(warehouse))
    result = dg.materialize([users, downstream, users_check], resources={"settings": settings}, raise_on_error=False)
    result.ran = ran  # type: ignore[attr-defined]
    return result


def test_error_failure_blocks_downstream_and_writes_the_report(tmp_path: Path) -> None:
    result = _run(tmp_path, "insert into raw.crm__users (user_id, _source_file, _source_line) "
                            "values (null, 'crm/users/2026-11-28T1000.x', 9)")  # fmt: skip
    assert not result.success and result.ran == []  # type: ignore[attr-defined]
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    users = evaluations["gx_crm__users"]
    assert not users.passed and users.severity == dg.AssetCheckSeverity.ERROR
    failed = users.metadata["failed_expectations"].value
    assert any(f["column"] == "user_id" and "NULL" in f["why"] for f in failed)
    assert evaluations["gx_load_manifest"].passed
    html = (tmp_path / "reports" / "validation.html").read_text()
    assert "raw.crm__users" in html and "ERROR" in html


def test_warning_failure_is_recorded_but_does_not_block(tmp_path: Path) -> None:
    result = _run(tmp_path, "update raw.crm__users set manager_id = user_id")
    assert result.success and result.ran == ["downstream"]  # type: ignore[attr-defined]
    users = next(e for e in result.get_asset_check_evaluations() if e.check_name == "gx_crm__users")
    assert not users.passed and users.severity == dg.AssetCheckSeverity.WARN
