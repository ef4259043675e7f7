"""The digest that lets a run with nothing new stop early: it moves with loaded data and stage settings only."""

from __future__ import annotations

from pathlib import Path

from ingest.manifest import ensure_raw_tables
from ingest.schemas import ENTITIES
from storage import connect
from storage.build_stamp import clear_stamp, loaded_files_digest, published_stamp, write_stamp


def _record(con, path: str, sha: str, status: str) -> None:  # noqa: ANN001
    con.execute(
        "insert into raw._load_manifest (entity, file_path, content_sha256, status) values ('crm__leads', ?, ?, ?)",
        [path, sha, status],
    )


def test_digest_moves_with_loaded_files_and_settings_not_with_duplicates_or_rejects(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        ensure_raw_tables(con, ENTITIES)
        con.execute("create table raw.cfg__settings as select 'Asia/Shanghai' as business_timezone")
        empty = loaded_files_digest(con)
        _record(con, "crm/leads/2026-01-01.csv", "aaa", "loaded")
        one = loaded_files_digest(con)
        _record(con, "crm/leads/copy-of-2026-01-01.csv", "aaa", "duplicate")
        _record(con, "crm/leads/broken.csv", "bbb", "rejected")
        assert loaded_files_digest(con) == one != empty
        _record(con, "crm/leads/2026-01-02.csv", "ccc", "loaded")
        two = loaded_files_digest(con)
        assert two not in (one, empty)
        con.execute("update raw.cfg__settings set business_timezone = 'America/Sao_Paulo'")
        assert loaded_files_digest(con) not in (two, one, empty)


def test_stamp_is_written_read_and_cleared(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        assert published_stamp(con) is None
        write_stamp(con, "f1")
        write_stamp(con, "f2")
        assert published_stamp(con) == "f2"
        clear_stamp(con)
        assert published_stamp(con) is None
