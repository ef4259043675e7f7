"""Short-lived DuckDB connections: DuckDB lets one process write a file, so nothing holds one open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# DuckDB's units, as it accepts them and as `current_setting('memory_limit')` reports them ('1.8 GiB')
BYTES_PER_UNIT = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
                  "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("set enable_progress_bar = false")  # it would draw on stdout during long statements
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether `schema.table` exists in the connected database."""
    schema, table = qualified.split(".")
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()
    return bool(found and found[0])


def _bytes(size: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", size.lower())
    if match is None or match.group(2) not in BYTES_PER_UNIT:
        raise ValueError(f"not a DuckDB memory size: {size!r}")
    return float(match.group(1)) * BYTES_PER_UNIT[match.group(2)]


@contextmanager
def memory_limit_lowered(con: duckdb.DuckDBPyConnection, limit: str, configured: str | None) -> Iterator[None]:
    """DuckDB's memory limit at most `limit` inside the block, for a Python step that holds large frames in the
    process that runs DuckDB: DuckDB gives back the cached blocks beyond it (the limit is the whole database's, so
    queries running beside the step hold to it too). Afterwards the connection's `configured` limit is set again
    (DuckDB reports its setting only rounded down, so it is not read back); without one, DuckDB's default."""
    lower = not configured or _bytes(limit) < _bytes(configured)
    if lower:
        con.execute(f"set memory_limit = '{limit}'")
    try:
        yield
    finally:
        if lower:
            con.execute(f"set memory_limit = '{configured}'" if configured else "reset memory_limit")
