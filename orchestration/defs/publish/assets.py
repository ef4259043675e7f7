"""Publish the marts to a separate read-only DuckDB file, atomically, after a good run.

BI tools and managers' scripts open `marts.duckdb` (read-only), never the warehouse the pipeline
writes: they cannot block the pipeline, and because the new file is written beside the old one
and renamed over it, a reader sees either the previous run's marts or this run's, never a mix.
The copying lives in `storage.publish`; this asset only schedules it and records what it did.
"""

import dagster as dg

from orchestration.defs.dbt.assets import dbt_models
from orchestration.lib.unchanged import build_fingerprint, remember_published
from orchestration.settings import StagewiseSettings
from storage import PublishRefused, publish_marts

MART_KEYS = sorted(k for k in dbt_models.keys if k.path[0] == "marts")


@dg.asset(
    key=["published", "marts"],
    deps=MART_KEYS,
    group_name="published",
    kinds={"duckdb"},
    pool="duckdb",
    description="Read-only copy of every mart table in `marts.duckdb` beside the warehouse, replaced atomically.",
)
def published_marts(context: dg.AssetExecutionContext, settings: StagewiseSettings) -> dg.MaterializeResult:
    files = settings.files
    try:
        tables = publish_marts(files.warehouse, files.published)
    except PublishRefused as exc:
        raise dg.Failure(description=str(exc)) from exc
    remember_published(files.warehouse, build_fingerprint(settings))  # the next run with nothing new stops early
    context.log.info("published %d mart tables to %s", len(tables), files.published)
    return dg.MaterializeResult(
        metadata={"path": str(files.published), "tables": ", ".join(tables), "table_count": len(tables)}
    )
