"""All dbt models (staging → intermediate → marts) as Dagster assets, built by one `dbt build` step.

One step per run: dagster-dbt pays ~8 s of start-up per dbt invocation. dbt tests arrive as asset
checks; an error-severity test failure makes dbt skip everything downstream of it.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.automation.schedules import refresh_all
from orchestration.lib.dbt import DBT_PROJECT, dbt_vars, profile_vars
from orchestration.lib.engine import after_dbt_build, before_dbt_build, dbt_target_args
from orchestration.lib.unchanged import already_published, build_fingerprint, forget_published
from orchestration.settings import StagewiseSettings

LAYERS = ("staging", "intermediate", "marts")

DBT_PROJECT.prepare_if_dev()


class StagewiseTranslator(DagsterDbtTranslator):
    """Model keys are `[layer, model_name]`; dbt sources keep the raw asset keys their meta names."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id)
        if node is None or node["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        layer = next((part for part in node["fqn"] if part in LAYERS), "dbt")
        return spec.replace_attributes(key=dg.AssetKey([layer, node["name"]]), group_name=layer)


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False
    # The scheduled/sensor job and `stagewise run` skip the build when the last published one had the same inputs;
    # `rebuild: true` (or a full refresh, or materializing a selection from the UI) always builds.
    rebuild: bool = False


def _nothing_new(context: dg.AssetExecutionContext, settings: StagewiseSettings, config: DbtBuildConfig) -> bool:
    if config.full_refresh or config.rebuild or context.is_subset or context.job_name != refresh_all.name:
        return False
    fingerprint = build_fingerprint(settings)
    if already_published(settings.warehouse_path, settings.files.published, fingerprint):
        context.log.info(
            "nothing new since the last published build (inputs %s): dbt build, checks, publishing and the report "
            "skipped; the published marts stand",
            fingerprint[:12],
        )
        return True
    return False


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=StagewiseTranslator(),
    pool="duckdb",
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: StagewiseSettings, config: DbtBuildConfig
) -> Iterator[Any]:
    if _nothing_new(context, settings, config):
        return  # no model materialized: the checks, publishing and reports downstream are skipped
    forget_published(settings.warehouse_path)  # a build that does not finish must not count as published
    # The stage settings and the warehouse path (profiles.yml reads it) travel as dbt vars.
    build_vars = {**dbt_vars(settings.stage_config()), **profile_vars(settings.warehouse_path)}
    if config.full_refresh:  # the forecast refits every as-of date (its model's config reads the var)
        build_vars["full_refresh"] = True
    # Unit tests check the code, not the data: they run in the test suite, not in production builds.
    args = ["build", "--exclude", "test_type:unit", "--vars", json.dumps(build_vars)]
    args += dbt_target_args(settings.dbt_engine)  # DuckDB, or Spark (docs/scale-out.md)
    before_dbt_build(settings.files, settings.dbt_engine)
    if config.full_refresh:
        args.append("--full-refresh")
    # One target folder per deployment, reused: dbt re-parses only what changed since its last build there
    # (a fresh folder per invocation would mean a full parse every run, and a folder left behind by each).
    yield from dbt.cli(args, context=context, target_path=settings.files.dbt_target).stream()
    after_dbt_build(settings.files, settings.dbt_engine)
