"""The KPI report of the session's reference warehouse, in both languages: real values, and a real browser.

The browser test serves the two pages from 127.0.0.1 and opens them in headless Chromium (Debian's `chromium`,
driven by playwright, which never downloads a browser of its own) at phone and desktop width: no console error,
no failed request, every chart drawn, one column and no sideways scrolling on a phone. Screenshots are saved under
the test's temp folder. Under CI (`CI` set) a missing Chromium fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.cli import main
from reporting import html as kpi_report
from reporting.formatting import fmt
from reporting.queries import latest_full_month
from storage import WarehouseFiles, connect

CHARTS = ["trend", "funnel", "leaderboard", "forecast", "channels"]
WIDTHS = {"phone": 390, "desktop": 1280}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip


@pytest.fixture(scope="module")
def pages(reference, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Chinese page the reference run wrote, and the English one `stagewise report --lang en` writes."""
    out = tmp_path_factory.mktemp("report")
    shutil.copy(WarehouseFiles(reference.warehouse).reports_dir / kpi_report.REPORT_NAME, out)
    assert main(["report", "--warehouse", str(reference.warehouse), "--lang", "en", "--out", str(out)]) == 0
    return out


def test_the_pages_show_the_reference_kpis(reference, pages):
    with connect(reference.published, read_only=True) as con:
        month = latest_full_month(con)
        win_rate, cycle = con.execute(
            "select max(value) filter (where kpi = 'win_rate'), max(value) filter (where kpi = 'avg_sales_cycle_days') "
            "from marts.kpi_monthly where month_start = ? and scope_type = 'company'",
            [month],
        ).fetchone()
        top_rep = con.execute(
            "select rep_name, won_amount from marts.kpi_rep_scorecard where month_start = ? "
            "order by won_amount desc, won_deals desc, rep_id limit 1",
            [month],
        ).fetchone()
    zh = (pages / "kpi_report.html").read_text(encoding="utf-8")
    en = (pages / "kpi_report.en.html").read_text(encoding="utf-8")
    assert f"<title>Sales KPI report — {month:%Y-%m}</title>" in en
    assert f'Win rate</div><div class="value">{fmt(win_rate, "pct")}</div>' in en
    assert f'成交率</div><div class="value">{fmt(win_rate, "pct")}</div>' in zh
    assert f'<div class="value">{cycle:.1f} days</div>' in en and f'<div class="value">{cycle:.1f} 天</div>' in zh
    reps = re.search(r'<section id="reps">.*?<tbody>\s*<tr><td class="t">([^<]*)</td>', en, re.S).group(1)
    assert reps.startswith(top_rep[0]) and fmt(top_rep[1], "amount") in en
    for page in (zh, en):
        assert re.findall(r'data-chart="(\w+)"', page) == CHARTS
        assert 'class="nodata"' not in page  # the reference has every table


def _chromium() -> str:
    path = os.environ.get("STAGEWISE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "no chromium binary (Debian: apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser test must run under CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(pages: Path) -> Iterator[str]:
    """The report folder over HTTP on 127.0.0.1 (a free port), quietly."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(pages)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


# Per chart: whether it holds exactly one SVG with at least one drawn data mark (non-empty box), and its width.
CHART_STATE = """() => [...document.querySelectorAll('figure.chart')].map(figure => {
  const svgs = figure.querySelectorAll('svg');
  const marks = svgs.length ? [...svgs[0].querySelectorAll('g.role-mark > path, g.role-mark > text')] : [];
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length;
  return {name: figure.dataset.chart, svgs: svgs.length, drawn: drawn,
          width: svgs.length ? svgs[0].getBoundingClientRect().width : 0};
})"""
LAYOUT = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  columns: getComputedStyle(document.querySelector('.cards')).gridTemplateColumns.split(' ').length})"""


def _check(page, seen: str, width: int, phone: bool) -> None:  # noqa: ANN001 - a playwright Page
    page.set_viewport_size({"width": width, "height": 900})
    charts, layout = page.evaluate(CHART_STATE), page.evaluate(LAYOUT)
    assert [c["name"] for c in charts] == CHARTS, seen
    for chart in charts:
        assert chart["svgs"] == 1 and chart["drawn"] > 0, f"{seen}: chart {chart['name']} not drawn"
        assert 0 < chart["width"] <= width, f"{seen}: chart {chart['name']} is {chart['width']}px wide"
    assert layout["scroll"] <= layout["inner"], f"{seen}: the page scrolls sideways: {layout}"
    assert layout["columns"] == (1 if phone else 4), f"{seen}: {layout['columns']} columns of cards"


def test_the_pages_in_a_real_browser(server: str, tmp_path: Path):
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # the dev extra
        pytest.fail(f"playwright is not installed ({exc}): pip install -e '.[dev]'")
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900})
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        for lang in kpi_report.LANGUAGES:
            response = page.goto(f"{server}/{kpi_report.report_name(lang)}", wait_until="load")
            assert response is not None and response.ok, lang
            assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
            for device, width in WIDTHS.items():
                _check(page, f"{lang} at {width}px", width, phone=device == "phone")
                page.screenshot(path=str(tmp_path / f"kpi_report-{lang}-{device}.png"), full_page=device == "phone")
        browser.close()
    assert problems == []
    assert len(list(tmp_path.glob("kpi_report-*.png"))) == len(kpi_report.LANGUAGES) * len(WIDTHS)
