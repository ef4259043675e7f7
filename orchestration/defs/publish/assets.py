"""Publish the marts to a separate read-only DuckDB file, atomically, after a good run.

The tables sit in the file's default schema, so the catalog a BI tool sees is named after the file:
`marts.duckdb` answers `select * from marts.kpi_monthly` (or just `kpi_monthly`), the same SQL that
reads schema `marts` of the warehouse.

BI tools and managers' scripts open `marts.duckdb` (read-only), never the warehouse the pipeline
writes: they cannot block the pipeline, and because the new file is written beside the old one
and renamed over it, a reader sees either the previous run's marts or this run's, never a mix.
"""

import dagster as dg

from orchestration.defs.dbt.assets import dbt_models
from orchestration.lib.publish import publish_marts
from orchestration.settings import StagewiseSettings

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
    tables = publish_marts(settings.warehouse_path, settings.published_marts_path)
    context.log.info("published %d mart tables to %s", len(tables), settings.published_marts_path)
    return dg.MaterializeResult(
        metadata={"path": str(settings.published_marts_path), "tables": ", ".join(tables), "table_count": len(tables)}
    )
