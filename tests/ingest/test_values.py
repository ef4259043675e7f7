"""Value rules (contract §3): each kind parses the accepted spellings and names the rule a bad value breaks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from ingest.values import PARSERS, normalize_mobile, parse_enum

TZ = "Asia/Shanghai"


def parse(kind: str, *texts: str | None) -> list[tuple[object, str | None]]:
    value, error = PARSERS[kind]("x", TZ)
    frame = pl.DataFrame({"x": list(texts)}, schema={"x": pl.String}).select(value.alias("v"), error.alias("e"))
    return list(zip(frame["v"].to_list(), frame["e"].to_list(), strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28", datetime(2026, 11, 27, 16, 0, tzinfo=UTC)),  # business-time midnight
        ("2026-11-28 10:30", datetime(2026, 11, 28, 2, 30, tzinfo=UTC)),
        ("2026/11/28 10:30:15", datetime(2026, 11, 28, 2, 30, 15, tzinfo=UTC)),
        ("2026/1/5 9:30", datetime(2026, 1, 5, 1, 30, tzinfo=UTC)),  # Chinese Excel drops leading zeros
        ("2026-11-28 10:00:00.250", datetime(2026, 11, 28, 2, 0, 0, 250000, tzinfo=UTC)),
        ("2026-11-28T10:00:00+08:00", datetime(2026, 11, 28, 2, 0, tzinfo=UTC)),
        ("2026-11-28T10:00:00-05:00", datetime(2026, 11, 28, 15, 0, tzinfo=UTC)),
        ("2026-11-28T02:00:00Z", datetime(2026, 11, 28, 2, 0, tzinfo=UTC)),
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # 10 digits: epoch seconds
        ("1700000000123", datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)),  # 13 digits: milliseconds
    ],
)
def test_datetime_accepts_every_contract_spelling(text: str, expected: datetime) -> None:
    assert parse("datetime", text) == [(expected, None)]


@pytest.mark.parametrize("text", ["2026-13-01", "28/11/2026", "yesterday", "170000000012", "2026-02-30 10:00"])
def test_datetime_rejects_what_it_cannot_read(text: str) -> None:
    assert parse("datetime", text) == [(None, "unparseable datetime")]


def test_absent_values_are_null_not_errors() -> None:
    assert parse("datetime", None, "", "  ") == [(None, None)] * 3


def test_date_takes_the_written_date_or_the_business_date_of_an_epoch() -> None:
    assert parse("date", "2026/1/5", "2026-11-28 23:30", "1700000000", "1700000000123", "2026-11-31") == [
        (date(2026, 1, 5), None),
        (date(2026, 11, 28), None),
        (date(2023, 11, 15), None),  # 22:13 UTC is 06:13 next day in Shanghai
        (date(2023, 11, 15), None),
        (None, "unparseable date"),
    ]


def test_amounts_strip_currency_and_separators_and_reject_negatives() -> None:
    assert parse("amount", "¥120,000.00", "￥1,000", "120000.0", "-5", "12k") == [
        (120000.0, None),
        (1000.0, None),
        (120000.0, None),
        (None, "negative amount"),
        (None, "not an amount"),
    ]


def test_integers_accept_spreadsheet_whole_numbers_only() -> None:
    assert parse("int", "3", "3.0", " 201 ", "3.5", "x", "9007199254740993") == [
        (3, None),
        (3, None),
        (201, None),
        (None, "not an integer"),
        (None, "not an integer"),
        (9007199254740993, None),  # exact, not rounded through a float
    ]


def test_wecom_epochs_are_not_guessed_across_units() -> None:
    assert parse("epoch_s", "1525779812", "1525779812000") == [
        (datetime(2018, 5, 8, 11, 43, 32, tzinfo=UTC), None),
        (None, "not epoch seconds (up to 10 digits)"),
    ]
    assert parse("epoch_ms", "1700000000123", "1700000000") == [
        (datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC), None),
        (None, "not epoch milliseconds (13 digits)"),
    ]


def test_booleans_and_percentages() -> None:
    assert [v for v, _ in parse("bool", "是", "否", "Y", "0", "TRUE")] == [True, False, True, False, True]
    assert parse("bool", "maybe") == [(None, "not a boolean (1/0, true/false, 是/否, Y/N)")]
    assert parse("percent", "30%", "30", "130") == [(30.0, None), (30.0, None), (None, "percentage outside 0-100")]


def test_enum_maps_spellings_case_insensitively() -> None:
    value, error = parse_enum("x", {"open": "open", "跟进中": "open", "converted": "converted"})
    frame = pl.DataFrame({"x": ["OPEN", "跟进中", "closed"]}).select(value.alias("v"), error.alias("e"))
    assert frame.rows() == [("open", None), ("open", None), (None, "not one of converted/open")]


def test_mobiles_are_compared_without_separators_or_country_code() -> None:
    frame = pl.DataFrame({"m": ["+86 138-0013-8000", "8613800138000", "138 0013 8000", "", "010-12345678"]})
    assert frame.select(normalize_mobile("m"))["m"].to_list() == [
        "13800138000",
        "13800138000",
        "13800138000",
        None,
        "01012345678",
    ]
