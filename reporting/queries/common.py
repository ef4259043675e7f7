"""What every reading of the marts shares: whether a table exists, rows as dicts, the reporting settings,
the latest months and dates of the data, and the display names of stages, pipelines and reps.

Every query reads `marts.<table>`, which resolves in the warehouse (schema `marts`) and in the published
`marts.duckdb` (its catalog is named `marts`). Every query has a total order, so the same marts give the same rows.
Nothing here reads the wall clock: "latest" always means the latest month or date in the data.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any, NamedTuple

import duckdb

# The company scope of every scoped mart (kpi_monthly, kpi_stage_conversion, kpi_target_attainment,
# kpi_forecast_monthly): kpi-definitions.md, "scope_id `all` for company".
COMPANY = "scope_type = 'company' and scope_id = 'all'"


class ReportingSettings(NamedTuple):
    business_timezone: str
    reporting_currency: str


@cache
def default_settings() -> ReportingSettings:
    """The project default (ingest's default pipelines.yml), for marts built before dim_reporting_settings."""
    from ingest.stages import load_stage_config  # polars and yaml: only loaded for such older marts

    config = load_stage_config(None, None)
    return ReportingSettings(config.business_timezone, config.reporting_currency)


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `marts.<table>` resolves: schema `marts` of the warehouse, or the published `marts.duckdb` file."""
    try:
        con.execute(f"select * from marts.{table} limit 0")
    except duckdb.CatalogException:
        return False
    return True


def with_columns(con: duckdb.DuckDBPyConnection, table: str, names: tuple[str, ...]) -> str:
    """`marts.<table>` as a subquery that has every column of `names`, NULL where the table lacks it (columns added
    later: a marts file published before them still answers)."""
    present = {column[0] for column in con.execute(f"select * from marts.{table} limit 0").description}
    missing = "".join(f", null as {name}" for name in names if name not in present)
    return f"(select *{missing} from marts.{table})"


def dicts(con: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> list[dict[str, Any]]:
    """The rows of `query`, each as {column: value}."""
    cursor = con.execute(query, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def reporting_settings(con: duckdb.DuckDBPyConnection) -> ReportingSettings:
    """The business time zone and reporting currency the marts follow (the defaults for older marts)."""
    if not has_table(con, "dim_reporting_settings"):
        return default_settings()
    row = con.execute("select business_timezone, reporting_currency from marts.dim_reporting_settings").fetchone()
    return ReportingSettings(*row) if row else default_settings()


def reporting_currency(con: duckdb.DuckDBPyConnection) -> str:
    """The currency every amount of the marts is in."""
    return reporting_settings(con).reporting_currency


def latest_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The month of the latest data instant (the running month)."""
    if not has_table(con, "kpi_monthly"):
        return None
    return con.execute("select max(month_start) from marts.kpi_monthly").fetchone()[0]


def latest_full_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last complete calendar month before the latest data month (never the wall clock)."""
    if not has_table(con, "kpi_monthly"):
        return None
    row = con.execute(
        "select max(month_start) filter (where month_start < (select max(month_start) from marts.kpi_monthly)) "
        "from marts.kpi_monthly"
    ).fetchone()
    return row[0]


def latest_data_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest data date: the as-of date of the alerts and of the forecast (whichever tables exist)."""
    dates = [
        con.execute(f"select max(as_of_date) from marts.{table}").fetchone()[0]
        for table in ("kpi_open_deal_alerts", "kpi_forecast_monthly")
        if has_table(con, table)
    ]
    return max((d for d in dates if d is not None), default=None)


def stage_names(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """{(pipeline, state): (Chinese name, English name)} from dim_stages; empty without it."""
    if not has_table(con, "dim_stages"):
        return {}
    rows = con.execute("select pipeline_key, state_key, state_name, state_name_en from marts.dim_stages").fetchall()
    return {(pipeline, state): (zh, en) for pipeline, state, zh, en in rows}


def pipeline_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """{pipeline: (Chinese name, English name)} from dim_stages; empty without it."""
    if not has_table(con, "dim_stages"):
        return {}
    rows = con.execute(
        "select pipeline_key, max(pipeline_name), max(pipeline_name_en) from marts.dim_stages group by pipeline_key"
    ).fetchall()
    return {pipeline: (zh, en) for pipeline, zh, en in rows}


def rep_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{rep_id: name} from dim_reps; empty without it."""
    if not has_table(con, "dim_reps"):
        return {}
    return dict(con.execute("select rep_id, rep_name from marts.dim_reps where rep_name is not null").fetchall())
