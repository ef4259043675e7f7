"""The managers' KPI report: one static, self-contained HTML page, in one language, rendered from the published marts.

`render(con, month, lang)` reads the marts (queries in `reporting.queries`, shared with `stagewise kpi`) for the
latest full month of data (or `month`), with the 12 months up to it for the trends, and returns the page: headline
KPIs, the funnel with its bottleneck, targets and pace, the rep leaderboard, open-deal alerts, the forecast with
its backtest, new customers by source. Labels come from the catalogue (`labels.yml`), the layout from the Jinja2
templates in `templates/` (autoescaped), the charts from Vega-Lite as inline SVG (`charts`). Inline CSS and SVG only:
no script, no external URL. Nothing reads the wall clock, so the same marts give the same bytes. A section whose
table is missing or empty says "no data".
"""

from __future__ import annotations

import os
from datetime import date
from functools import cache
from pathlib import Path

import duckdb

from reporting import queries as q
from reporting.html import blocks
from reporting.html.labels import DEFAULT_LANGUAGE, Labels
from reporting.html.outlook import alerts_section, forecast_section, targets_section
from reporting.html.results import channels_section, funnel_section, headline_section, scorecard_section

REPORT_NAME = "kpi_report.html"  # the Chinese page; other languages add theirs: kpi_report.en.html
VALIDATION_REPORT = "validation.html"  # written beside this report by the GX checks
TEMPLATES = Path(__file__).with_name("templates")
SECTIONS = ("headline", "funnel", "targets", "reps", "alerts", "forecast", "channels")


def report_name(lang: str = DEFAULT_LANGUAGE) -> str:
    """The page's file name in `lang`: kpi_report.html in Chinese, kpi_report.<lang>.html otherwise."""
    return REPORT_NAME if lang == DEFAULT_LANGUAGE else REPORT_NAME.replace(".html", f".{lang}.html")


@cache
def _environment():  # noqa: ANN202 - jinja2 is imported here, with the first page
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for kind in blocks.BLOCKS:  # `{% if block is table %}`
        env.tests[kind.__name__.lower()] = lambda value, kind=kind: isinstance(value, kind)
    # The one piece of markup put in the page as it is: a chart's SVG (shapes and escaped text, see charts.render).
    env.filters["svg"] = lambda chart: Markup(chart.svg)
    return env


def _sections(con: duckdb.DuckDBPyConnection, month: date | None, t: Labels) -> dict[str, list]:
    parts = {"alerts": alerts_section(con, t), "forecast": forecast_section(con, t)}
    if month is not None:
        parts |= {
            "headline": headline_section(con, month, t),
            "funnel": funnel_section(con, month, t),
            "targets": targets_section(con, month, q.latest_month(con), t),
            "reps": scorecard_section(con, month, t),
            "channels": channels_section(con, month, t),
        }
    return parts


def render(con: duckdb.DuckDBPyConnection, month: date | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The whole page for `month` (default: the latest full month of data) in `lang` (zh or en)."""
    t = Labels(lang)
    month = month or q.latest_full_month(con)
    latest, settings = q.latest_data_date(con), q.reporting_settings(con)
    parts = _sections(con, month, t)
    meta = [t("page.month", month=f"{month:%Y-%m}") if month else t("page.no_kpis")]
    meta += [t("page.data_through", date=f"{latest:%Y-%m-%d}")] if latest else []
    meta += [t("page.business_time", timezone=settings.business_timezone),
             t("page.currency", currency=settings.reporting_currency)]  # fmt: skip
    template = _environment().get_template("page.html.j2")
    return template.render(
        t=t,
        html_lang="zh-CN" if lang == "zh" else lang,
        title=t("page.title") + (f" — {month:%Y-%m}" if month else ""),
        meta=" ".join(meta),
        validation=VALIDATION_REPORT,
        sections=[(anchor, t(f"section.{anchor}"), parts.get(anchor) or []) for anchor in SECTIONS],
    )


def write(reports_dir: Path, page: str, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write the page to `<reports_dir>/<report_name(lang)>` atomically: a reader never sees half a page."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    name = report_name(lang)
    target, staging = reports_dir / name, reports_dir / f"{name}.tmp"
    staging.write_text(page, encoding="utf-8")
    os.replace(staging, target)
    return target
