"""The managers' HTML report, rendered in both languages from the tiny published marts of `tiny_marts`.

The pages are rendered once per module (each render draws its charts); the tests read them.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from reporting import html as kpi_report
from reporting.html import Labels, render
from reporting.html.outlook import win_reasons
from tests.reporting.tiny_marts import HOSTILE, build_marts

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
DATA_VALUES = ("王芳", "李雷", "华东", "华南", "转介绍", "抖音")  # rep, team and source names: data, not labels


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marts(tmp_path_factory.mktemp("tiny") / "marts.duckdb")


def _render(path: Path, lang: str) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return render(con, lang=lang)


@pytest.fixture(scope="module")
def en(marts: Path) -> str:
    return _render(marts, "en")


@pytest.fixture(scope="module")
def zh(marts: Path) -> str:
    return _render(marts, "zh")


def section(page: str, anchor: str) -> str:
    return re.search(f'<section id="{anchor}">(.*?)</section>', page, re.S).group(1)


def rows_of(html: str) -> list[list[str]]:
    """Table body rows as lists of cell texts (tags stripped)."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def without_charts(page: str) -> str:
    return re.sub(r"<svg.*?</svg>", "", page, flags=re.S)


def test_one_language_per_page_with_the_report_month_and_data_date(en, zh):
    assert '<html lang="en">' in en and "<title>Sales KPI report — 2026-10</title>" in en
    assert "Data through 2026-11-28." in en and '<a href="validation.html">Data validation report</a>' in en
    assert '<html lang="zh-CN">' in zh and "<title>销售KPI报告 — 2026-10</title>" in zh
    assert "数据截至 2026-11-28。" in zh and "Sales KPI report" not in zh


def test_the_english_page_has_no_chinese_label(en):
    text = en  # the charts' labels included
    for value in DATA_VALUES:
        text = text.replace(value, "")
    assert CJK.findall(text) == []
    for value in ("王芳", "转介绍"):  # data values stay as they are, in the tables and in the charts
        assert value in without_charts(en) and re.search(f"<svg.*{value}.*</svg>", en, re.S)


def test_headline_kpis_are_company_scope_and_formatted(en, zh):
    headline = section(en, "headline")
    assert 'Win rate</div><div class="value">66.7%</div><div class="detail">2 / 3 · 2026-09: 25.0%' in headline
    assert 'Won amount (CNY)</div><div class="value">184,000</div>' in headline
    assert '<div class="value">50.3 days</div>' in headline
    assert 'Lead conversion</div><div class="value">n/a</div>' in headline
    assert "999,999" not in en  # a rep's KPI is not the company's
    assert '成交率</div><div class="value">66.7%</div><div class="detail">2 / 3 · 2026-09：25.0%' in zh
    assert '<div class="value">50.3 天</div>' in zh and '线索转化率</div><div class="value">无</div>' in zh


def test_trend_covers_the_twelve_months_ending_with_the_report_month(en):
    headline = section(en, "headline")
    header = re.search(r"<thead>(.*?)</thead>", headline, re.S).group(1)
    assert re.findall(r"\d{4}-\d{2}", header) == [f"2025-{m}" for m in ("11", "12")] + [
        f"2026-{m:02d}" for m in range(1, 11)
    ]
    won = next(row for row in rows_of(headline) if row[0] == "Won amount (CNY)")
    assert won[5:] == ["0", "1,000", "2,000", "3,000", "4,000", "5,000", "n/a", "184,000"]


def test_funnel_marks_the_bottleneck_and_reads_as_steps(en, zh):
    funnel = section(en, "funnel")
    bottleneck_rows = re.findall(r'<tr class="bottleneck">(.*?)</tr>', funnel, re.S)
    assert len(bottleneck_rows) == 2  # one per pipeline, company scope only
    assert "Contract" in bottleneck_rows[0] and '<span class="badge">Bottleneck</span>' in bottleneck_rows[0]
    assert "<li>Quote → Contract: 65.0% advance, 3.0 days on average; 2 lost here</li>" in funnel
    assert "<strong>Bottleneck: Contract → Won: 38.5% advance, 11.7 days on average; 4 lost here" in funnel
    assert "renewal_review → won: 75.0% advance, 9.0 days on average" in funnel  # no names: keys
    assert funnel.index("<h3>default</h3>") < funnel.index("<h3>renewal</h3>")
    assert len(rows_of(funnel)) == 3  # company scope only: not the rep's funnel
    assert "<strong>瓶颈: 合同 → 赢单：38.5% 推进，平均 11.7 天；4 个在此流失" in section(zh, "funnel")
    assert "<h3>默认商机组</h3>" in zh


def test_scorecard_lists_every_rep_by_won_amount_and_escapes_names(en):
    reps = section(en, "reps")
    rows = rows_of(reps)
    assert [row[0] for row in rows] == ["王芳 (u1)", "&lt;script&gt;alert(1)&lt;/script&gt; (u2)", "李雷 (u3)"]
    assert rows[0][5:10] == ["120,000", "66.7%", "40.0 days", "100,000", "120.0%"]
    assert rows[2][1] == "-" and rows[2][6] == "n/a"
    assert HOSTILE not in en and "<script" not in en
    leaderboard = re.search(r'data-chart="leaderboard".*?</figure>', reps, re.S).group(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (u2)" in leaderboard and "120,000" in leaderboard


def test_alerts_count_reasons_and_list_the_top_twenty_deals(en, zh):
    alerts = section(en, "alerts")
    assert "22 open deals flagged as of 2026-11-28" in alerts
    counts, deals = rows_of(alerts.split("<h3>")[0]), rows_of(alerts.split("<h3>")[1])
    assert [row[:2] for row in counts] == [["Stalled", "1"], ["No follow-up", "22"], ["Overdue", "0"],
                                           ["Follow-up overdue", "0"], ["Skipped stage", "0"]]  # fmt: skip
    assert len(deals) == 20 and len(deals[0]) == 9  # no win-probability drivers in these marts
    assert deals[0][0] == "O01" and deals[0][4] == "No follow-up, Stalled"  # two reasons first
    assert [row[0] for row in deals[1:4]] == ["O22", "O21", "O20"]  # then the largest amount
    assert deals[0][1] == "王芳" and deals[0][3] == "Quote"
    assert rows_of(section(zh, "alerts").split("<h3>")[1])[0][3:5] == ["报价", "未跟进、停滞"]


def test_targets_show_pace_for_the_running_month(en, zh):
    targets = section(en, "targets")
    assert "2026-11, month in progress: 50.0% of it elapsed" in targets
    company, rep = rows_of(targets)
    assert company[0] == "Company" and company[4] == "25.0%" and company[6] == "Behind"
    assert rep[0] == "Rep: 王芳" and rep[6] == "Ahead" and rep[8] == "90.0%"
    assert '<span class="mark" style="left:50.0%">' in targets
    assert "2026-10 (full month) Won amount: 184,000 / 200,000 = 92.0%" in targets
    assert "2026-10（整月）成交金额：184,000 / 200,000 = 92.0%" in section(zh, "targets")


def test_forecast_uses_the_latest_as_of_date_and_compares_brier_scores(en):
    forecast = section(en, "forecast")
    months = rows_of(forecast.split("<h3>")[0])
    assert [row[0] for row in months] == ["2026-11", "2026-12"]
    assert months[1][1:] == ["5", "500,000", "150,000", "200,000", "n/a", "n/a"]
    assert months[0][5:] == ["400,000", "22.5%"]  # target of November, model / target
    assert "123,456,789" not in forecast
    assert "model 0.175, stage probability 0.275.The model&#39;s score is 36% lower." in forecast
    assert rows_of(forecast.split("<h3>")[1])[0] == ["2026-09-01", "10", "0.100", "0.200"]


def test_a_forecast_switched_to_the_stage_probabilities_says_so_in_both_languages(tmp_path):
    marts = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts)) as con:
        con.execute("alter table kpi_forecast_monthly add column weighted_method varchar default 'stage_probability'")
        con.execute("alter table kpi_forecast_monthly add column weighted_method_reason varchar default 'worse lately'")
    en, zh = section(_render(marts, "en"), "forecast"), section(_render(marts, "zh"), "forecast")
    assert "the model-weighted column uses the stage probabilities." in en
    assert "已改用阶段概率加权" in zh and "worse lately" not in zh
    assert "uses the stage probabilities" not in section(_render(build_marts(tmp_path / "m2.duckdb"), "en"), "forecast")


def test_new_customers_by_source(en):
    rows = rows_of(section(en, "channels"))
    assert rows[0][0] == "转介绍" and rows[0][1:6] == ["4", "2", "1", "50,000", "3"]
    assert rows[1][0] == "抖音" and rows[1][3] == "0"


def test_every_chart_is_inline_svg_with_marks(en):
    charts = re.findall(r'<figure class="chart" data-chart="(\w+)"[^>]*>(.*?)</figure>', en, re.S)
    assert [name for name, _ in charts] == ["trend", "funnel", "leaderboard", "forecast", "channels"]
    for name, svg in charts:
        assert svg.startswith("<svg") and svg.count("<svg") == 1, name
        assert re.search(r'class="mark-(rect|line|symbol|tick)[^"]*role-mark', svg), name


def test_self_contained_no_urls_no_scripts(en):
    lowered = re.sub(r'xmlns(:xlink)?="[^"]*"', "", en).lower()  # SVG namespace names are not fetched
    for forbidden in ("http://", "https://", "<script", "src=", "url(", "@import", "<iframe"):
        assert forbidden not in lowered
    assert re.findall(r"<link[^>]*>", en) == ['<link rel="icon" href="data:,">']  # no icon to fetch


def test_deterministic(marts, en):
    assert _render(marts, "en") == en


def test_empty_marts_render_every_section_as_no_data(tmp_path):
    with duckdb.connect(str(tmp_path / "marts.duckdb")) as con:
        page = render(con, lang="zh")
    assert page.count('<p class="nodata">暂无数据</p>') == len(kpi_report.SECTIONS)
    assert "暂无KPI数据。" in page and "<svg" not in page


def test_write_names_the_page_by_language(tmp_path):
    reports = tmp_path / "reports"
    assert kpi_report.write(reports, "one") == reports / "kpi_report.html"
    kpi_report.write(reports, "two")
    assert kpi_report.write(reports, "three", "en") == reports / "kpi_report.en.html"
    assert (reports / "kpi_report.html").read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in reports.iterdir()) == ["kpi_report.en.html", "kpi_report.html"]


def test_older_and_newer_marts(tmp_path):
    """Without the backtest nor dim_stages (older marts); with the reporting settings and the win-probability
    drivers of the alerts (newer marts)."""
    path = build_marts(tmp_path / "marts.duckdb", skip=("kpi_forecast_backtest", "dim_stages"))
    with duckdb.connect(str(path)) as con:
        con.execute("create table dim_reporting_settings as select 'America/Sao_Paulo' as business_timezone, "
                    "'BRL' as reporting_currency")  # fmt: skip
        con.execute("alter table kpi_open_deal_alerts add column p_win_reasons varchar")
        con.execute("alter table kpi_open_deal_alerts add column p_win_reasons_zh varchar")
        con.execute("update kpi_open_deal_alerts set p_win_reasons = 'quiet for weeks', p_win_reasons_zh = '久未联系'")
    zh = _render(path, "zh")
    assert '成交金额（BRL）</div><div class="value">184,000</div>' in zh
    assert "金额单位：BRL。" in zh and "业务时区（America/Sao_Paulo）" in zh
    assert "CNY" not in zh and "Asia/Shanghai" not in zh
    assert "<th>赢单概率依据</th>" in zh and rows_of(section(zh, "alerts").split("<h3>")[1])[0][-1] == "久未联系"
    forecast = section(zh, "forecast")
    assert "回测" not in forecast and "150,000" in forecast
    assert "quote → contract：65.0% 推进" in section(zh, "funnel")  # keys without dim_stages


def test_win_probability_drivers_follow_the_page_language():
    deal = {"p_win_reasons": "quiet for weeks", "p_win_reasons_zh": "久未联系"}
    assert (win_reasons(Labels("zh"), deal), win_reasons(Labels("en"), deal)) == ("久未联系", "quiet for weeks")
    english_only = {"p_win_reasons": "quiet for weeks"}
    assert (win_reasons(Labels("zh"), english_only), win_reasons(Labels("en"), {})) == ("quiet for weeks", None)
