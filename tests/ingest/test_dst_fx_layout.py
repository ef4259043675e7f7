"""Issue 10 items 6, 8, 9 at the ingest edge: daylight saving, crm/fx_rates, deliveries outside the contract."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.layout import unknown_deliveries
from ingest.load import FileOutcome, load_entity, load_extracts
from ingest.schemas import CRM_FX_RATES, CRM_OPPORTUNITIES, ENTITIES
from ingest.stages import StageConfig, StageConfigError, parse_stage_config
from ingest.values import DST_AMBIGUOUS, DST_GAP, PARSERS
from reporting.load_summary import load_summary
from tests.ingest.conftest import put, rows

SAO_PAULO = "America/Sao_Paulo"  # DST began 2017-10-15 00:00 (-03 -> -02) and ended 2018-02-18 00:00 (-02 -> -03)
OPP_HEADER = "opportunity_id,owner_id,stage,created_at,closed_at\n"


def parse_datetimes(tz: str, *texts: str) -> list[tuple[datetime | None, str | None]]:
    value, error = PARSERS["datetime"]("x", tz)
    frame = pl.DataFrame({"x": list(texts)}, schema={"x": pl.String}).select(value.alias("v"), error.alias("e"))
    return list(zip(frame["v"].to_list(), frame["e"].to_list(), strict=True))


def test_a_local_time_in_a_dst_gap_is_shifted_forward_not_rejected() -> None:
    # 00:00 and 00:30 on 2017-10-15 do not exist in Sao Paulo: clocks jumped to 01:00 (-02).
    assert parse_datetimes(SAO_PAULO, "2017-10-15 00:00:00", "2017-10-15 00:30", "2017-10-15", "2017-10-15 01:00") == [
        (datetime(2017, 10, 15, 3, 0, tzinfo=UTC), None),  # = 01:00 -02, the end of the gap
        (datetime(2017, 10, 15, 3, 30, tzinfo=UTC), None),  # = 01:30 -02: naive time + the one-hour gap
        (datetime(2017, 10, 15, 3, 0, tzinfo=UTC), None),
        (datetime(2017, 10, 15, 3, 0, tzinfo=UTC), None),  # the first real time after the gap
    ]


def test_a_gap_of_a_whole_day_shifts_by_the_day() -> None:
    # Samoa skipped 2011-12-30 (-10 -> +14): 10:00 that day is 10:00 on the 31st.
    assert parse_datetimes("Pacific/Apia", "2011-12-30 10:00") == [(datetime(2011, 12, 30, 20, 0, tzinfo=UTC), None)]


def test_an_ambiguous_local_time_takes_the_earlier_instant() -> None:
    # 23:30 on 2018-02-17 happened twice: first at -02 (01:30 UTC), then at -03 (02:30 UTC).
    assert parse_datetimes(SAO_PAULO, "2018-02-17 23:30") == [(datetime(2018, 2, 18, 1, 30, tzinfo=UTC), None)]


def test_dst_adjustments_are_counted_per_file_and_column(extracts: Path, con: duckdb.DuckDBPyConnection) -> None:
    config = replace(parse_stage_config(_pipelines_yml(), "test"), business_timezone=SAO_PAULO)
    put(
        extracts,
        "crm/opportunities/2018-03-01.csv",
        OPP_HEADER
        + "O1,u1,报价,2017-10-15 00:00:00,\n"  # gap
        + "O2,u1,报价,2017-10-15 00:20:00,\n"  # gap
        + "O3,u1,赢单,2017-10-01 10:00,2018-02-17 23:10\n"  # closed_at ambiguous
        + "O4,u1,报价,2017-10-16 09:00,\n",  # an ordinary time
    )
    assert load_entity(con, extracts, CRM_OPPORTUNITIES, config) == [
        FileOutcome("crm/opportunities/2018-03-01.csv", "loaded", 4, 4, 0)
    ]
    assert rows(
        con, "select entity, file_path, column_name, note, rows, first_line from raw._load_notes order by 3"
    ) == [
        ("crm__opportunities", "crm/opportunities/2018-03-01.csv", "closed_at", DST_AMBIGUOUS, 1, 4),
        ("crm__opportunities", "crm/opportunities/2018-03-01.csv", "created_at", DST_GAP, 2, 2),
    ]
    summary = load_summary(con)
    assert "Data-quality notes: values loaded, but adjusted (counts in raw._load_notes):" in summary
    assert f"  2 × crm__opportunities.created_at: {DST_GAP} (e.g. crm/opportunities/2018-03-01.csv:2)" in summary


def test_no_notes_in_a_zone_without_daylight_saving(
    extracts: Path, con: duckdb.DuckDBPyConnection, config: StageConfig
) -> None:
    put(extracts, "crm/opportunities/a.csv", OPP_HEADER + "O1,u1,报价,2017-10-15 00:00:00,\n")
    load_entity(con, extracts, CRM_OPPORTUNITIES, config)
    assert rows(con, "select count(*) from raw._load_notes") == [(0,)]


def test_fx_rates_load_with_aliases_and_reject_broken_rows(
    extracts: Path, con: duckdb.DuckDBPyConnection, config: StageConfig
) -> None:
    put(
        extracts,
        "crm/fx_rates/2026-11.csv",
        "币种,月份,汇率\n"
        + "usd,2026-10,7.1\n"  # lower case: upper-cased
        + "EUR,2026/11,7.8\n"
        + "USD,2026-11,0\n"  # zero rate
        + "JPY,2026-11,-0.05\n"  # negative rate
        + "US$,2026-11,7.2\n"  # not a code
        + "GBP,November,9\n"  # not a month
        + "HKD,2026-11,\n",  # rate missing
    )
    assert load_entity(con, extracts, CRM_FX_RATES, config) == [
        FileOutcome("crm/fx_rates/2026-11.csv", "loaded", 7, 2, 5)
    ]
    assert rows(con, "select currency, cast(month as varchar), rate from raw.crm__fx_rates order by 1") == [
        ("EUR", "2026-11-01", 7.8),
        ("USD", "2026-10-01", 7.1),
    ]
    assert rows(con, "select line, column_name, value, rule from raw._rejects order by line") == [
        (4, "rate", "0", "rate must be greater than 0"),
        (5, "rate", "-0.05", "rate must be greater than 0"),
        (6, "currency", "US$", "not an ISO currency code"),
        (7, "month", "November", "not a month YYYY-MM"),
        (8, "rate", None, "required value missing"),
    ]


def test_a_later_fx_file_replaces_the_rate_of_the_same_currency_and_month(
    extracts: Path, con: duckdb.DuckDBPyConnection, config: StageConfig
) -> None:
    put(extracts, "crm/fx_rates/2026-11-01.csv", "currency,month,rate\nUSD,2026-11,7.1\n")
    put(extracts, "crm/fx_rates/2026-11-02.csv", "currency,month,rate\nUSD,2026-11,7.15\n")
    load_extracts(con, extracts, config)
    assert rows(con, "select currency, rate, _source_file from raw.crm__fx_rates") == [
        ("USD", 7.15, "crm/fx_rates/2026-11-02.csv")
    ]


def _pipelines_yml(extra: str = "") -> str:
    return f"{extra}pipelines:\n  - key: default\n    stages:\n      - {{key: quote, name: 报价}}\n"


def test_reporting_currency_is_read_from_pipelines_yml() -> None:
    assert parse_stage_config(_pipelines_yml(), "p.yml").reporting_currency == "CNY"
    assert parse_stage_config(_pipelines_yml("reporting_currency: usd\n"), "p.yml").reporting_currency == "USD"
    with pytest.raises(StageConfigError, match="p.yml: reporting_currency: 'dollars' is not an ISO 4217"):
        parse_stage_config(_pipelines_yml("reporting_currency: dollars\n"), "p.yml")


def test_deliveries_outside_the_contract_are_named(extracts: Path) -> None:
    for entity in ENTITIES:  # every known folder, fx_rates included, is silent
        put(extracts, f"{entity.folder}/a.csv", "x\n")
    put(extracts, "pipelines.yml", "x")
    put(extracts, ".DS_Store", "x")  # hidden files are not deliveries
    put(extracts, "crm/.hidden/a.csv", "x")
    put(extracts, "crm/users/~$a.xlsx", "x")  # an Excel lock file
    assert unknown_deliveries(extracts) == []

    put(extracts, "crm/quotes/a.csv", "x")
    put(extracts, "wecom/foo/a.jsonl", "x")
    put(extracts, "erp/orders/a.csv", "x")
    put(extracts, "notes.txt", "x")
    put(extracts, "crm/readme.md", "x")
    put(extracts, "crm/opportunities/2026-11/a.csv", "x")  # a folder inside an entity folder is never read
    assert unknown_deliveries(extracts) == [
        "crm/opportunities/2026-11/",
        "crm/quotes/",
        "crm/readme.md",
        "erp/",
        "notes.txt",
        "wecom/foo/",
    ]


def test_the_load_summary_warns_about_unknown_deliveries_even_when_nothing_loaded(
    extracts: Path, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "crm/quotes/a.csv", "x")
    assert load_summary(con, since=datetime(2026, 1, 1, tzinfo=UTC), extracts_dir=extracts) == "\n".join(
        [
            "Ingest summary (since 2026-01-01T00:00:00+00:00): no new files.",
            "",
            "WARNING: delivered but not read (not in the extract contract):",
            "  crm/quotes/: not part of the extract contract: not read",
        ]
    )
