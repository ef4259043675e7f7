"""Idempotent, file-at-a-time writes of parsed extracts into DuckDB schema `raw`.

Each new file is loaded in one transaction: its accepted rows (upserted by key: a row from a file
that sorts later wins), its rejects and its manifest row commit together or not at all, so a run
killed mid-way leaves every file either fully loaded or untouched. The manifest decides what is new:
a file already recorded with the same content is skipped; the same content under another name is
recorded as a duplicate and loads nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from ingest.crm import read_crm_cells
from ingest.frames import FileRejected, ParsedFile, parse_cells
from ingest.schemas import (
    CRM_OPPORTUNITIES,
    MANIFEST_TABLE,
    OPPORTUNITY_SNAPSHOTS_TABLE,
    REJECTS_TABLE,
    Entity,
)
from ingest.stage_rules import check_stages
from ingest.stages import StageConfig
from ingest.wecom import read_wecom_cells

log = logging.getLogger(__name__)

DUCKDB_TYPES = {
    "text": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "amount": "DOUBLE", "percent": "DOUBLE",
    "bool": "BOOLEAN", "datetime": "TIMESTAMPTZ", "epoch_s": "TIMESTAMPTZ", "epoch_ms": "TIMESTAMPTZ",
    "date": "DATE", "month": "DATE", "text_list": "VARCHAR[]",
}  # fmt: skip
_SUFFIXES = {"crm": (".csv", ".xlsx"), "wecom": (".jsonl", ".json")}
_DELIVERY_STAMP = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T_ ]?(\d{2}):?(\d{2}))?")


@dataclass(frozen=True)
class FileOutcome:
    file_path: str
    status: str  # loaded | duplicate | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_superseded: int = 0
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
            value varchar, rule varchar, loaded_at timestamptz)"""
    )
    for entity in entities:
        columns = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.kind]}' for c in entity.columns)
        lineage = "_source_file varchar, _source_line bigint, _extra varchar, _loaded_at timestamptz"
        con.execute(f"create table if not exists {entity.table} ({columns}, {lineage})")
        if entity is CRM_OPPORTUNITIES:
            con.execute(
                f"create table if not exists {OPPORTUNITY_SNAPSHOTS_TABLE} "
                f"({columns}, {lineage}, _delivered_at timestamptz)"
            )


def entity_files(extracts_dir: Path, entity: Entity) -> list[Path]:
    """The entity's files in delivery order (file names sort in delivery order)."""
    folder = extracts_dir / entity.folder
    if not folder.is_dir():
        return []
    suffixes = _SUFFIXES[entity.source]
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def delivered_at(path: Path, business_tz: str) -> datetime:
    """Delivery time: the stamp the file name starts with (business time zone), else its mtime."""
    match = _DELIVERY_STAMP.match(path.name)
    if match:
        y, m, d, hh, mm = (int(g) if g else 0 for g in match.groups())
        return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(business_tz)).astimezone(UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def parse_file(entity: Entity, path: Path, config: StageConfig, con: duckdb.DuckDBPyConnection) -> ParsedFile:
    reader = read_crm_cells if entity.source == "crm" else read_wecom_cells
    parsed = parse_cells(entity, reader(entity, path), config.business_timezone)
    return check_stages(entity, parsed, config, con)


def load_entity(
    con: duckdb.DuckDBPyConnection, extracts_dir: Path, entity: Entity, config: StageConfig
) -> list[FileOutcome]:
    """Load every file of `entity` not yet in the manifest; return what happened to each."""
    known = {
        (row[0], row[1])
        for row in con.execute(
            f"select file_path, content_sha256 from {MANIFEST_TABLE} where entity = ?", [entity.name]
        ).fetchall()
    }
    known_hashes = {sha for _, sha in known}
    outcomes = []
    for path in entity_files(extracts_dir, entity):
        relative = path.relative_to(extracts_dir).as_posix()
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if (relative, sha) in known:
            continue
        if sha in known_hashes:
            outcome = FileOutcome(relative, "duplicate", reason="same content as a file already loaded")
            _record(con, entity, path, relative, sha, outcome, config, None, None)
        else:
            try:
                parsed = parse_file(entity, path, config, con)
            except FileRejected as exc:
                outcome = FileOutcome(relative, "rejected", reason=str(exc))
                log.warning("%s: rejected whole: %s", relative, exc)
                _record(con, entity, path, relative, sha, outcome, config, None, None)
            else:
                outcome = _record(con, entity, path, relative, sha, None, config, parsed, data)
        known.add((relative, sha))
        known_hashes.add(sha)
        outcomes.append(outcome)
    return outcomes


def _record(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    relative: str,
    sha: str,
    outcome: FileOutcome | None,
    config: StageConfig,
    parsed: ParsedFile | None,
    data: bytes | None,
) -> FileOutcome:
    now = datetime.now(UTC)
    delivered = delivered_at(path, config.business_timezone)
    con.begin()
    try:
        if parsed is not None:
            superseded = _upsert(con, entity, relative, parsed.rows, now, delivered)
            outcome = FileOutcome(
                relative,
                "loaded",
                rows_read=parsed.rows_read,
                rows_loaded=parsed.rows.height,
                rows_rejected=parsed.rows_rejected,
                rows_superseded=superseded,
            )
            rejects = parsed.rejects.drop("_record")  # noqa: F841 - read by the SQL below
            con.execute(
                f"""insert into {REJECTS_TABLE} select ?, ?, _source_line, json_path, column_name, value, rule, ?
                    from rejects""",
                [entity.name, relative, now],
            )
        assert outcome is not None
        size = len(data) if data is not None else path.stat().st_size
        con.execute(
            f"insert into {MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                entity.name, relative, sha, size, delivered, outcome.status, outcome.reason, outcome.rows_read,
                outcome.rows_loaded, outcome.rows_rejected, outcome.rows_superseded, now,
            ],
        )  # fmt: skip
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return outcome


def _upsert(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    relative: str,
    rows: pl.DataFrame,
    now: datetime,
    delivered: datetime,
) -> int:
    """Insert the file's rows, replacing older versions of each key; return rows already superseded."""
    latest = rows.unique(subset=list(entity.key), keep="last", maintain_order=True)
    in_file_superseded = rows.height - latest.height
    names = [c.name for c in entity.columns]
    incoming = latest.select(  # noqa: F841 - read by the SQL below
        *names,
        pl.lit(relative).alias("_source_file"),
        "_source_line",
        (pl.col("_extra") if "_extra" in latest.columns else pl.lit(None, pl.String)).alias("_extra"),
        pl.lit(now).alias("_loaded_at"),
    )
    match = " and ".join(f't."{k}" is not distinct from i."{k}"' for k in entity.key)
    con.execute(
        f"delete from {entity.table} t using incoming i where {match} and t._source_file <= ?", [relative]
    )
    before = con.execute(f"select count(*) from {entity.table}").fetchone()[0]
    con.execute(
        f"insert into {entity.table} select i.* from incoming i "
        f"where not exists (select 1 from {entity.table} t where {match})"
    )
    inserted = con.execute(f"select count(*) from {entity.table}").fetchone()[0] - before
    if entity is CRM_OPPORTUNITIES:
        con.execute(f"insert into {OPPORTUNITY_SNAPSHOTS_TABLE} select *, ? from incoming", [delivered])
    return in_file_superseded + (latest.height - inserted)


def write_stage_config(con: duckdb.DuckDBPyConnection, config: StageConfig) -> None:
    """Replace `raw.cfg__*` with the validated stage configuration, atomically."""
    stages = config.stages_frame()  # noqa: F841 - read by the SQL below
    lookup = config.state_lookup()  # noqa: F841 - read by the SQL below
    settings = pl.DataFrame(  # noqa: F841 - read by the SQL below
        {"business_timezone": [config.business_timezone], "config_source": [config.source]}
    )
    con.execute("create schema if not exists raw")
    con.begin()
    try:
        con.execute("create or replace table raw.cfg__stages as select * from stages")
        con.execute("create or replace table raw.cfg__state_lookup as select * from lookup")
        con.execute("create or replace table raw.cfg__settings as select * from settings")
        con.commit()
    except BaseException:
        con.rollback()
        raise
