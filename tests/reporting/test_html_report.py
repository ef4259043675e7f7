"""The managers' HTML report, rendered from a tiny published marts file with hand-written rows.

Longer than 250 lines because every section of the one page is checked against the one fixture it renders;
it splits along the page's sections when the page itself is rebuilt.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from reporting import html as kpi_report
from reporting.html import NO_DATA, render

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
HOSTILE = "<script>alert(1)</script>"

TABLES = {
    "kpi_monthly": "month_start date, scope_type varchar, scope_id varchar, kpi varchar, numerator double, "
    "denominator double, value double",
    "kpi_stage_conversion": "month_start date, pipeline_key varchar, scope_type varchar, scope_id varchar, "
    "stage_key varchar, stage_order integer, next_state_key varchar, reached integer, advanced integer, "
    "conversion_rate double, avg_days_to_advance double, lost_here integer, is_bottleneck boolean",
    "dim_stages": "pipeline_key varchar, pipeline_name varchar, pipeline_name_en varchar, state_key varchar, "
    "state_name varchar, state_name_en varchar",
    "dim_reps": "rep_id varchar, rep_name varchar",
    "kpi_rep_scorecard": "month_start date, rep_id varchar, rep_name varchar, team varchar, new_leads integer, "
    "opportunities_created integer, won_deals integer, won_amount double, win_rate double, "
    "avg_sales_cycle_days double, target_won_amount double, attainment double, crm_followups integer, "
    "wecom_messages_sent integer, open_deals integer, stalled_deals integer",
    "kpi_open_deal_alerts": "as_of_date date, opportunity_id varchar, reason varchar, owner_id varchar, team varchar, "
    "pipeline_key varchar, stage_key varchar, amount double, days_in_stage double, days_since_last_touch double, "
    "reason_detail varchar",
    "kpi_target_attainment": "month_start date, scope_type varchar, scope_id varchar, metric varchar, target double, "
    "actual double, attainment double, days_elapsed_share double, projected double, pipeline_coverage double",
    "kpi_forecast_monthly": "as_of_date date, month_start date, scope_type varchar, scope_id varchar, "
    "open_deals integer, open_pipeline_amount double, weighted_amount double, stage_weighted_amount double",
    "kpi_forecast_backtest": "as_of_date date, method varchar, deals integer, brier_score double",
    "kpi_new_customers_by_channel": "month_start date, lead_source varchar, new_leads integer, "
    "leads_with_opportunity integer, new_customers integer, new_customer_amount double",
}


def _months(first: date, count: int) -> list[date]:
    return [date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(count)]


def _rows() -> dict[str, list[tuple]]:
    march_to_august = _months(date(2026, 3, 1), 6)  # September has no won_amount row: shown as n/a, not shifted
    company = [(m, "company", "all", "won_amount", 1000.0 * i, None, 1000.0 * i) for i, m in enumerate(march_to_august)]
    company += [
        (OCT, "company", "all", "win_rate", 2, 3, 2 / 3),
        (OCT, "company", "all", "won_amount", 184000, None, 184000),
        (OCT, "company", "all", "won_deals", 2, None, 2),
        (OCT, "company", "all", "avg_sales_cycle_days", 100.6, 2, 50.3),
        (OCT, "company", "all", "lead_conversion_rate", 0, 0, None),
        (OCT, "company", "all", "new_leads", 12, None, 12),
        (OCT, "company", "all", "new_customers", 1, None, 1),
        (SEP, "company", "all", "win_rate", 1, 4, 0.25),
        (OCT, "rep", "u1", "won_amount", 999999, None, 999999),
        (NOV, "company", "all", "win_rate", 1, 2, 0.5),
    ]
    funnel = [
        (OCT, "default", "company", "all", "quote", 3, "contract", 20, 13, 0.65, 3.0, 2, False),
        (OCT, "default", "company", "all", "contract", 4, "won", 13, 5, 5 / 13, 11.7, 4, True),
        (OCT, "default", "rep", "u1", "quote", 3, "contract", 20, 1, 0.05, 3.0, 2, True),
        (OCT, "renewal", "company", "all", "renewal_review", 1, "won", 4, 3, 0.75, 9.0, 1, True),
    ]
    stages = [("default", "默认商机组", "default", s, zh, en) for s, zh, en in
              (("quote", "报价", "Quote"), ("contract", "合同", "Contract"), ("won", "赢单", "Won"))]  # fmt: skip
    reps = [("u1", "王芳"), ("u2", HOSTILE), ("u3", "李雷")]
    scorecard = [
        (OCT, "u1", "王芳", "华东", 5, 4, 2, 120000.0, 2 / 3, 40.0, 100000.0, 1.2, 9, 30, 3, 1),
        (OCT, "u2", HOSTILE, "华南", 3, 2, 1, 64000.0, 0.5, 61.0, 80000.0, 0.8, 4, 12, 2, 0),
        (OCT, "u3", "李雷", None, 4, 1, 0, 0.0, None, None, None, None, 0, 0, 1, 1),
    ]
    alerts = [
        (
            date(2026, 11, 28),
            f"O{i:02d}",
            "no_follow_up",
            "u1",
            "华东",
            "default",
            "quote",
            1000.0 * i,
            10.0,
            9.0,
            "quiet",
        )
        for i in range(1, 23)
    ]
    alerts.append((date(2026, 11, 28), "O01", "stalled", "u1", "华东", "default", "quote", 1000.0, 10.0, 9.0, "slow"))
    targets = [
        (NOV, "company", "all", "won_amount", 400000.0, 100000.0, 0.25, 0.5, 250000.0, 0.5),
        (NOV, "rep", "u1", "won_amount", 100000.0, 60000.0, 0.6, 0.5, 90000.0, 0.75),
        (OCT, "company", "all", "won_amount", 200000.0, 184000.0, 0.92, 1.0, 184000.0, None),
    ]
    forecast = [
        (date(2026, 11, 28), NOV, "company", "all", 3, 300000.0, 90000.0, 120000.0),
        (date(2026, 11, 28), date(2026, 12, 1), "company", "all", 5, 500000.0, 150000.0, 200000.0),
        (date(2026, 11, 28), date(2026, 12, 1), "rep", "u1", 1, 7.0, 7.0, 7.0),
        (date(2026, 11, 1), date(2026, 12, 1), "company", "all", 9, 123456789.0, 123456789.0, 123456789.0),
    ]
    backtest = [
        (date(2026, 9, 1), "model", 10, 0.1), (date(2026, 9, 1), "stage_probability", 10, 0.2),
        (date(2026, 10, 1), "model", 30, 0.2), (date(2026, 10, 1), "stage_probability", 30, 0.3),
    ]  # fmt: skip
    channels = [
        (OCT, "转介绍", 4, 2, 1, 50000.0),
        (OCT, "抖音", 8, 3, 0, 0.0),
        (SEP, "转介绍", 2, 1, 2, 30000.0),
    ]
    return {
        "kpi_monthly": company,
        "kpi_stage_conversion": funnel,
        "dim_stages": stages,
        "dim_reps": reps,
        "kpi_rep_scorecard": scorecard,
        "kpi_open_deal_alerts": alerts,
        "kpi_target_attainment": targets,
        "kpi_forecast_monthly": forecast,
        "kpi_forecast_backtest": backtest,
        "kpi_new_customers_by_channel": channels,
    }


def build_marts(path: Path, skip: tuple[str, ...] = ()) -> Path:
    """A published marts file: tables in its default schema, so `marts.<table>` resolves as in production."""
    with duckdb.connect(str(path)) as con:
        for table, rows in _rows().items():
            if table in skip:
                continue
            con.execute(f"create table {table} ({TABLES[table]})")
            con.executemany(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)
    return path


@pytest.fixture
def page(tmp_path: Path) -> str:
    with duckdb.connect(str(build_marts(tmp_path / "marts.duckdb")), read_only=True) as con:
        return render(con)


def _section(page: str, anchor: str) -> str:
    return re.search(f'<section id="{anchor}">(.*?)</section>', page, re.S).group(1)


def _rows_of(html: str) -> list[list[str]]:
    """Table body rows as lists of cell texts (tags stripped)."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_latest_full_month_with_the_latest_data_date(page):
    assert "<title>销售KPI报告 Sales KPI report — 2026-10</title>" in page
    assert "数据截至 Data through: 2026-11-28." in page
    assert '<a href="validation.html">' in page


def test_headline_kpis_are_company_scope_and_formatted(page):
    headline = _section(page, "headline")
    assert '成交率 Win rate</div><div class="value">66.7%</div><div class="detail">2 / 3 · 2026-09: 25.0%' in headline
    assert '成交金额 Won amount (CNY)</div><div class="value">184,000</div>' in headline
    assert '<div class="value">50.3 days</div>' in headline
    assert '线索转化率 Lead conversion</div><div class="value">n/a</div>' in headline
    assert "999,999" not in page  # a rep's KPI is not the company's


def test_trend_covers_the_six_months_ending_with_the_report_month(page):
    headline = _section(page, "headline")
    header = re.search(r"<thead>(.*?)</thead>", headline.split('class="note"')[1], re.S).group(1)
    assert re.findall(r"\d{4}-\d{2}", header) == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    won = next(row for row in _rows_of(headline) if row[0] == "成交金额 Won amount (CNY)")
    assert won[1:] == ["2,000", "3,000", "4,000", "5,000", "n/a", "184,000"]


def test_funnel_marks_the_bottleneck_and_reads_as_steps(page):
    funnel = _section(page, "funnel")
    bottleneck_rows = re.findall(r'<tr class="bottleneck">(.*?)</tr>', funnel, re.S)
    assert len(bottleneck_rows) == 2  # one per pipeline, company scope only
    assert "合同 Contract" in bottleneck_rows[0] and "瓶颈 Bottleneck" in bottleneck_rows[0]
    assert "报价 → 合同 (quote → contract): 65.0% advance, 3.0 days on average; 2 lost here" in funnel
    assert "<strong>瓶颈 Bottleneck: 合同 → 赢单 (contract → won): 38.5% advance, 11.7 days" in funnel
    assert "renewal_review → won: 75.0% advance, 9.0 days on average" in funnel  # no names: keys
    assert funnel.index("默认商机组 default") < funnel.index("<h3>renewal</h3>")
    assert len(_rows_of(funnel)) == 3  # company scope only: not the rep's funnel


def test_scorecard_lists_every_rep_by_won_amount_and_escapes_names(page):
    reps = _section(page, "reps")
    rows = _rows_of(reps)
    assert [row[0] for row in rows] == ["王芳 (u1)", "&lt;script&gt;alert(1)&lt;/script&gt; (u2)", "李雷 (u3)"]
    assert rows[0][5:10] == ["120,000", "66.7%", "40.0 days", "100,000", "120.0%"]
    assert rows[2][1] == "-" and rows[2][6] == "n/a"
    assert HOSTILE not in page and "<script" not in page


def test_alerts_count_reasons_and_list_the_top_twenty_deals(page):
    alerts = _section(page, "alerts")
    assert "22 open deals flagged as of 2026-11-28" in alerts
    counts, deals = _rows_of(alerts.split("<h3>")[0]), _rows_of(alerts.split("<h3>")[1])
    assert [row[:2] for row in counts] == [["停滞 Stalled", "1"], ["未跟进 No follow-up", "22"],
                                           ["逾期 Overdue", "0"], ["计划跟进逾期 Follow-up overdue", "0"],
                                           ["跳过必经阶段 Skipped stage", "0"]]  # fmt: skip
    assert len(deals) == 20
    assert deals[0][0] == "O01" and deals[0][4] == "未跟进 No follow-up, 停滞 Stalled"  # two reasons first
    assert [row[0] for row in deals[1:4]] == ["O22", "O21", "O20"]  # then the largest amount
    assert deals[0][1] == "王芳" and deals[0][3] == "报价 Quote"


def test_targets_show_pace_for_the_running_month(page):
    targets = _section(page, "targets")
    assert "2026-11, month in progress: 50.0% of it elapsed" in targets
    company, rep = _rows_of(targets)
    assert company[0] == "公司 Company: all" and company[4] == "25.0%" and company[6] == "落后 Behind"
    assert rep[0] == "销售 Rep: 王芳" and rep[6] == "领先 Ahead" and rep[8] == "90.0%"
    assert "2026-10 (full month) 成交金额 Won amount: 184,000 / 200,000 = 92.0%" in targets


def test_forecast_uses_the_latest_as_of_date_and_compares_brier_scores(page):
    forecast = _section(page, "forecast")
    months = _rows_of(forecast.split("<h3>")[0])
    assert [row[0] for row in months] == ["2026-11", "2026-12"]
    assert months[1][1:] == ["5", "500,000", "150,000", "200,000", "n/a", "n/a"]
    assert months[0][5:] == ["400,000", "22.5%"]  # target of November, model / target
    assert "123,456,789" not in forecast
    assert "模型 model 0.175, 阶段概率 stage probability 0.275. The model&#x27;s score is 36% lower." in forecast
    assert _rows_of(forecast.split("<h3>")[1])[0] == ["2026-09-01", "10", "0.100", "0.200"]


def test_new_customers_by_source(page):
    rows = _rows_of(_section(page, "channels"))
    assert rows[0][0] == "转介绍" and rows[0][1:6] == ["4", "2", "1", "50,000", "3"]
    assert rows[1][0] == "抖音" and rows[1][3] == "0"


def test_self_contained_no_urls_no_scripts(page):
    lowered = page.lower()
    for forbidden in ("http://", "https://", "<script", "src=", "url(", "@import", "<link"):
        assert forbidden not in lowered
    assert "<svg" in page  # the charts are inline


def test_deterministic(tmp_path):
    path = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        first = render(con)
    with duckdb.connect(str(path), read_only=True) as con:
        assert render(con) == first


def test_missing_tables_give_no_data_sections(tmp_path):
    path = build_marts(tmp_path / "marts.duckdb", skip=("kpi_open_deal_alerts", "kpi_forecast_backtest", "dim_stages"))
    with duckdb.connect(str(path), read_only=True) as con:
        page = render(con)
    assert NO_DATA in _section(page, "alerts")
    forecast = _section(page, "forecast")
    assert "回测 Backtest" not in forecast and "150,000" in forecast
    assert "quote → contract: 65.0% advance" in _section(page, "funnel")  # keys without dim_stages
    assert NO_DATA not in _section(page, "headline")


def test_empty_marts_render_every_section_as_no_data(tmp_path):
    with duckdb.connect(str(tmp_path / "marts.duckdb")) as con:
        page = render(con)
    assert page.count(NO_DATA) == len(kpi_report.SECTIONS)
    assert "No KPI data yet." in page


def test_write_replaces_the_page_beside_the_validation_report(tmp_path):
    reports = tmp_path / "reports"
    assert kpi_report.write(reports, "one") == reports / "kpi_report.html"
    kpi_report.write(reports, "two")
    assert (reports / "kpi_report.html").read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in reports.iterdir()) == ["kpi_report.html"]


def test_labels_follow_the_configured_currency_and_time_zone(tmp_path):
    path = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("create table dim_reporting_settings as select 'America/Sao_Paulo' as business_timezone, "
                    "'BRL' as reporting_currency")  # fmt: skip
    with duckdb.connect(str(path), read_only=True) as con:
        page = render(con)
    assert '成交金额 Won amount (BRL)</div><div class="value">184,000</div>' in page
    assert "Amounts in BRL." in page and "business time (America/Sao_Paulo)" in page
    assert "CNY" not in page and "Asia/Shanghai" not in page
