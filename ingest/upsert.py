"""Writes of one chunk of parsed rows: upsert by key into the raw table, rejects into `raw._rejects`.

A file's data-quality notes (values accepted but adjusted, e.g. moved by daylight saving) go to `raw._load_notes`.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from ingest.schemas import MANIFEST_TABLE, NOTES_TABLE, REJECTS_TABLE, Entity


def insert_rejects(
    con: duckdb.DuckDBPyConnection, entity: Entity, relative: str, rejects: pl.DataFrame, now: datetime
) -> None:
    if rejects.height == 0:
        return
    con.register("_incoming_rejects", rejects.drop("_record"))
    try:
        con.execute(
            f"""insert into {REJECTS_TABLE}
                    (entity, file_path, line, json_path, column_name, value, rule, loaded_at, record_key)
                select ?, ?, _source_line, json_path, column_name, value, rule, ?, record_key from _incoming_rejects""",
            [entity.name, relative, now],
        )
    finally:
        con.unregister("_incoming_rejects")


def insert_notes(
    con: duckdb.DuckDBPyConnection, entity: Entity, relative: str, notes: pl.DataFrame, now: datetime
) -> None:
    if notes.height == 0:
        return
    con.register("_incoming_notes", notes)
    try:
        con.execute(
            f"""insert into {NOTES_TABLE} (entity, file_path, column_name, note, rows, first_line, loaded_at)
                select ?, ?, column_name, note, rows, first_line, ? from _incoming_notes""",
            [entity.name, relative, now],
        )
    finally:
        con.unregister("_incoming_notes")


def upsert(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    relative: str,
    rows: pl.DataFrame,
    now: datetime,
    delivered: datetime,
) -> None:
    """Insert the rows, replacing older versions of each key; the last row of a key in the file wins."""
    if rows.height == 0:
        return
    latest = rows.unique(subset=list(entity.key), keep="last", maintain_order=True)
    incoming = latest.select(
        *[c.name for c in entity.columns],
        pl.lit(relative).alias("_source_file"),
        "_source_line",
        (pl.col("_extra") if "_extra" in latest.columns else pl.lit(None, pl.String)).alias("_extra"),
        pl.lit(now).alias("_loaded_at"),
    )
    match = " and ".join(f't."{k}" is not distinct from i."{k}"' for k in entity.key)
    con.register("_incoming", incoming)
    try:
        con.execute(f"delete from {entity.table} t using _incoming i where {match} and t._source_file <= ?", [relative])
        later = con.execute(
            f"select count(*) from {MANIFEST_TABLE} where entity = ? and status = 'loaded' and file_path > ?",
            [entity.name, relative],
        ).fetchone()
        if later and later[0]:  # a late delivery: keys already delivered by a later file keep the later row
            con.execute(
                f"insert into {entity.table} select i.* from _incoming i "
                f"where not exists (select 1 from {entity.table} t where {match})"
            )
        else:
            con.execute(f"insert into {entity.table} select * from _incoming")
        if entity.history_table:
            con.execute(f"insert into {entity.history_table} select *, ? from _incoming", [delivered])
    finally:
        con.unregister("_incoming")
