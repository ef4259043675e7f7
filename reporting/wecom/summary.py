"""The WeCom morning summary and the failure notice, as robot markdown (Chinese: the managers' language).

`morning_summary(con, report)` reads the published marts through `reporting.queries` (each query once) and
writes: the latest full month's headline KPIs with the change from the month before, the funnel's bottleneck,
the running month's company target pace, the top open-deal alerts with their owners, and where the full report
is. It names deals, reps and figures only: never a mobile number or a message's text. Lines are dropped from
the end of the alert list until the message fits the robot's 4096 bytes.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from reporting import queries as q
from reporting.formatting import fmt
from reporting.wecom.robot import MAX_CONTENT_BYTES, redact_mobiles

# (kpi, label, unit of the value, unit of the change from last month)
SUMMARY_KPIS = (
    ("won_amount", "赢单金额", "amount", "pct"),
    ("won_deals", "赢单数", "count", "count"),
    ("win_rate", "成交率", "pct", "pt"),
    ("new_customers", "新客户", "count", "count"),
    ("lead_conversion_rate", "线索转化率", "pct", "pt"),
    ("avg_sales_cycle_days", "平均销售周期", "days", "days"),
    ("avg_deal_size", "平均客单价", "amount", "pct"),
)
REASON_LABELS = {
    "stalled": "停滞",
    "no_follow_up": "未跟进",
    "overdue": "逾期",
    "overdue_follow_up": "跟进逾期",
    "skipped_stage": "跳过阶段",
}
TOP_ALERTS = 5


def _change(value: float | None, before: float | None, unit: str) -> str:
    """The change from last month: relative for amounts, points for rates, plain for counts and days."""
    if value is None or before is None:
        return "上月无可比"
    if unit == "pct":
        return f"环比 {(value - before) / before:+.1%}" if before else "上月为0"
    if unit == "pt":
        return f"环比 {(value - before) * 100:+.1f}个百分点"
    if unit == "days":
        return f"环比 {value - before:+.1f}天"
    return f"环比 {value - before:+,.0f}"


def kpi_lines(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    previous = (month - timedelta(days=1)).replace(day=1)
    by_month = q.company_kpis(con, previous, month)
    now, before = by_month.get(month, {}), by_month.get(previous, {})
    currency = q.reporting_currency(con)
    lines = []
    for kpi, label, unit, change_unit in SUMMARY_KPIS:
        if kpi not in now:
            continue
        value = now[kpi].value
        shown = f"{value:.1f}天" if unit == "days" and value is not None else fmt(value, unit)
        shown += f" {currency}" if unit == "amount" and value is not None else ""
        earlier = before[kpi].value if kpi in before else None
        lines.append(f'> {label}: **{shown}** <font color="comment">{_change(value, earlier, change_unit)}</font>')
    return lines


def bottleneck_lines(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    names, pipelines = q.stage_names(con), q.pipeline_names(con)
    lines = []
    for row in q.funnel(con, month):
        if row["is_bottleneck"]:
            stage = (names.get((row["pipeline_key"], row["stage_key"])) or (None, None))[0] or row["stage_key"]
            pipeline = (pipelines.get(row["pipeline_key"]) or (None, None))[0] or row["pipeline_key"]
            lines.append(
                f"瓶颈阶段: **{stage}** ({pipeline}) 推进率 {fmt(row['conversion_rate'], 'pct')}, "
                f"流失 {row['lost_here']}"
            )
    return lines


def pace_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    running = q.latest_month(con)
    rows = [r for r in q.targets(con, running, company_only=True) if r["metric"] == "won_amount"] if running else []
    if not rows:
        return []
    row = rows[0]
    return [
        f"本月目标进度 ({running:%Y-%m}): 完成 **{fmt(row['attainment'], 'pct0')}**, 时间已过 "
        f"{fmt(row['days_elapsed_share'], 'pct0')}, 预计 {fmt(row['projected'], 'amount')} / 目标 "
        f"{fmt(row['target'], 'amount')}"
    ]


def alert_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    summary = q.alert_summary(con)
    if summary is None or not summary.deals:
        return []
    reps = q.rep_names(con)
    lines = [f"**待处理商机预警** {summary.deals} 个 (截至 {summary.as_of:%Y-%m-%d}):"]
    for deal in q.deals_to_review(con, TOP_ALERTS):
        owner = reps.get(deal["owner_id"]) or deal["owner_id"] or "无负责人"
        reasons = "、".join(REASON_LABELS.get(reason, reason) for reason in deal["reasons"])
        lines.append(f"- {deal['opportunity_id']} · {owner} · {reasons} · {fmt(deal['amount'], 'amount')}")
    return lines


def morning_summary(con: duckdb.DuckDBPyConnection, report: str, month: date | None = None) -> str:
    """The morning message of the published marts `con`; `report` says where the full report is (path or URL)."""
    month = month or q.latest_full_month(con)
    if month is None:
        return f"### 销售晨报\n暂无KPI数据。\n完整报告: {report}"
    head = [f"### 销售晨报 · {month:%Y-%m}"] + kpi_lines(con, month) + bottleneck_lines(con, month)
    head += pace_lines(con)
    tail = [f"完整报告: [{report}]({report})" if report.startswith("http") else f"完整报告: {report}"]
    alerts = alert_lines(con)
    while True:  # drop alerts from the end (then their heading) until the message fits
        content = redact_mobiles("\n".join(head + alerts + tail))
        if len(content.encode("utf-8")) <= MAX_CONTENT_BYTES or not alerts:
            return content
        alerts = alerts[:-1] if len(alerts) > 2 else []


def failure_notice(reasons: list[str], log_path: str, when: str) -> str:
    """A short notice of a failed run: what failed (error messages, which may quote data, are cut at their first
    colon) and where the full log is."""
    failed = "; ".join(reason.split(":", 1)[0] for reason in reasons[:5]) or "definitions could not be loaded"
    return redact_mobiles(
        f'### <font color="warning">stagewise 运行失败</font>\n> {when}\n> 失败: {failed}\n'
        f"> 已发布的数据保持上次成功运行的结果。日志: {log_path}"
    )
