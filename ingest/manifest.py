"""The raw layer's bookkeeping: table DDL, the load manifest (one row per delivered file) and file hashes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest.schemas import MANIFEST_TABLE, NOTES_TABLE, REJECTS_TABLE, Entity

DUCKDB_TYPES = {
    "text": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "amount": "DOUBLE", "percent": "DOUBLE",
    "bool": "BOOLEAN", "datetime": "TIMESTAMPTZ", "epoch_s": "TIMESTAMPTZ", "epoch_ms": "TIMESTAMPTZ",
    "date": "DATE", "month": "DATE", "currency": "VARCHAR", "rate": "DOUBLE", "text_list": "VARCHAR[]",
}  # fmt: skip
_DELIVERY_STAMP = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T_ ]?(\d{2}):?(\d{2}))?")


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one delivered file; the same numbers as its manifest row."""

    file_path: str
    status: str  # loaded | duplicate | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_superseded: int = 0  # loaded rows replaced by a later row with the same key (same file or a later one)
    reason: str | None = None


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, entities: tuple[Entity, ...]) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        f"""create table if not exists {MANIFEST_TABLE} (
            entity varchar, file_path varchar, content_sha256 varchar, file_size bigint,
            delivered_at timestamptz, status varchar, reason varchar, rows_read bigint,
            rows_loaded bigint, rows_rejected bigint, rows_superseded bigint, loaded_at timestamptz)"""
    )
    con.execute(
        f"""create table if not exists {REJECTS_TABLE} (
            entity varchar, file_path varchar, line bigint, json_path varchar, column_name varchar,
            value varchar, rule varchar, loaded_at timestamptz, record_key varchar)"""
    )
    con.execute(f"alter table {REJECTS_TABLE} add column if not exists record_key varchar")
    con.execute(
        f"""create table if not exists {NOTES_TABLE} (
            entity varchar, file_path varchar, column_name varchar, note varchar, rows bigint,
            first_line bigint, loaded_at timestamptz)"""
    )
    for entity in entities:
        columns = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.kind]}' for c in entity.columns)
        lineage = "_source_file varchar, _source_line bigint, _extra varchar, _loaded_at timestamptz"
        con.execute(f"create table if not exists {entity.table} ({columns}, {lineage})")
        if entity.history_table:
            con.execute(
                f"create table if not exists {entity.history_table} ({columns}, {lineage}, _delivered_at timestamptz)"
            )


def file_sha256(path: Path) -> str:
    """Content hash, read in blocks: memory stays flat whatever the file size."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def delivered_at(path: Path, business_tz: str) -> datetime:
    """Delivery time: the stamp the file name starts with (business time zone), else its mtime."""
    match = _DELIVERY_STAMP.match(path.name)
    if match:
        y, m, d, hh, mm = (int(g) if g else 0 for g in match.groups())
        try:
            return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(business_tz)).astimezone(UTC)
        except ValueError:
            pass  # digits that are not a date (e.g. 2026-13-45): fall back to the mtime
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


@dataclass(frozen=True)
class KnownFiles:
    """What the manifest already holds for an entity: (path, hash) pairs, and the hash -> path of loaded files."""

    seen: set[tuple[str, str]]
    loaded: dict[str, str]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, entity: Entity) -> KnownFiles:
        rows = con.execute(
            f"select file_path, content_sha256, status from {MANIFEST_TABLE} where entity = ? order by file_path",
            [entity.name],
        ).fetchall()
        loaded: dict[str, str] = {}
        for path, sha, status in rows:
            if status == "loaded":
                loaded.setdefault(sha, path)
        return cls({(path, sha) for path, sha, _ in rows}, loaded)


def record_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    sha: str,
    delivered: datetime,
    outcome: FileOutcome,
    loaded_at: datetime,
) -> None:
    """Insert the file's manifest row (inside the caller's transaction)."""
    con.execute(
        f"insert into {MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entity.name, outcome.file_path, sha, path.stat().st_size, delivered, outcome.status, outcome.reason,
            outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected, outcome.rows_superseded, loaded_at,
        ],
    )  # fmt: skip
