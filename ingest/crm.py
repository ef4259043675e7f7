"""CRM exports (CSV in UTF-8 / UTF-8 BOM / GB18030, or XLSX): text cells under canonical column names."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from ingest.frames import FileRejected
from ingest.schemas import CRM_TARGETS, Entity

WIDE_TARGET_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WIDE_SCOPES = {"1": "company", "2": "team", "3": "user"}


def decode_csv(path: Path) -> str:
    """The file's text, or FileRejected when it is binary or in no accepted encoding."""
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected("empty file (no header row)")
    if b"\x00" in data[:8192]:
        raise FileRejected("binary content, not a CSV text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected("unknown encoding (expected UTF-8, UTF-8 with BOM, or GB18030/GBK)")


def read_table(path: Path) -> pl.DataFrame:
    """All cells of a CSV or the first XLSX sheet, as text, with `_source_line` (header = line 1)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = decode_csv(path)
        try:
            frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
        except pl.exceptions.PolarsError as exc:
            raise FileRejected(f"malformed CSV: {str(exc).splitlines()[0]}") from exc
    elif suffix == ".xlsx":
        try:
            frame = pl.read_excel(path, sheet_id=1, engine="calamine", infer_schema_length=0)
        except Exception as exc:  # noqa: BLE001 - any reader failure means the file cannot be read
            raise FileRejected(f"unreadable XLSX: {type(exc).__name__}: {exc}") from exc
        frame = frame.with_columns(pl.all().cast(pl.String))
    else:
        raise FileRejected(f"unsupported file type {suffix!r} (expected .csv or .xlsx)")
    return frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_source_line"))


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
        if header == "_source_line":
            continue
        target = lookup.get(header.strip().lstrip("\ufeff").lower())
        if target is None or target in renames.values():
            extras.append(header)
        else:
            renames[header] = target
    missing = [c.name for c in entity.columns if c.required and c.name not in renames.values()]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")
    cells = table.select(*[pl.col(h).alias(c) for h, c in renames.items()], "_source_line")
    if extras:
        extra = table.select(pl.struct(extras).struct.json_encode().alias("_extra"))
        cells = cells.with_columns(extra["_extra"])
    return cells


def read_crm_cells(entity: Entity, path: Path) -> pl.DataFrame:
    table = read_table(path)
    if entity is CRM_TARGETS and _is_wide_targets(table):
        return _melt_wide_targets(table)
    return canonical_cells(entity, table)


def _is_wide_targets(table: pl.DataFrame) -> bool:
    headers = {h.strip().lower() for h in table.columns}
    return {"obj_id", "type", "year", "status"} <= headers and "january" in headers


def _melt_wide_targets(table: pl.DataFrame) -> pl.DataFrame:
    """悟空CRM wide targets: one row per scope and year, a column per month -> one record per month.

    Receivable targets (status 2) carry no sales metric; they come back with an `_error` so that
    they are counted as rejected, visibly, instead of vanishing.
    """
    table = table.rename({h: h.strip().lower() for h in table.columns if h != "_source_line"})
    months = [m for m in WIDE_TARGET_MONTHS if m in table.columns]
    long = table.unpivot(index=["obj_id", "type", "year", "status", "_source_line"], on=months)
    month_number = pl.col("variable").replace_strict({m: i + 1 for i, m in enumerate(WIDE_TARGET_MONTHS)})
    status = pl.col("status").str.strip_chars()
    return long.select(
        pl.col("type")
        .str.strip_chars()
        .replace_strict(_WIDE_SCOPES, default=pl.col("type"))
        .alias("scope_type"),
        pl.col("obj_id").alias("scope_id"),
        pl.format("{}-{}", pl.col("year").str.strip_chars(), month_number.cast(pl.String).str.zfill(2)).alias(
            "month"
        ),
        pl.lit("won_amount").alias("metric"),
        pl.col("value").alias("target"),
        "_source_line",
        pl.format("$.{}", pl.col("variable")).alias("json_path"),
        pl.when(status == "2")
        .then(pl.lit("receivables target (status 2) is not a sales metric; ignored"))
        .when(status != "1")
        .then(pl.lit("wide target status must be 1 (sales amount) or 2 (receivables)"))
        .otherwise(pl.lit(None, pl.String))
        .alias("_error"),
    )
