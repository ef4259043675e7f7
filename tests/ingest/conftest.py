"""Ingest fixtures: an in-memory warehouse with the raw tables, the default stage config, file writers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.load import FileOutcome, ensure_raw_tables, load_entity
from ingest.schemas import ENTITIES, Entity
from ingest.stages import StageConfig, load_stage_config


@pytest.fixture
def config() -> StageConfig:
    return load_stage_config(None, None)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_raw_tables(connection, ENTITIES)
    yield connection
    connection.close()


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    root = tmp_path / "extracts"
    root.mkdir()
    return root


def put(root: Path, relative: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    """Write one extract file (text is encoded with `encoding`, bytes are written as given)."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def jsonl(*bodies: Any) -> str:
    return "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies)


@pytest.fixture
def load(con: duckdb.DuckDBPyConnection, extracts: Path, config: StageConfig) -> Callable[[Entity], list[FileOutcome]]:
    def run(entity: Entity) -> list[FileOutcome]:
        return load_entity(con, extracts, entity, config)

    return run


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()
