"""MetricFlow in this process, on a DuckDB file: the engine `mf query` runs, without the dbt adapter round trip.

`mf query` (dbt-metricflow's command line) reads dbt's `semantic_manifest.json` and sends MetricFlow's SQL
through the dbt-duckdb adapter of the project's profile. The tests build the same engine from the same
semantic manifest and hand it a plain DuckDB connection, so they need no `dbt debug`, no profile and no
second process.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator
from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

NO_PARAMETERS = SqlBindParameterSet()


class DuckDbClient:
    """MetricFlow's SqlClient protocol over one read-only DuckDB connection."""

    sql_engine_type = SqlEngine.DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.sql_plan_renderer = DuckDbSqlPlanRenderer()

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = NO_PARAMETERS) -> MetricFlowDataTable:
        cursor = self.con.execute(stmt)
        names = [column[0] for column in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=names, rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = NO_PARAMETERS) -> None:
        self.con.execute(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = NO_PARAMETERS) -> None:
        self.con.execute(f"explain {stmt}")

    def close(self) -> None:
        self.con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def semantic_manifest(dbt_target: Path):
    """The semantic manifest dbt wrote beside its manifest (`dbt parse`), as MetricFlow reads it."""
    return parse_manifest_from_dbt_generated_manifest((dbt_target / "semantic_manifest.json").read_text("utf-8"))


def validation_issues(manifest) -> list[str]:
    """The blocking issues MetricFlow's semantic validation (`mf validate-configs`) finds."""
    result = SemanticManifestValidator(max_workers=1).validate_semantic_manifest(manifest)
    return [issue.as_readable_str() for issue in result.errors] if result.has_blocking_issues else []


def engine(manifest, con: duckdb.DuckDBPyConnection) -> MetricFlowEngine:
    return MetricFlowEngine(SemanticManifestLookup(manifest), DuckDbClient(con))


def query(mf: MetricFlowEngine, metrics: list[str], group_by: list[str], where: str | None = None) -> list[dict]:
    """`mf query --metrics ... --group-by ... --where ...`: the rows as {column: value}."""
    request = MetricFlowQueryRequest.create(
        metric_names=metrics, group_by_names=group_by, where_constraints=[where] if where else None
    )
    table = mf.query(request).result_df
    return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]
