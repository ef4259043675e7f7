"""Delivery rules on CRM entities: row rules, stages, upsert across deliveries, duplicates, re-runs, targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import ingest.load
from ingest.load import FileOutcome
from ingest.schemas import CRM_OPPORTUNITIES, CRM_STAGE_CHANGES, CRM_TARGETS, CRM_USERS, Entity
from tests.ingest.conftest import put, rows

Load = Callable[[Entity], list[FileOutcome]]
OPP_HEADER = "商机ID,负责人ID,商机阶段,商机状态,商机金额,创建时间,更新时间\n"


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return rows(con, "select file_path, line, column_name, value, rule, record_key from raw._rejects order by 1, 2, 3")


def test_row_rules_quarantine_rows_and_keep_the_count(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(
        extracts,
        "crm/opportunities/a.csv",
        OPP_HEADER
        + 'O1,u1,报价,,"¥120,000.00",2026-11-01 10:00,\n'  # fine
        + "O2,u1,Negotiation,,1,2026-11-01,\n"  # unknown stage
        + "O3,u1,报价,,-5,2026-11-01,\n"  # negative amount
        + "O4,u1,报价,,1,2026-11-31,\n"  # unparseable date
        + "O5,u1,赢单,,1,1700000000123,\n"  # outcome in the stage column, 13-digit epoch
        + "O6,,报价,,1,1700000000,\n",  # required owner missing, 10-digit epoch
    )
    assert load(CRM_OPPORTUNITIES) == [FileOutcome("crm/opportunities/a.csv", "loaded", 6, 2, 4)]
    assert rejects(con) == [
        (
            "crm/opportunities/a.csv",
            3,
            "stage",
            "Negotiation",
            "stage matches no stage or outcome of pipeline default",
            "O2",
        ),
        ("crm/opportunities/a.csv", 4, "amount", "-5", "negative amount", "O3"),
        ("crm/opportunities/a.csv", 5, "created_at", "2026-11-31", "unparseable datetime", "O4"),
        ("crm/opportunities/a.csv", 7, "owner_id", None, "required value missing", "O6"),
    ]
    assert rows(con, "select opportunity_id, amount, created_at from raw.crm__opportunities order by 1") == [
        ("O1", 120000.0, dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)),
        ("O5", 1.0, dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.UTC)),
    ]
    manifest = rows(con, "select rows_read, rows_loaded, rows_rejected from raw._load_manifest")
    assert manifest == [(6, 2, 4)] and manifest[0][0] == manifest[0][1] + manifest[0][2]


def test_duplicate_keys_in_one_file_last_row_wins_and_is_counted(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/users/a.csv", "user_id,name\nu1,first\nu2,other\nu1,last\n")
    assert load(CRM_USERS) == [FileOutcome("crm/users/a.csv", "loaded", 3, 3, 0, rows_superseded=1)]
    assert rows(con, "select user_id, name, _source_line from raw.crm__users order by 1") == [
        ("u1", "last", 4),
        ("u2", "other", 3),
    ]


def test_later_file_wins_across_deliveries_even_when_loaded_out_of_order(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/users/2026-11-28.csv", "user_id,name\nu1,v2\nu2,only\n")
    load(CRM_USERS)
    put(extracts, "crm/users/2026-11-27.csv", "user_id,name\nu1,v1\nu3,late\n")  # arrives late, sorts earlier
    assert load(CRM_USERS) == [FileOutcome("crm/users/2026-11-27.csv", "loaded", 2, 2, 0, rows_superseded=1)]
    put(extracts, "crm/users/2026-11-29.csv", "user_id,name\nu1,v3\n")
    load(CRM_USERS)
    assert rows(con, "select user_id, name, _source_file from raw.crm__users order by 1") == [
        ("u1", "v3", "crm/users/2026-11-29.csv"),
        ("u2", "only", "crm/users/2026-11-28.csv"),
        ("u3", "late", "crm/users/2026-11-27.csv"),
    ]


def test_redelivered_identical_file_loads_nothing_and_is_a_duplicate(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/users/2026-11-28.csv", "user_id,name\nu1,Ann\n")
    load(CRM_USERS)
    put(extracts, "crm/users/2026-11-29.csv", "user_id,name\nu1,Ann\n")
    assert load(CRM_USERS) == [
        FileOutcome("crm/users/2026-11-29.csv", "duplicate", reason="same content as crm/users/2026-11-28.csv")
    ]
    assert rows(con, "select _source_file from raw.crm__users") == [("crm/users/2026-11-28.csv",)]
    assert rows(con, "select status, rows_read, rows_loaded from raw._load_manifest order by file_path") == [
        ("loaded", 1, 1),
        ("duplicate", 0, 0),
    ]


def test_rerun_parses_only_new_files(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(extracts, "crm/users/a.csv", "user_id\nu1\n")
    put(extracts, "crm/users/bad.csv", b"")
    load(CRM_USERS)
    parsed: list[str] = []
    real = ingest.load.parse_chunks
    monkeypatch.setattr(ingest.load, "parse_chunks", lambda e, p, c, k: (parsed.append(p.name), real(e, p, c, k))[1])
    assert load(CRM_USERS) == []
    put(extracts, "crm/users/b.csv", "user_id\nu2\n")
    assert [o.file_path for o in load(CRM_USERS)] == ["crm/users/b.csv"]
    assert parsed == ["b.csv"]  # neither the loaded nor the rejected file was read again
    assert rows(con, "select count(*) from raw._load_manifest") == [(3,)]


def test_a_copy_of_a_rejected_file_is_rejected_again_not_called_a_duplicate(extracts: Path, load: Load) -> None:
    put(extracts, "crm/users/a.csv", "name\nAnn\n")
    put(extracts, "crm/users/b.csv", "name\nAnn\n")
    assert [(o.status, o.reason) for o in load(CRM_USERS)] == [("rejected", "missing required column(s): user_id")] * 2


def test_opportunity_snapshots_keep_every_delivered_version(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/opportunities/2026-11-27T0200.csv", OPP_HEADER + "O1,u1,报价,,1,2026-11-01,\n")
    put(extracts, "crm/opportunities/2026-11-28T0200.csv", OPP_HEADER + "O1,u1,合同,,1,2026-11-01,\n")
    load(CRM_OPPORTUNITIES)
    assert rows(con, "select stage from raw.crm__opportunities") == [("合同",)]
    assert rows(con, "select stage, _delivered_at from raw.crm__opportunity_snapshots order by 2") == [
        ("报价", dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)),
        ("合同", dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)),
    ]


def test_stage_changes_match_within_the_opportunitys_pipeline(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/opportunities/a.csv", OPP_HEADER + "O1,u1,报价,,1,2026-11-01,\n")
    put(
        extracts,
        "crm/stage_changes/a.csv",
        "商机ID,新阶段,变更时间,操作人\n"
        "O1,初步接洽,2026-11-01 09:00,admin\nO1,谈判中,2026-11-02,admin\nO1,赢单,2026-11-03,\n",
    )
    load(CRM_OPPORTUNITIES)
    assert load(CRM_STAGE_CHANGES) == [FileOutcome("crm/stage_changes/a.csv", "loaded", 3, 2, 1)]
    assert rejects(con) == [
        (
            "crm/stage_changes/a.csv",
            3,
            "stage",
            "谈判中",
            "stage matches no stage or outcome of the opportunity's pipeline",
            "O1|2026-11-02|谈判中",
        )
    ]


def test_long_targets_company_scope_defaults_to_all(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(
        extracts,
        "crm/targets/a.csv",
        'scope_type,scope_id,month,metric,target\ncompany,,2026-11,won_amount,"1,000,000"\n'
        "user,u1,2026-11,won_deals,3\nteam,,2026-11,won_deals,3\nuser,u1,2026-11,margin,3\n",
    )
    assert load(CRM_TARGETS) == [FileOutcome("crm/targets/a.csv", "loaded", 4, 2, 2)]
    assert rows(con, "select scope_type, scope_id, month, metric, target from raw.crm__targets order by 1") == [
        ("company", "all", dt.date(2026, 11, 1), "won_amount", 1000000.0),
        ("user", "u1", dt.date(2026, 11, 1), "won_deals", 3.0),
    ]
    assert [(r[1], r[2], r[4]) for r in rejects(con)] == [
        (4, "scope_id", "required value missing"),
        (5, "metric", "not one of new_customers/won_amount/won_deals"),
    ]


def test_wide_wukong_targets_are_melted(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(
        extracts,
        "crm/targets/a.csv",
        "obj_id,type,year,status,january,february,march\n,1,2026,1,100,200,\nu1,3,2026,1,5,,7\nu1,3,2026,2,9,9,9\n",
    )
    assert load(CRM_TARGETS) == [FileOutcome("crm/targets/a.csv", "loaded", 4, 4, 0)]
    assert rows(con, "select scope_type, scope_id, month, target from raw.crm__targets order by 1, 2, 3") == [
        ("company", "all", dt.date(2026, 1, 1), 100.0),
        ("company", "all", dt.date(2026, 2, 1), 200.0),
        ("user", "u1", dt.date(2026, 1, 1), 5.0),
        ("user", "u1", dt.date(2026, 3, 1), 7.0),
    ]
    assert rejects(con) == []  # the receivables row (status 2) is ignored, as the contract says
