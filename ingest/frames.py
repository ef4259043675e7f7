"""Turn one file's text cells into typed rows of an entity, and rows that break a rule into rejects."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ingest.schemas import Entity
from ingest.values import PARSERS, dst_note, near_offset_change, parse_enum

REJECT_SCHEMA = pl.Schema(
    {
        "_record": pl.Int64(),
        "_source_line": pl.Int64(),
        "json_path": pl.String(),
        "column_name": pl.String(),
        "value": pl.String(),
        "rule": pl.String(),
        "record_key": pl.String(),  # the record's key values joined by "|", as far as they were readable
    }
)


# Values accepted as they are but worth knowing about (e.g. a time daylight saving moved), counted per column.
NOTE_SCHEMA = pl.Schema({"column_name": pl.String(), "note": pl.String(), "rows": pl.Int64(), "first_line": pl.Int64()})


def empty_notes() -> pl.DataFrame:
    return pl.DataFrame(schema=NOTE_SCHEMA)


class FileRejected(Exception):
    """A file that cannot be read at all; it is rejected whole with this reason."""


@dataclass(frozen=True)
class ParsedFile:
    rows: pl.DataFrame  # entity.schema + _source_line (+ _extra), one row per accepted record
    rejects: pl.DataFrame  # REJECT_SCHEMA, one row per broken rule
    rows_read: int  # records read: rows_read = rows.height + rows_rejected, always
    notes: pl.DataFrame = field(default_factory=empty_notes)  # NOTE_SCHEMA, counted over accepted rows

    @property
    def rows_rejected(self) -> int:
        return self.rejects["_record"].n_unique() if self.rejects.height else 0


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def parse_cells(entity: Entity, cells: pl.DataFrame, business_tz: str) -> ParsedFile:
    """Parse text cells into `entity.schema`.

    `cells` holds one String (or List[String]) column per entity column that the file had, plus
    `_source_line` (and optionally `json_path`, `_extra`, and `_error` for rows a reader already
    knows are broken). Missing optional columns become NULL.
    """
    for column in entity.columns:
        if column.name not in cells.columns:
            dtype = pl.List(pl.String) if column.kind == "text_list" else pl.String
            cells = cells.with_columns(pl.lit(None, dtype).alias(column.name))
    if "json_path" not in cells.columns:
        cells = cells.with_columns(pl.lit(None, pl.String).alias("json_path"))
    if "_error" not in cells.columns:
        cells = cells.with_columns(pl.lit(None, pl.String).alias("_error"))

    values, errors = [], []
    for column in entity.columns:
        if column.enum is not None:
            value, error = parse_enum(column.name, column.enum)
        else:
            value, error = PARSERS[column.kind](column.name, business_tz)
        if column.not_null:
            missing = pl.col(column.name).is_null() | (pl.col(column.name).cast(pl.String).str.strip_chars() == "")
            if column.kind == "text_list":
                missing = pl.col(column.name).is_null()
            error = pl.when(missing).then(pl.lit("required value missing")).otherwise(error)
        values.append(value.cast(entity.schema[column.name]).alias(column.name))
        errors.append(error.alias(f"_err_{column.name}"))

    cells = cells.with_row_index("_record").with_columns(pl.col("_record").cast(pl.Int64), record_key(entity.key))
    checked = cells.with_columns(*errors)
    has_error = pl.any_horizontal(
        pl.col("_error").is_not_null(), *(pl.col(f"_err_{c.name}").is_not_null() for c in entity.columns)
    )
    # Rows with a broken rule are usually few: rejects are built from them alone; values only for the rest.
    rejects = _collect_rejects(entity, checked.filter(has_error))
    keep = ["_record", "_source_line", "_key"] + (["_extra"] if "_extra" in cells.columns else [])
    accepted = checked.filter(~has_error)
    rows = accepted.select(*values, *keep)
    return ParsedFile(
        rows=rows, rejects=rejects, rows_read=cells.height, notes=_dst_notes(entity, accepted, rows, business_tz)
    )


def _dst_notes(entity: Entity, accepted: pl.DataFrame, rows: pl.DataFrame, business_tz: str) -> pl.DataFrame:
    """Per datetime column, how many accepted business-time values fell in a DST gap or overlap.

    Only values within a day of an offset change are looked at again (usually none, never many).
    """
    frames = []
    for column in (c for c in entity.columns if c.kind == "datetime"):
        near = rows.select(near_offset_change(pl.col(column.name), business_tz).fill_null(False)).to_series()
        if not near.any():
            continue
        frames.append(
            accepted.filter(near)
            .select(
                pl.lit(column.name).alias("column_name"),
                dst_note(column.name, business_tz).alias("note"),
                "_source_line",
            )
            .drop_nulls("note")
            .group_by("column_name", "note")
            .agg(pl.len().alias("rows"), pl.col("_source_line").min().alias("first_line"))
        )
    return pl.concat([empty_notes(), *frames], how="vertical_relaxed").cast(NOTE_SCHEMA)


def combine_notes(notes: list[pl.DataFrame]) -> pl.DataFrame:
    """The notes of several chunks of one file, as one count per column and note."""
    return (
        pl.concat([empty_notes(), *notes])
        .group_by("column_name", "note")
        .agg(pl.col("rows").sum(), pl.col("first_line").min())
        .sort("column_name", "note")
        .cast(NOTE_SCHEMA)
    )


def _collect_rejects(entity: Entity, bad: pl.DataFrame) -> pl.DataFrame:
    """One reject per broken rule of each bad record; a record-level `_error` stands for the whole record."""
    if bad.is_empty():  # most files: skip a filter per column
        return empty_rejects()
    frames = [
        bad.filter(pl.col("_error").is_not_null()).select(
            "_record",
            "_source_line",
            "json_path",
            pl.lit(None, pl.String).alias("column_name"),
            pl.lit(None, pl.String).alias("value"),
            pl.col("_error").alias("rule"),
            "_key",
        )
    ]
    for column in entity.columns:
        raw = pl.col(column.name)
        shown = raw.list.join(",") if bad.schema[column.name] == pl.List(pl.String) else raw.cast(pl.String)
        frames.append(
            bad.filter(pl.col(f"_err_{column.name}").is_not_null() & pl.col("_error").is_null()).select(
                "_record",
                "_source_line",
                "json_path",
                pl.lit(column.name).alias("column_name"),
                shown.alias("value"),
                pl.col(f"_err_{column.name}").alias("rule"),
                "_key",
            )
        )
    return pl.concat(frames).rename({"_key": "record_key"}).cast(REJECT_SCHEMA).sort("_record")


def record_key(key: tuple[str, ...]) -> pl.Expr:
    """The key cells as written in the file, joined by "|" ("O3", "u1|wm…"): how to find the record at its source."""
    cells = [pl.col(k).cast(pl.String).str.strip_chars() for k in key]
    return pl.concat_str(cells, separator="|", ignore_nulls=True).alias("_key")


def reject_rows(
    rows: pl.DataFrame, mask: pl.Series, column: str, rule: pl.Expr, key: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split off accepted rows that break a rule found after parsing (e.g. an unknown stage)."""
    bad = rows.filter(mask)
    rejects = bad.select(
        "_record",
        "_source_line",
        pl.lit(None, pl.String).alias("json_path"),
        pl.lit(column).alias("column_name"),
        pl.col(column).cast(pl.String).alias("value"),
        rule.alias("rule"),
        (pl.col("_key") if "_key" in rows.columns else record_key(key)).alias("record_key"),
    ).cast(REJECT_SCHEMA)
    return rows.filter(~mask), rejects
