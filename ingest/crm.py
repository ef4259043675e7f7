"""CRM exports (CSV in UTF-8 / UTF-8 BOM / GB18030, or XLSX): text cells under canonical column names."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.frames import FileRejected
from ingest.schemas import CRM_TARGETS, Entity
from ingest.tabular import ROW_ERROR, read_table

WIDE_TARGET_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WIDE_SCOPES = {"1": "company", "2": "team", "3": "user"}


def canonical_cells(entity: Entity, table: pl.DataFrame) -> pl.DataFrame:
    """Rename headers (canonical name or alias, trimmed, case-insensitive) to the entity's columns.

    Unknown columns are kept as JSON text in `_extra`. A missing required column rejects the file.
    """
    lookup: dict[str, str] = {}
    for column in entity.columns:
        for spelling in (column.name, *column.aliases):
            lookup.setdefault(spelling.strip().lower(), column.name)
    renames: dict[str, str] = {}
    extras: list[str] = []
    for header in table.columns:
        if header in ("_source_line", ROW_ERROR):
            continue
        target = lookup.get(header.strip().lstrip("\ufeff").lower())
        if target is None or target in renames.values():
            extras.append(header)
        else:
            renames[header] = target
    missing = [c.name for c in entity.columns if c.required and c.name not in renames.values()]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")
    passthrough = [c for c in ("_source_line", ROW_ERROR) if c in table.columns]
    cells = table.select(*[pl.col(h).alias(c) for h, c in renames.items()], *passthrough)
    if extras:
        extra = table.select(pl.struct(extras).struct.json_encode().alias("_extra"))
        cells = cells.with_columns(extra["_extra"])
    return cells


def read_crm_cells(entity: Entity, path: Path) -> pl.DataFrame:
    table = read_table(path)
    if entity is CRM_TARGETS and _is_wide_targets(table):
        cells = _melt_wide_targets(table)
    else:
        cells = canonical_cells(entity, table)
    if path.suffix.lower() == ".xlsx":
        cells = _excel_serial_dates(entity, cells)
    if entity is CRM_TARGETS:
        company = pl.col("scope_type").str.strip_chars().str.to_lowercase() == "company"
        no_scope = pl.col("scope_id").is_null() | (pl.col("scope_id").str.strip_chars() == "")
        scope_id = pl.when(company & no_scope).then(pl.lit("all")).otherwise(pl.col("scope_id"))
        cells = cells.with_columns(scope_id.alias("scope_id") if "scope_id" in cells.columns else pl.lit("all"))
    return cells


def _excel_serial_dates(entity: Entity, cells: pl.DataFrame) -> pl.DataFrame:
    """A date cell that lost its number format shows its Excel serial (days since 1899-12-30): read it as a date."""
    dated = [c.name for c in entity.columns if c.kind in ("datetime", "date") and c.name in cells.columns]
    serial = r"^\d{5}(\.\d+)?$"
    return cells.with_columns(
        pl.when(pl.col(c).str.strip_chars().str.contains(serial))
        .then(
            (
                pl.datetime(1899, 12, 30, time_unit="us")
                + pl.duration(seconds=(pl.col(c).str.strip_chars().cast(pl.Float64) * 86_400).round(0).cast(pl.Int64))
            ).dt.strftime("%Y-%m-%d %H:%M:%S")
        )
        .otherwise(pl.col(c))
        .alias(c)
        for c in dated
    )


def _is_wide_targets(table: pl.DataFrame) -> bool:
    headers = {h.strip().lower() for h in table.columns}
    return {"obj_id", "type", "year", "status"} <= headers and "january" in headers


def _melt_wide_targets(table: pl.DataFrame) -> pl.DataFrame:
    """悟空CRM wide targets: one row per scope and year, a column per month -> one record per month.

    Receivable targets (status 2) are another metric that stagewise does not track: the contract
    says they are ignored, so they are not records (neither loaded nor rejected). Any other status
    is a broken row.
    """
    table = table.rename({h: h.strip().lower() for h in table.columns if h != "_source_line"})
    table = table.filter(pl.col("status").str.strip_chars().fill_null("") != "2")
    months = [m for m in WIDE_TARGET_MONTHS if m in table.columns]
    if ROW_ERROR not in table.columns:
        table = table.with_columns(pl.lit(None, pl.String).alias(ROW_ERROR))
    long = table.unpivot(index=["obj_id", "type", "year", "status", "_source_line", ROW_ERROR], on=months)
    # An empty month cell sets no target: it is not a record (a row with a broken shape still counts once).
    long = long.filter(
        (pl.col("value").str.strip_chars().fill_null("") != "")
        | (pl.col(ROW_ERROR).is_not_null() & (pl.col("variable") == months[0]))
    )
    month_number = pl.col("variable").replace_strict({m: i + 1 for i, m in enumerate(WIDE_TARGET_MONTHS)})
    status = pl.col("status").str.strip_chars()
    return long.select(
        pl.col("type").str.strip_chars().replace_strict(_WIDE_SCOPES, default=pl.col("type")).alias("scope_type"),
        pl.col("obj_id").alias("scope_id"),
        pl.format("{}-{}", pl.col("year").str.strip_chars(), month_number.cast(pl.String).str.zfill(2)).alias("month"),
        pl.lit("won_amount").alias("metric"),
        pl.col("value").alias("target"),
        "_source_line",
        pl.format("$.{}", pl.col("variable")).alias("json_path"),
        pl.when(pl.col(ROW_ERROR).is_not_null())
        .then(pl.col(ROW_ERROR))
        .when(status.fill_null("") != "1")
        .then(pl.lit("wide target status must be 1 (sales amount) or 2 (receivables)"))
        .otherwise(pl.lit(None, pl.String))
        .alias(ROW_ERROR),
    )
