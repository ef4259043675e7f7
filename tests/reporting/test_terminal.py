"""`stagewise kpi` text: headline KPIs, funnel with bottleneck, top/bottom salespeople, alert counts."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from reporting.queries import latest_full_month
from reporting.terminal import headline

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_monthly (month_start date, scope_type varchar, scope_id varchar, kpi varchar, "
        "numerator double, denominator double, value double)"
    )
    con.executemany(
        "insert into marts.kpi_monthly values (?, ?, ?, ?, ?, ?, ?)",
        [
            (OCT, "company", "all", "win_rate", 3, 15, 0.2),
            (OCT, "company", "all", "won_amount", 184000, None, 184000),
            (OCT, "company", "all", "avg_sales_cycle_days", 150.9, 3, 50.3),
            (OCT, "company", "all", "lead_conversion_rate", 0, 0, None),
            (OCT, "rep", "u1", "won_amount", 999999, None, 999999),
            (NOV, "company", "all", "win_rate", 1, 2, 0.5),
        ],
    )
    con.execute(
        "create table marts.kpi_stage_conversion (month_start date, pipeline_key varchar, scope_type varchar, "
        "scope_id varchar, stage_key varchar, stage_order integer, next_state_key varchar, reached integer, "
        "advanced integer, conversion_rate double, avg_days_to_advance double, lost_here integer, "
        "is_bottleneck boolean)"
    )
    con.executemany(
        "insert into marts.kpi_stage_conversion values (?, 'default', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (OCT, "company", "all", "quote", 3, "contract", 20, 13, 0.65, 3.0, 2, False),
            (OCT, "company", "all", "contract", 4, "won", 13, 5, 5 / 13, 11.7, 4, True),
            (OCT, "rep", "u1", "quote", 3, "contract", 20, 1, 0.05, 3.0, 2, True),
        ],
    )
    con.execute(
        "create table marts.kpi_rep_scorecard (month_start date, rep_id varchar, rep_name varchar, team varchar, "
        "won_amount double, won_deals integer, win_rate double, attainment double, open_deals integer, "
        "stalled_deals integer)"
    )
    con.executemany(
        "insert into marts.kpi_rep_scorecard values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (OCT, f"u{i}", f"销售{i}", "华东", 10000.0 * i, i, 0.5, None if i == 1 else i / 10, 2, 1)
            for i in range(1, 5)
        ],
    )
    con.execute("create table marts.kpi_open_deal_alerts (as_of_date date, opportunity_id varchar, reason varchar)")
    con.executemany(
        "insert into marts.kpi_open_deal_alerts values (date '2026-11-28', ?, ?)",
        [("O1", "stalled"), ("O1", "overdue"), ("O2", "no_follow_up")],
    )
    return con


def test_default_month_is_the_last_full_month_of_data(con):
    assert latest_full_month(con) == OCT
    assert headline(con).splitlines()[0] == "Headline KPIs for 2026-10 (company):"


def test_headline_kpis_are_company_scope_and_formatted(con):
    text = headline(con, OCT)
    assert "Win rate (won / won+lost)      20.0%  (3 / 15)" in text
    assert "Won amount (CNY)               184,000" in text
    assert "Average sales cycle            50.3 days" in text
    assert "Lead conversion                n/a" in text
    assert "999,999" not in text


def test_funnel_reads_as_steps_and_names_the_bottleneck(con):
    text = headline(con, OCT)
    quote = next(line for line in text.splitlines() if "quote -> contract" in line)
    assert "reached    20  advanced    13   65.0%" in quote and "3.0 days on average" in quote
    assert "bottleneck" not in quote
    assert "Bottleneck: default: contract -> won (38.5% advance)" in text


def test_top_and_bottom_salespeople_by_won_amount(con):
    lines = headline(con, OCT).splitlines()
    top = [line for line in lines if line.strip().startswith("Top")]
    bottom = [line for line in lines if line.strip().startswith("Bottom")]
    assert [line.split("(")[1].split(",")[0] for line in top] == ["u4", "u3", "u2"]
    assert [line.split("(")[1].split(",")[0] for line in bottom] == ["u1"]  # not repeated from the top three
    assert "target attainment n/a" in bottom[0]
    assert "won 40,000 in 4 deals" in top[0]


def test_alert_counts_as_of_the_latest_data_date(con):
    text = headline(con, OCT)
    assert "Deals open at the end of 2026-10: 8 (4 stalled)" in text
    assert "Open-deal alerts (as of 2026-11-28, the latest data date): 2 deals flagged" in text
    counts = {line.split()[0]: int(line.split()[1]) for line in text.splitlines()[-5:]}
    assert counts == {"stalled": 1, "no_follow_up": 1, "overdue": 1, "overdue_follow_up": 0, "skipped_stage": 0}


def test_a_month_without_rows_says_so(con):
    text = headline(con, date(2025, 1, 1))
    assert "no KPI rows for this month" in text
    assert "Salespeople" not in text


def test_reads_the_published_file_whose_tables_sit_in_its_default_schema(con, tmp_path):
    published = tmp_path / "marts.duckdb"
    con.execute(f"attach '{published}' as published")
    for table in ("kpi_monthly", "kpi_stage_conversion", "kpi_rep_scorecard", "kpi_open_deal_alerts"):
        con.execute(f"create table published.main.{table} as select * from marts.{table}")
    con.execute("detach published")
    with duckdb.connect(str(published), read_only=True) as reader:
        assert headline(reader) == headline(con)


def test_without_marts():
    assert headline(duckdb.connect()).startswith("No KPI marts yet")


def test_amount_labels_follow_the_reporting_currency_of_the_marts(con):
    con.execute("create table marts.dim_reporting_settings as select 'America/Sao_Paulo' as business_timezone, "
                "'BRL' as reporting_currency")  # fmt: skip
    text = headline(con, OCT)
    assert "Won amount (BRL)               184,000" in text
    assert "CNY" not in text
