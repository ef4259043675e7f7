"""The engine-neutral raw layer: schema `raw` of the warehouse as Parquet files under `<warehouse dir>/lake/raw/`.

One folder per raw table (the entities, the stage configuration, the load manifest, rejects and notes), each
holding one `data.parquet`: what ingest loaded, readable by any engine (the Spark target registers them as its
raw sources, docs/scale-out.md). Instants are written as UTC-adjusted Parquet timestamps, lists as Parquet
lists. A table is written beside the old one and renamed over it, so a reader sees one delivery's files or the
next one's, never half a file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from storage.connection import connect

RAW_SCHEMA = "raw"
PARQUET_NAME = "data.parquet"


def raw_tables(con) -> list[str]:
    """The tables of schema `raw`, by name."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by 1",
        [RAW_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def export_raw(warehouse: os.PathLike, raw_dir: os.PathLike) -> list[str]:
    """Write every table of schema `raw` to `raw_dir/<table>/data.parquet`; return the tables written.

    Rows are written in the order of all their columns, so the same raw data always gives the same files.
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    with connect(Path(warehouse), read_only=True) as con:
        tables = raw_tables(con)
        for table in tables:
            final = raw_dir / table
            staging = raw_dir / f".{table}.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            target = (staging / PARQUET_NAME).as_posix().replace("'", "''")
            con.execute(f"copy (select * from {RAW_SCHEMA}.\"{table}\" order by all) to '{target}' (format parquet)")
            old = raw_dir / f".{table}.old"
            shutil.rmtree(old, ignore_errors=True)
            if final.exists():
                final.rename(old)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
    return tables


def lake_tables(lake_dir: os.PathLike, schema: str) -> dict[str, Path]:
    """The tables a Spark build left in the lake for `schema` (its warehouse directory `<schema>.db/<table>/`),
    by name: each folder holds the table's Parquet part files."""
    folder = Path(lake_dir) / f"{schema}.db"
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))}


def attach_lake_schema(
    con, lake_dir: os.PathLike, schema: str, as_schema: str | None = None, replace: bool = False
) -> list[str]:
    """Views in DuckDB schema `as_schema` (default: the same name) over the lake's tables of `schema`, read in
    place, nothing copied; a table without part files (no rows) is left out. `replace`: a table of the same
    name already there (an earlier DuckDB build's) is dropped first. Returns the view names."""
    as_schema = as_schema or schema
    con.execute(f'create schema if not exists "{as_schema}"')
    existing = dict(
        con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = ?", [as_schema]
        ).fetchall()
    )
    names = []
    for name, folder in lake_tables(lake_dir, schema).items():
        if not any(folder.glob("*.parquet")):
            continue
        if replace and existing.get(name) == "BASE TABLE":
            con.execute(f'drop table "{as_schema}"."{name}"')
        files = (folder / "*.parquet").as_posix().replace("'", "''")
        con.execute(f'create or replace view "{as_schema}"."{name}" as select * from read_parquet(\'{files}\')')
        names.append(name)
    return names
