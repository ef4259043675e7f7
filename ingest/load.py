"""Idempotent, file-at-a-time writes of parsed extracts into DuckDB schema `raw`.

Each new file is loaded in one transaction: its accepted rows (upserted by key: a row from a file
that sorts later wins), its rejects and its manifest row commit together or not at all, so a run
killed mid-way leaves every file either fully loaded or untouched. The manifest decides what is new:
a file already recorded with the same content is not opened again (only hashed); the same content
under another name is recorded as a duplicate and loads nothing. Large files are parsed and written
in bounded chunks inside that one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingest.config_tables import write_stage_config
from ingest.crm import read_crm_cells
from ingest.frames import FileRejected, ParsedFile, combine_notes, parse_cells
from ingest.manifest import (
    FileOutcome,
    KnownFiles,
    delivered_at,
    ensure_raw_tables,
    file_sha256,
    record_file,
)
from ingest.schemas import (
    ENTITIES,
    REJECTS_TABLE,
    WECOM_CORP_TAGS,
    WECOM_EXTERNAL_CONTACTS,
    Entity,
)
from ingest.stage_rules import check_stages
from ingest.stages import StageConfig
from ingest.upsert import insert_notes, insert_rejects, upsert
from ingest.wecom import read_wecom_chunks

__all__ = ["FileOutcome", "ensure_raw_tables", "load_entity", "load_extracts", "parse_file", "write_stage_config"]

log = logging.getLogger(__name__)

SUFFIXES = {"crm": (".csv", ".xlsx"), "wecom": (".jsonl",)}
ENTITY_SUFFIXES = {WECOM_EXTERNAL_CONTACTS.name: (".jsonl", ".json"), WECOM_CORP_TAGS.name: (".json",)}


def entity_files(extracts_dir: Path, entity: Entity) -> list[Path]:
    """Every file in the entity's folder, in delivery order (names sort in delivery order).

    Hidden files and Excel lock files (`~$…`) are skipped; any other file is a delivery, so one with an
    unexpected type is rejected visibly rather than ignored.
    """
    folder = extracts_dir / entity.folder
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


def parse_chunks(
    entity: Entity, path: Path, config: StageConfig, con: duckdb.DuckDBPyConnection
) -> Iterator[ParsedFile]:
    """The file's typed rows and rejects, in one or more chunks; FileRejected if it cannot be read at all."""
    suffixes = ENTITY_SUFFIXES.get(entity.name, SUFFIXES[entity.source])
    if path.suffix.lower() not in suffixes:
        raise FileRejected(f"unsupported file type {path.suffix or '(none)'!r} (expected {' or '.join(suffixes)})")
    cells = iter([read_crm_cells(entity, path)]) if entity.source == "crm" else read_wecom_chunks(entity, path)
    for chunk in cells:
        yield check_stages(entity, parse_cells(entity, chunk, config.business_timezone), config, con)


def parse_file(entity: Entity, path: Path, config: StageConfig, con: duckdb.DuckDBPyConnection) -> ParsedFile:
    """The whole file as one ParsedFile (for small files and tests; loading goes chunk by chunk)."""
    chunks = list(parse_chunks(entity, path, config, con))
    return ParsedFile(
        rows=pl.concat([c.rows for c in chunks], how="diagonal_relaxed"),
        rejects=pl.concat([c.rejects for c in chunks]),
        rows_read=sum(c.rows_read for c in chunks),
        notes=combine_notes([c.notes for c in chunks]),
    )


def load_entity(
    con: duckdb.DuckDBPyConnection,
    extracts_dir: Path,
    entity: Entity,
    config: StageConfig,
    loaded_at: datetime | None = None,
) -> list[FileOutcome]:
    """Load every file of `entity` not yet in the manifest; return what happened to each.

    `loaded_at` stamps `_loaded_at` and the manifest (pass the run's start to give one run one stamp);
    by default each file gets the time its load began.
    """
    known = KnownFiles.read(con, entity)
    outcomes = []
    for path in entity_files(extracts_dir, entity):
        relative = path.relative_to(extracts_dir).as_posix()
        sha = file_sha256(path)
        if (relative, sha) in known.seen:
            continue
        now = loaded_at or datetime.now(UTC)
        delivered = delivered_at(path, config.business_timezone)
        if sha in known.loaded:
            outcome = FileOutcome(relative, "duplicate", reason=f"same content as {known.loaded[sha]}")
            _commit_manifest_only(con, entity, path, sha, delivered, outcome, now)
        else:
            outcome = _load_file(con, entity, path, relative, sha, delivered, config, now)
        known.seen.add((relative, sha))
        if outcome.status == "loaded":
            known.loaded.setdefault(sha, relative)
        outcomes.append(outcome)
    return outcomes


def load_extracts(
    con: duckdb.DuckDBPyConnection,
    extracts_dir: Path,
    config: StageConfig,
    entities: tuple[Entity, ...] = ENTITIES,
    loaded_at: datetime | None = None,
) -> dict[str, list[FileOutcome]]:
    """Every entity in dependency order (opportunities before stage changes), as one call."""
    ensure_raw_tables(con, entities)
    return {e.name: load_entity(con, extracts_dir, e, config, loaded_at) for e in entities}


def _commit_manifest_only(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    sha: str,
    delivered: datetime,
    outcome: FileOutcome,
    now: datetime,
) -> None:
    con.begin()
    try:
        record_file(con, entity, path, sha, delivered, outcome, now)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _load_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    relative: str,
    sha: str,
    delivered: datetime,
    config: StageConfig,
    now: datetime,
) -> FileOutcome:
    read = loaded = rejected = 0
    notes = []
    con.begin()
    try:
        for parsed in parse_chunks(entity, path, config, con):
            upsert(con, entity, relative, parsed.rows, now, delivered)
            insert_rejects(con, entity, relative, parsed.rejects, now)
            notes.append(parsed.notes)
            read, loaded, rejected = (
                read + parsed.rows_read,
                loaded + parsed.rows.height,
                rejected + parsed.rows_rejected,
            )
        insert_notes(con, entity, relative, combine_notes(notes), now)
        kept = con.execute(f"select count(*) from {entity.table} where _source_file = ?", [relative]).fetchone()
        outcome = FileOutcome(relative, "loaded", read, loaded, rejected, rows_superseded=loaded - kept[0])
        record_file(con, entity, path, sha, delivered, outcome, now)
        con.commit()
    except FileRejected as exc:
        con.rollback()
        log.warning("%s: rejected whole: %s", relative, exc)
        outcome = FileOutcome(relative, "rejected", reason=str(exc))
        _commit_manifest_only(con, entity, path, sha, delivered, outcome, now)
    except BaseException as exc:
        con.rollback()
        exc.add_note(f"while loading {relative} into {entity.table}")
        raise
    if rejected:
        log.warning("%s: %d of %d rows rejected (see %s)", relative, rejected, read, REJECTS_TABLE)
    return outcome
