"""Copy the marts into a separate read-only DuckDB file, atomically (importable without a parsed dbt manifest).

The tables sit in the file's default schema, so the catalog a BI tool sees is named after the file:
`marts.duckdb` answers `select * from marts.kpi_monthly` (or just `kpi_monthly`), the same SQL that
reads schema `marts` of the warehouse. The new file is written beside the old one and renamed over it,
so a reader sees either the previous run's marts or this run's, never a mix.
"""

import os

import duckdb

from storage.connection import connect

# Nothing that identifies a person's phone or carries chat text may leave the warehouse.
FORBIDDEN_COLUMN_WORDS = ("mobile", "phone", "content", "message_text")


class PublishRefused(ValueError):
    """The marts hold a column that must not leave the warehouse; nothing was published."""


def _public_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns in order, without the warehouse's own bookkeeping (`_loaded_at`, the watermark
    of incremental models): it records when a row was loaded, which differs between two warehouses built
    from the same extracts, and is no business fact."""
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows if not name.startswith("_")]


def publish_marts(warehouse: os.PathLike, published: os.PathLike) -> list[str]:
    """Copy every table and view of schema `marts` (a view, such as a deprecated old name, as a table of its
    rows) into a fresh file and rename it over `published`."""
    target = os.fspath(published)
    staging_file = target + ".tmp"
    for leftover in (staging_file, staging_file + ".wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
    with connect(warehouse) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type in ('BASE TABLE', 'VIEW') order by 1"
            ).fetchall()
        ]
        leaked = con.execute(
            "select table_name || '.' || column_name from information_schema.columns where table_schema = 'marts' "
            "and (" + " or ".join(f"lower(column_name) like '%{w}%'" for w in FORBIDDEN_COLUMN_WORDS) + ")"
        ).fetchall()
        if leaked:
            raise PublishRefused(f"Refusing to publish private columns: {[r[0] for r in leaked]}")
        con.execute(f"attach '{staging_file}' as published")
        for table in tables:
            columns = ", ".join(f'"{c}"' for c in _public_columns(con, table))
            con.execute(f'create table published.main."{table}" as select {columns} from marts."{table}"')
        con.execute("detach published")
    os.replace(staging_file, target)
    return tables
