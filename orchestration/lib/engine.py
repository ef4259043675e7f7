"""The engine the dbt project builds on (`stagewise run --engine`, STAGEWISE_ENGINE): what differs around the build.

DuckDB, the default, needs nothing around `dbt build`. Spark (docs/scale-out.md) needs the raw layer in the
lake before the build (storage.lake.export_raw), `--target spark`, dbt run as `stagewise-dbt` (the forecast,
a Python model, runs in the build's Spark session), and after the build the lake's layers shown in the
warehouse as views (storage.lake.attach_lake_schema): the data checks, the publishing of `marts.duckdb` and the
reports then read them exactly as they read DuckDB's own tables.
"""

from __future__ import annotations

from storage import WarehouseFiles, connect
from storage.lake import attach_lake_schema, export_raw

ENGINES = ("duckdb", "spark")
# The dbt layers a Spark build writes to the lake, shown in the warehouse under the same schema names.
LAKE_LAYERS = ("staging", "intermediate", "marts")


class EngineError(ValueError):
    """An engine stagewise does not know."""


def engine_name(setting: str) -> str:
    """The engine a setting names; empty means DuckDB."""
    name = (setting or "duckdb").strip().lower()
    if name not in ENGINES:
        raise EngineError(f"unknown engine {setting!r}: expected one of {', '.join(ENGINES)}")
    return name


def dbt_executable_name(engine: str) -> str:
    return "stagewise-dbt" if engine == "spark" else "dbt"


def dbt_target_args(engine: str) -> list[str]:
    """The `dbt build` arguments that pick the engine's profile target (DuckDB's is the default)."""
    return [] if engine == "duckdb" else ["--target", engine]


def before_dbt_build(files: WarehouseFiles, engine: str) -> None:
    """Spark: the raw layer ingest loaded, exported to the lake the Spark sources read."""
    if engine == "spark":
        export_raw(files.warehouse, files.raw_lake_dir)


def after_dbt_build(files: WarehouseFiles, engine: str) -> None:
    """Spark: the lake's staging, intermediate and marts tables as views in the warehouse (replacing what an
    earlier DuckDB build left there), for the checks, the publishing and the reports downstream."""
    if engine != "spark":
        return
    with connect(files.warehouse) as con:
        for schema in LAKE_LAYERS:
            attach_lake_schema(con, files.lake_dir, schema, replace=True)
