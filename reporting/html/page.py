"""The managers' KPI report: one static, self-contained HTML page rendered from the published marts.

`render(con)` reads the marts (queries in `reporting.queries`, shared with `stagewise kpi`) for the latest full month
of data, with the months before it for the trend, and returns the page: headline KPIs, the funnel with its bottleneck,
targets and pace, the rep scorecard, open-deal alerts, the forecast with its backtest, new customers by source.
Inline CSS and SVG only: no script, no external URL. Every value from the data is escaped. Nothing reads the wall
clock, so the same marts always give the same bytes. A section whose table is missing or empty says "no data".
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb

from reporting import queries as q
from reporting.html.markup import CSS, esc, section
from reporting.html.outlook import alerts_section, forecast_section, targets_section
from reporting.html.results import channels_section, funnel_section, headline_section, scorecard_section

REPORT_NAME = "kpi_report.html"
VALIDATION_REPORT = "validation.html"  # written beside this report by the GX checks


SECTIONS = (
    ("headline", "核心指标 Headline KPIs"),
    ("funnel", "销售漏斗 Funnel by stage"),
    ("targets", "目标达成 Targets and pace"),
    ("reps", "销售人员 Rep scorecard"),
    ("alerts", "商机预警 Open-deal alerts"),
    ("forecast", "业绩预测 Forecast"),
    ("channels", "新客户来源 New customers by source"),
)


def _section_parts(con: duckdb.DuckDBPyConnection, month: date | None) -> dict[str, list[str]]:
    parts = {"alerts": alerts_section(con), "forecast": forecast_section(con)}
    if month is not None:
        parts |= {
            "headline": headline_section(con, month),
            "funnel": funnel_section(con, month),
            "targets": targets_section(con, month, q.latest_month(con)),
            "reps": scorecard_section(con, month),
            "channels": channels_section(con, month),
        }
    return parts


def render(con: duckdb.DuckDBPyConnection, month: date | None = None) -> str:
    """The whole page for `month` (default: the latest full month of data)."""
    month = month or q.latest_full_month(con)
    latest = q.latest_data_date(con)
    parts = _section_parts(con, month)
    body = "".join(section(anchor, title, parts.get(anchor)) for anchor, title in SECTIONS)
    title = "销售KPI报告 Sales KPI report" + (f" — {month:%Y-%m}" if month else "")
    nav = "".join(f'<a href="#{anchor}">{esc(label)}</a>' for anchor, label in SECTIONS)
    meta = f"报告月份 Report month: {month:%Y-%m} (latest full month of data). " if month else "No KPI data yet. "
    meta += f"数据截至 Data through: {latest:%Y-%m-%d}. " if latest else ""
    settings = q.reporting_settings(con)
    meta += f"Months and dates in business time ({settings.business_timezone}). "
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f"<style>{CSS}</style></head><body><main><h1>{esc(title)}</h1>"
        f'<p class="meta">{esc(meta)}Amounts in {esc(settings.reporting_currency)}. '
        f'<a href="{VALIDATION_REPORT}">数据校验报告 Data validation report'
        "</a></p>"
        f"<nav>{nav}</nav>{body}</main></body></html>\n"
    )


def write(reports_dir: Path, page: str) -> Path:
    """Write the page to `<reports_dir>/kpi_report.html` atomically: a reader never sees half a page."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    target, staging = reports_dir / REPORT_NAME, reports_dir / f"{REPORT_NAME}.tmp"
    staging.write_text(page, encoding="utf-8")
    os.replace(staging, target)
    return target
