"""Publishing the marts: a fresh file renamed over the old one, business columns only, nothing private."""

from __future__ import annotations

import duckdb
import pytest

from storage import PublishRefused, publish_marts


def _warehouse(path, extra_column: str = "") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            f"create table marts.fct_x as select 'o1' as opportunity_id, 2.5 as amount{extra_column}, "
            "now() as _loaded_at"
        )
        # a view (such as a deprecated old name of a renamed mart) is published as a table of its rows
        con.execute("create view marts.v_x as select * from marts.fct_x")


def test_publishes_tables_without_bookkeeping_columns(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "marts.duckdb"
    _warehouse(warehouse)
    assert publish_marts(warehouse, published) == ["fct_x", "v_x"]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select * from marts.fct_x").fetchall() == [("o1", 2.5)]
        assert con.execute("select * from marts.v_x").fetchall() == [("o1", 2.5)]
        assert con.execute("select table_type from information_schema.tables where table_name = 'v_x'").fetchall() == [
            ("BASE TABLE",)
        ]
        assert [r[0] for r in con.execute("describe marts.fct_x").fetchall()] == ["opportunity_id", "amount"]
    assert not (tmp_path / "marts.duckdb.tmp").exists()


def test_replaces_the_previous_file_whole(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "marts.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute("create table stale as select 1 as x")
    _warehouse(warehouse)
    publish_marts(warehouse, published)
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
    assert sorted(tables) == ["fct_x", "v_x"]


def test_refuses_to_publish_a_mobile_column(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "marts.duckdb"
    _warehouse(warehouse, extra_column=", '13800138000' as mobile")
    with pytest.raises(PublishRefused, match="fct_x.mobile"):
        publish_marts(warehouse, published)
    assert not published.exists()
