"""CRM files as delivered: encodings, XLSX, broken and degenerate files, with exact outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl

from ingest.load import FileOutcome
from ingest.schemas import CRM_OPPORTUNITIES, CRM_USERS, Entity
from tests.ingest.conftest import put, rows

Load = Callable[[Entity], list[FileOutcome]]
USERS_CSV = "员工ID,姓名,企微ID,部门\nu1,张三,zhangsan,华东\nu2,李四,lisi,华南\n"


def loaded_users(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return rows(con, "select user_id, name, wecom_userid, team, _source_line from raw.crm__users order by user_id")


EXPECTED_USERS = [("u1", "张三", "zhangsan", "华东", 2), ("u2", "李四", "lisi", "华南", 3)]


def test_utf8_csv_with_chinese_aliases(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(extracts, "crm/users/2026-11-28.csv", USERS_CSV)
    assert load(CRM_USERS) == [FileOutcome("crm/users/2026-11-28.csv", "loaded", 2, 2, 0)]
    assert loaded_users(con) == EXPECTED_USERS


def test_utf8_bom_csv(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(extracts, "crm/users/a.csv", USERS_CSV, encoding="utf-8-sig")
    assert load(CRM_USERS)[0].rows_loaded == 2
    assert loaded_users(con) == EXPECTED_USERS


def test_gbk_csv_without_bom(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    path = put(extracts, "crm/users/a.csv", USERS_CSV, encoding="gbk")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load(CRM_USERS)[0].rows_loaded == 2
    assert loaded_users(con) == EXPECTED_USERS


def test_headers_are_trimmed_and_case_insensitive_and_extras_kept(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/users/a.csv", " USER_ID ,Name,备注\nu1,Ann,vip\n")
    load(CRM_USERS)
    assert rows(con, "select user_id, name, _extra from raw.crm__users") == [("u1", "Ann", '{"备注":"vip"}')]


def test_binary_file_with_csv_name_is_rejected_whole(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/users/a.csv", USERS_CSV)
    put(extracts, "crm/users/b.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    outcomes = load(CRM_USERS)
    assert outcomes[1] == FileOutcome("crm/users/b.csv", "rejected", reason="binary content, not a CSV text file")
    assert outcomes[0].rows_loaded == 2  # the other file still loads
    assert rows(con, "select file_path, status, rows_read from raw._load_manifest order by file_path") == [
        ("crm/users/a.csv", "loaded", 2),
        ("crm/users/b.csv", "rejected", 0),
    ]


def test_xlsx_renamed_to_csv_is_rejected_as_binary(tmp_path: Path, extracts: Path, load: Load) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["user_id"])
    workbook.save(tmp_path / "w.xlsx")
    put(extracts, "crm/users/a.csv", (tmp_path / "w.xlsx").read_bytes())
    assert load(CRM_USERS)[0].reason == "binary content, not a CSV text file"


def test_empty_file_is_rejected_whole(extracts: Path, load: Load) -> None:
    put(extracts, "crm/users/a.csv", b"")
    put(extracts, "crm/users/b.csv", b"\r\n  \n")
    assert [(o.status, o.reason) for o in load(CRM_USERS)] == [("rejected", "empty file (no header row)")] * 2


def test_header_only_file_loads_zero_rows(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(extracts, "crm/users/a.csv", "user_id,name\r\n")
    assert load(CRM_USERS) == [FileOutcome("crm/users/a.csv", "loaded", 0, 0, 0)]
    assert rows(con, "select count(*) from raw.crm__users") == [(0,)]


def test_missing_required_column_rejects_the_file_naming_it(extracts: Path, load: Load) -> None:
    put(extracts, "crm/opportunities/a.csv", "商机ID,负责人ID,商机阶段\nO1,u1,报价\n")
    assert load(CRM_OPPORTUNITIES) == [
        FileOutcome("crm/opportunities/a.csv", "rejected", reason="missing required column(s): created_at")
    ]


def test_utf16_and_unknown_encodings_are_named(extracts: Path, load: Load) -> None:
    put(extracts, "crm/users/a.csv", USERS_CSV, encoding="utf-16")
    put(extracts, "crm/users/b.csv", b"user_id,name\nu1,\xff\xff\xff\n")
    assert [o.reason for o in load(CRM_USERS)] == [
        "UTF-16 text is not accepted (expected UTF-8, UTF-8 with BOM, or GB18030/GBK)",
        "unknown encoding (expected UTF-8, UTF-8 with BOM, or GB18030/GBK)",
    ]


def test_unsupported_file_type_is_rejected_not_ignored(extracts: Path, load: Load) -> None:
    put(extracts, "crm/users/a.txt", USERS_CSV)
    put(extracts, "crm/users/.DS_Store", b"\x00")
    put(extracts, "crm/users/~$a.xlsx", b"\x00")
    assert load(CRM_USERS) == [
        FileOutcome("crm/users/a.txt", "rejected", reason="unsupported file type '.txt' (expected .csv or .xlsx)")
    ]


def test_quoted_line_breaks_keep_true_line_numbers(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(extracts, "crm/users/a.csv", 'user_id,name\r\nu1,"Ann\r\nSmith"\r\n\r\nu2,"Bo ""B"""\r\nu3,Cy\r\n')
    assert load(CRM_USERS)[0].rows_loaded == 3
    assert rows(con, "select user_id, name, _source_line from raw.crm__users order by user_id") == [
        ("u1", "Ann\r\nSmith", 2),
        ("u2", 'Bo "B"', 5),  # line 4 is blank
        ("u3", "Cy", 6),
    ]


def test_row_with_extra_fields_is_rejected_alone(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(extracts, "crm/users/a.csv", "user_id,name\nu1,Ann\nu2,Bo,surplus\nu3\n")
    assert load(CRM_USERS) == [FileOutcome("crm/users/a.csv", "loaded", 3, 2, 1)]
    assert rows(con, "select line, rule, record_key from raw._rejects") == [
        (3, "row has 3 fields, the header has 2", "u2")
    ]
    assert rows(con, "select user_id, name from raw.crm__users order by 1") == [("u1", "Ann"), ("u3", None)]


def test_xlsx_first_sheet_typed_cells_and_serial_dates(
    tmp_path: Path, extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "商机"
    data.append(["商机ID", "负责人ID", "商机阶段", "商机金额", "创建时间", "预计成交日期"])
    data.append(["O1", 10001, "报价", 120000, dt.datetime(2026, 11, 28, 10, 30), dt.date(2026, 12, 31)])
    data.append([None] * 6)  # a blank sheet row: skipped, and the row numbers after it stay true
    data.append(["O2", "u2", "合同", "¥1,000.50", 46000, 46022.75])  # dates that lost their cell format
    notes = workbook.create_sheet("说明")
    notes.append(["商机ID", "负责人ID", "商机阶段", "商机金额", "创建时间"])
    notes.append(["NOT-DATA", "x", "报价", 1, "2026-01-01"])
    workbook.save(tmp_path / "w.xlsx")
    put(extracts, "crm/opportunities/2026-11-28.xlsx", (tmp_path / "w.xlsx").read_bytes())

    assert load(CRM_OPPORTUNITIES) == [FileOutcome("crm/opportunities/2026-11-28.xlsx", "loaded", 2, 2, 0)]
    got = rows(
        con,
        """select opportunity_id, owner_id, stage, amount, created_at at time zone 'Asia/Shanghai',
                  expected_close_date, _source_line from raw.crm__opportunities order by 1""",
    )
    assert got == [
        ("O1", "10001", "报价", 120000.0, dt.datetime(2026, 11, 28, 10, 30), dt.date(2026, 12, 31), 2),
        ("O2", "u2", "合同", 1000.5, dt.datetime(2025, 12, 9, 0, 0), dt.date(2025, 12, 31), 4),
    ]


def test_corrupt_xlsx_is_rejected_whole(extracts: Path, load: Load) -> None:
    put(extracts, "crm/users/a.xlsx", b"PK\x03\x04 this is not a workbook")
    outcome = load(CRM_USERS)[0]
    assert outcome.status == "rejected"
    assert outcome.reason.startswith("unreadable XLSX: ")
