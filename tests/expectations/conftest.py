"""A tiny warehouse with one good delivery per raw entity, written with the real raw DDL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingest.manifest import ensure_raw_tables
from ingest.schemas import ENTITIES

RUN_START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
LOADED = "timestamptz '2026-11-28 02:05:00+00'"
DELIVERED = "timestamptz '2026-11-28 02:00:00+00'"

GOOD_ROWS: dict[str, list[str]] = {
    "crm__users": ["'u1', 'Ann', 'ann', 'east', null, true, null"],
    "crm__leads": ["'l1', timestamptz '2026-11-01 10:00:00+00', 'u1', 'web', null, null, 'converted', "
                   "timestamptz '2026-11-02 10:00:00+00', 'c1'"],
    "crm__customers": ["'c1', 'Acme', timestamptz '2026-11-02 10:00:00+00', 'u1', 'web', null, null, 'l1'"],
    "crm__opportunities": ["'o1', 'deal', 'c1', 'u1', null, 'quote', 'open', 120000.0, 'CNY', date '2026-12-31', "
                           "timestamptz '2026-11-03 10:00:00+00', null, null, timestamptz '2026-11-20 10:00:00+00'"],
    "crm__stage_changes": ["'o1', 'quote', timestamptz '2026-11-10 10:00:00+00', 'u1'"],
    "crm__activities": ["'a1', 'u1', timestamptz '2026-11-11 10:00:00+00', 'visit', 'o1', 'c1', null, "
                        "timestamptz '2026-11-18 10:00:00+00'"],
    "crm__targets": ["'company', 'all', date '2026-11-01', 'won_amount', 500000.0"],
    "crm__fx_rates": ["'USD', date '2026-11-01', 7.1"],
    "wecom__external_contacts": ["'wm1', 'ann', 'Bo', 1, 1, null, null, null, null, "
                                 "timestamptz '2026-11-01 08:00:00+00', null, null, ['13800000000'], 1, 'qr', "
                                 "'ann', []"],
    "wecom__contact_events": ["'ww', 'sys', timestamptz '2026-11-05 08:00:00+00', 'event', 'change_external_contact', "
                              "'del_follow_user', 'ann', 'wm1', null, null, null, null"],
    "wecom__behavior": ["'ann', timestamptz '2026-11-04 16:00:00+00', 10, 40, 60.25, 12.0, 0, 3, 2"],
    "wecom__messages": ["'m1', 'send', 'ann', ['wm1'], '', timestamptz '2026-11-06 08:00:00.123+00', 'text', 'hi', "
                        "null, null"],
    "wecom__corp_tags": ["'t1', 'vip', 1, timestamptz '2026-01-01 00:00:00+00', false, 'g1', 'level', 1, "
                         "timestamptz '2026-01-01 00:00:00+00', false"],
}  # fmt: skip


def file_of(entity: str) -> str:
    return f"{entity.replace('__', '/', 1)}/2026-11-28T1000.x"


def build_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    try:
        ensure_raw_tables(con, ENTITIES)
        for entity, rows in GOOD_ROWS.items():
            for line, row in enumerate(rows, start=2):
                con.execute(f"insert into raw.{entity} values ({row}, '{file_of(entity)}', {line}, null, {LOADED})")
            con.execute(
                "insert into raw._load_manifest (entity, file_path, content_sha256, delivered_at, status, rows_read, "
                "rows_loaded, rows_rejected, rows_superseded, loaded_at) values "
                f"('{entity}', '{file_of(entity)}', 'sha-{entity}', {DELIVERED}, 'loaded', {len(rows)}, "
                f"{len(rows)}, 0, 0, {LOADED})"
            )
        con.execute(f"insert into raw.crm__opportunity_snapshots select *, {DELIVERED} from raw.crm__opportunities")
        con.execute(
            "create table raw.cfg__stages as select * from (values "
            "('default', 'Default', 'Default', 'prospecting', 1, '寻找客户', 'Prospecting', 0.1, false, "
            "[]::varchar[]), "
            "('default', 'Default', 'Default', 'quote', 2, '报价', 'Quote', 0.5, true, ['visit'])) "
            "t(pipeline_key, pipeline_name, pipeline_name_en, stage_key, stage_order, stage_name, stage_name_en, "
            "probability, is_required, required_activities)"
        )
    finally:
        con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "warehouse.duckdb")


def execute(path: Path, sql: str) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql)
    finally:
        con.close()
