"""The definitions `dagster dev -w workspace.yaml` loads: the whole graph, one lineage, blocking checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ingest.schemas import ENTITIES
from orchestration.settings import SettingsError, StagewiseSettings, settings_from_env


@pytest.fixture(scope="module")
def definitions(dbt_manifest):
    from orchestration.definitions import build_defs

    return build_defs(StagewiseSettings(extracts_dir="/nonexistent/extracts", warehouse="/nonexistent/w.duckdb"))


def _keys(definitions: dg.Definitions) -> set[str]:
    return {k.to_user_string() for k in definitions.resolve_asset_graph().get_all_asset_keys()}


def test_every_layer_is_an_asset(definitions):
    keys = _keys(definitions)
    assert {f"raw/{e.name}" for e in ENTITIES} | {"raw/cfg__stages", "raw/cfg__state_lookup"} <= keys
    assert {"marts/fct_stage_transitions", "marts/fct_opportunities", "marts/kpi_monthly"} <= keys
    assert "staging/stg_crm__opportunities" in keys
    assert "published/marts" in keys


def test_dbt_sources_are_the_ingest_assets(definitions):
    """One lineage graph: staging models depend on the raw ingest assets, not on dangling dbt sources."""
    graph = definitions.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["staging", "stg_crm__opportunities"])).parent_keys
    assert dg.AssetKey(["raw", "crm__opportunities"]) in parents
    assert not any(k.path[0] == "crm" for k in graph.get_all_asset_keys())


def test_published_marts_wait_for_every_mart(definitions):
    graph = definitions.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["published", "marts"])).parent_keys
    assert dg.AssetKey(["marts", "kpi_monthly"]) in parents
    assert dg.AssetKey(["marts", "fct_stage_transitions"]) in parents


def test_dbt_tests_arrive_as_asset_checks(definitions):
    checks = definitions.resolve_asset_graph().asset_check_keys
    on_transitions = {c.name for c in checks if c.asset_key == dg.AssetKey(["marts", "fct_stage_transitions"])}
    assert any(name.startswith("unique_") for name in on_transitions)
    assert any(name.startswith("relationships_") for name in on_transitions)


def test_steps_run_one_at_a_time(definitions):
    job = definitions.resolve_implicit_global_asset_job_def()
    assert job.executor_def.name == dg.in_process_executor.name


def test_the_definitions_use_the_settings_they_are_given(dbt_manifest, tmp_path):
    from orchestration.definitions import build_defs

    (tmp_path / "pipelines.yml").write_text(
        "business_timezone: America/Sao_Paulo\npipelines:\n  - key: default\n    stages: [{key: quote}]\n"
    )
    settings = StagewiseSettings(extracts_dir=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"))
    built = build_defs(settings)
    assert built.resources["settings"] is settings
    assert built.resolve_schedule_def("daily_refresh").execution_timezone == "America/Sao_Paulo"


def test_dagster_dev_reads_the_settings_from_the_environment_without_writing_it():
    env = {
        "STAGEWISE_EXTRACTS_DIR": "/x/extracts",
        "STAGEWISE_WAREHOUSE": "/x/w.duckdb",
        "STAGEWISE_STAGES": "/x/p.yml",
    }
    settings = settings_from_env(env)
    assert (settings.extracts_dir, settings.warehouse, settings.stages_file) == (
        "/x/extracts",
        "/x/w.duckdb",
        "/x/p.yml",
    )
    with pytest.raises(SettingsError, match="STAGEWISE_WAREHOUSE not set"):
        settings_from_env({"STAGEWISE_EXTRACTS_DIR": "/x/in"})


def test_workspace_yaml_validates_as_dagster_dev_loads_it(dbt_manifest, tmp_path):
    """`dagster dev -w workspace.yaml` loads the same code location without errors."""
    root = Path(__file__).resolve().parents[2]
    bin_dir = Path(sys.executable).parent
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(tmp_path),
        "STAGEWISE_EXTRACTS_DIR": str(tmp_path / "extracts"),
        "STAGEWISE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
    }
    result = subprocess.run(
        [str(bin_dir / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Validation successful for code location stagewise" in result.stderr + result.stdout
