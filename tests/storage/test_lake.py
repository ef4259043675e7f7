"""The raw layer exported to the lake, and lake tables read back through DuckDB views (storage.lake)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from storage import connect
from storage.lake import PARQUET_NAME, attach_lake_schema, export_raw


def _warehouse(path: Path) -> Path:
    with connect(path) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema raw")
        con.execute("create table raw.crm__leads (lead_id varchar, tags varchar[], created_at timestamptz, n bigint)")
        con.execute(
            "insert into raw.crm__leads values ('L2', ['a', 'b'], '2026-03-01 08:00:00+08', 2), "
            "('L1', [], '2026-01-31 23:30:00+00', null)"
        )
        con.execute("create table raw._load_manifest (file varchar, rows_loaded bigint)")
        con.execute("insert into raw._load_manifest values ('crm/leads/a.csv', 2)")
        con.execute("create view raw.not_a_table as select 1 as x")
    return path


def test_every_raw_table_is_written_as_parquet_with_its_types_and_rows(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "stagewise.duckdb")
    raw_dir = tmp_path / "lake" / "raw"
    (raw_dir / "crm__leads").mkdir(parents=True)
    (raw_dir / "crm__leads" / "stale.parquet").write_text("an earlier delivery's file")

    assert export_raw(warehouse, raw_dir) == ["_load_manifest", "crm__leads"]

    assert sorted(p.name for p in raw_dir.iterdir()) == ["_load_manifest", "crm__leads"]
    assert [p.name for p in (raw_dir / "crm__leads").iterdir()] == [PARQUET_NAME]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    leads = con.execute(f"select * from read_parquet('{raw_dir / 'crm__leads' / PARQUET_NAME}')")
    types = [str(d[1]) for d in leads.description]
    rows = leads.fetchall()
    assert types == ["VARCHAR", "VARCHAR[]", "TIMESTAMP WITH TIME ZONE", "BIGINT"]
    assert [(r[0], r[1], r[2].isoformat(), r[3]) for r in rows] == [
        ("L1", [], "2026-01-31T23:30:00+00:00", None),
        ("L2", ["a", "b"], "2026-03-01T00:00:00+00:00", 2),
    ]


def test_lake_tables_become_views_and_replace_an_earlier_table(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    (lake / "marts.db" / "kpi_monthly").mkdir(parents=True)
    (lake / "marts.db" / "empty_mart").mkdir()  # Spark wrote no part file: nothing to show
    con = duckdb.connect()
    con.execute(f"copy (select 3 as deals) to '{lake / 'marts.db' / 'kpi_monthly' / 'part-0.snappy.parquet'}'")
    con.execute("create schema marts")
    con.execute("create table marts.kpi_monthly as select 1 as deals")

    assert attach_lake_schema(con, lake, "marts", replace=True) == ["kpi_monthly"]

    assert con.execute("select deals from marts.kpi_monthly").fetchall() == [(3,)]
    assert con.execute(
        "select table_type from information_schema.tables where table_name = 'kpi_monthly'"
    ).fetchall() == [("VIEW",)]
