"""The fingerprint of the last build that was published, kept in the warehouse it describes.

A run whose inputs have the same fingerprint as the last published build would rebuild the same marts: it stops
after the load manifest (see `orchestration.lib.unchanged`). The stamp is written after the marts are published
and cleared when a build starts, so a build that did not finish never counts as published.
"""

from __future__ import annotations

import duckdb

from storage.connection import table_exists

STAMP_TABLE = "main._published_build"


def loaded_files_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of every file whose rows are in the raw layer (the load manifest's `loaded` rows) and of the stage
    configuration tables: the data the marts are built from. Duplicates and rejected files add no rows."""
    parts = ["select '' as line"]
    if table_exists(con, "raw._load_manifest"):
        parts.append(
            "select entity || '|' || file_path || '|' || content_sha256 from raw._load_manifest where status = 'loaded'"
        )
    for table in ("raw.cfg__stages", "raw.cfg__state_lookup", "raw.cfg__settings"):
        if table_exists(con, table):
            parts.append(f"select '{table}|' || cast(to_json(t) as varchar) from {table} as t")
    query = " union all ".join(parts)
    digest = f"select md5(string_agg(line, chr(10) order by line)) from ({query})"
    return con.execute(digest).fetchone()[0]


def published_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    if not table_exists(con, STAMP_TABLE):
        return None
    row = con.execute(f"select fingerprint from {STAMP_TABLE}").fetchone()
    return row[0] if row else None


def clear_stamp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists {STAMP_TABLE}")


def write_stamp(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    sql = f"create or replace table {STAMP_TABLE} as select ? as fingerprint, now() as published_at"
    con.execute(sql, [fingerprint])
