"""The managers' KPI report: one static, self-contained HTML page rendered from the published marts.

`render(con)` reads the marts (queries in `marts_queries`, shared with `stagewise kpi`) for the latest full month of
data, with the months before it for the trend, and returns the page: headline KPIs, the funnel with its bottleneck,
targets and pace, the rep scorecard, open-deal alerts, the forecast with its backtest, new customers by source.
Inline CSS and SVG only: no script, no external URL. Every value from the data is escaped. Nothing reads the wall
clock, so the same marts always give the same bytes. A section whose table is missing or empty says "no data".
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import duckdb

from orchestration.lib import marts_queries as q

REPORT_NAME = "kpi_report.html"
VALIDATION_REPORT = "validation.html"  # written beside this report by the GX checks
TREND_MONTHS = 6
FORECAST_MONTHS = 3
DEALS_TO_REVIEW = 20
NO_DATA = "暂无数据 No data"
CARD_KPIS = (
    ("win_rate", "成交率 Win rate", "pct"),
    ("lead_conversion_rate", "线索转化率 Lead conversion", "pct"),
    ("avg_sales_cycle_days", "平均销售周期 Avg sales cycle", "days"),
    ("won_deals", "赢单数 Won deals", "count"),
    ("won_amount", "成交金额 Won amount ({currency})", "amount"),
    ("new_leads", "新增线索 New leads", "count"),
    ("new_customers", "新客户 New customers", "count"),
    ("avg_deal_size", "平均成交金额 Avg deal size ({currency})", "amount"),
)
REASONS = {
    "stalled": "停滞 Stalled",
    "no_follow_up": "未跟进 No follow-up",
    "overdue": "逾期 Overdue",
    "overdue_follow_up": "计划跟进逾期 Follow-up overdue",
    "skipped_stage": "跳过必经阶段 Skipped stage",
}
METRICS = {
    "won_amount": "成交金额 Won amount",
    "won_deals": "赢单数 Won deals",
    "new_customers": "新客户 New customers",
}
SCOPES = {"company": "公司 Company", "team": "团队 Team", "rep": "销售 Rep"}
CSS = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}main{max-width:1180px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin:0 0 12px;font-size:20px}
section{background:#fff;border-radius:8px;padding:18px 22px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.meta,.note{color:#52606d;font-size:13px}nav a{margin-right:14px;font-size:14px}a{color:#1d64c8}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}.card{border:1px solid #e4e7eb;border-radius:6px;
padding:10px 12px}.card .label{font-size:13px;color:#52606d}.card .value{font-size:24px;font-weight:600;margin:2px 0}
.card .detail{font-size:12px;color:#7b8794}table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}th{background:#f0f4f8}
.t{text-align:left}th{white-space:normal;vertical-align:bottom}
.wrap{white-space:normal;text-align:left;min-width:240px;max-width:360px}
tr.bottleneck td{background:#fff3e0;font-weight:600}.badge{background:#d9480f;color:#fff;border-radius:3px;
padding:1px 5px;font-size:11px;margin-left:4px}.good{color:#2f9e44}.bad{color:#c92a2a}ul.steps li{margin:3px 0}
.nodata{color:#7b8794;font-style:italic}svg text{font-size:10px;fill:#52606d}
"""


class Html(str):
    """Markup built here; any other value put in the page goes through `html.escape`."""


def _e(value: object) -> Html:
    return value if isinstance(value, Html) else Html(html.escape(str(value)))


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "pct":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:,.0f}"


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], classes: Sequence[str] = (), text: int = 1
) -> Html:
    """A table; the first `text` columns are left-aligned text, the others right-aligned figures."""
    align = [' class="t"' if j < text else "" for j in range(len(headers))]
    head = "".join(f"<th{align[j]}>{_e(h)}</th>" for j, h in enumerate(headers))
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        cells = "".join(f"<td{align[j]}>{_e(c)}</td>" for j, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return Html(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _section(anchor: str, title: str, parts: Sequence[str] | None) -> Html:
    content = "".join(_e(p) for p in parts) if parts else f'<p class="nodata">{NO_DATA}</p>'
    return Html(f'<section id="{anchor}"><h2>{_e(title)}</h2>{content}</section>')


def _bar(fraction: float | None, marker: float | None = None, width: int = 110) -> Html:
    """A horizontal bar for a share in [0, 1] (capped), with an optional pace marker."""
    filled = 0 if fraction is None else round(max(0.0, min(fraction, 1.0)) * width)
    colour = "#2f9e44" if fraction is not None and marker is not None and fraction >= marker else "#1d64c8"
    tick = ""
    if marker is not None:
        x = round(max(0.0, min(marker, 1.0)) * width)
        tick = f'<line x1="{x}" y1="0" x2="{x}" y2="12" stroke="#d9480f" stroke-width="2"/>'
    return Html(
        f'<svg width="{width}" height="12" role="img"><rect width="{width}" height="12" fill="#e4e7eb"/>'
        f'<rect width="{filled}" height="12" fill="{colour}"/>{tick}</svg>'
    )


def _spark(values: Sequence[float | None], labels: Sequence[str]) -> Html:
    """Small vertical bars, one per month, the last one highlighted; each bar has its value as a tooltip."""
    top = max((v for v in values if v is not None), default=0) or 1
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = 0 if value is None else round(max(value, 0) / top * 34)
        fill = "#1d64c8" if i == len(values) - 1 else "#9fb3c8"
        bars.append(
            f'<rect x="{i * 26 + 2}" y="{36 - h}" width="20" height="{h}" fill="{fill}">'
            f"<title>{_e(label)}</title></rect>"
        )
    ends = f'<text x="2" y="48">{_e(labels[0][:7])}</text><text x="{len(values) * 26 - 36}" y="48">'
    ends += f"{_e(labels[-1][:7])}</text>"
    return Html(f'<svg width="{len(values) * 26}" height="50" role="img">{"".join(bars)}{ends}</svg>')


def _grouped_bars(groups: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[tuple[str, str]]) -> Html:
    """Vertical grouped bars: one group per label, one bar per series (name, colour), with a legend."""
    top = max((v for _, values in groups for v in values if v is not None), default=0) or 1
    step, bar = len(series) * 22 + 30, 20
    shapes = []
    for g, (label, values) in enumerate(groups):
        for s, value in enumerate(values):
            h = 0 if value is None else round(max(value, 0) / top * 120)
            shapes.append(
                f'<rect x="{g * step + s * 22 + 10}" y="{130 - h}" width="{bar}" height="{h}" '
                f'fill="{series[s][1]}"><title>{_e(series[s][0])}: {_e(fmt(value, "amount"))}</title></rect>'
            )
        shapes.append(f'<text x="{g * step + 10}" y="144">{_e(label)}</text>')
    legend = "".join(
        f'<rect x="{i * 170 + 10}" y="152" width="10" height="10" fill="{colour}"/>'
        f'<text x="{i * 170 + 24}" y="161">{_e(name)}</text>'
        for i, (name, colour) in enumerate(series)
    )
    width = max(len(groups) * step + 20, len(series) * 170 + 20)
    return Html(f'<svg width="{width}" height="168" role="img">{"".join(shapes)}{legend}</svg>')


def _months_back(month: date, count: int) -> list[date]:
    """`count` month starts ending with `month`, oldest first."""
    index = month.year * 12 + month.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(count - 1, -1, -1)]


def _card(label: str, unit: str, value: q.KpiValue, before: q.KpiValue | None, trend: list, months: list) -> str:
    detail = ""
    if unit == "pct" and value.numerator is not None and value.denominator:
        detail = f"{value.numerator:,.0f} / {value.denominator:,.0f}"
    if before is not None:
        detail += f"{' · ' if detail else ''}{months[-2]:%Y-%m}: {fmt(before.value, unit)}"
    tips = [f"{m:%Y-%m}: {fmt(v, unit)}" for m, v in zip(months, trend, strict=True)]
    return (
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(fmt(value.value, unit))}</div>'
        f'<div class="detail">{_e(detail)}</div>{_spark(trend, tips)}</div>'
    )


def headline_section(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    months = _months_back(month, TREND_MONTHS)
    history = q.company_kpis(con, months[0], month)
    if not history.get(month):
        return []
    cards, trend_rows = [], []
    currency = q.reporting_currency(con)
    for kpi, label_pattern, unit in CARD_KPIS:
        label = label_pattern.format(currency=currency)
        trend = [history.get(m, {}).get(kpi, q.KpiValue(None, None, None)).value for m in months]
        trend_rows.append([label, *(fmt(v, unit) for v in trend)])
        if kpi in history[month]:
            cards.append(_card(label, unit, history[month][kpi], history.get(months[-2], {}).get(kpi), trend, months))
    return [
        Html(f'<div class="cards">{"".join(cards)}</div>'),
        Html(f'<p class="note">近{TREND_MONTHS}个月趋势 Trend over {TREND_MONTHS} months (company)</p>'),
        _table(["指标 KPI", *(f"{m:%Y-%m}" for m in months)], trend_rows),
    ]


def _stage_label(names: dict, pipeline: str, state: str | None) -> str:
    zh, en = names.get((pipeline, state), (None, None))
    return " ".join(part for part in (zh, en) if part) or str(state)


def step_sentence(names: dict, row: dict) -> str:
    """ "报价 → 合同 (quote → contract): 65.0% advance, 3.0 days on average; 2 lost here"."""
    pipeline, stage, nxt = row["pipeline_key"], row["stage_key"], row["next_state_key"]
    step = f"{stage} → {nxt}"
    zh = [names.get((pipeline, s), (None, None))[0] for s in (stage, nxt)]
    if all(zh):
        step = f"{zh[0]} → {zh[1]} ({step})"
    if not row["reached"]:
        return f"{step}: no deal reached {stage} this month"
    days = row["avg_days_to_advance"]
    pace = f"{days:.1f} days on average" if days is not None else "no deal advanced yet"
    return f"{step}: {fmt(row['conversion_rate'], 'pct')} advance, {pace}; {row['lost_here']} lost here"


def _pipeline_funnel(names: dict, title: str, stages: list[dict]) -> list[str]:
    top = max(r["reached"] or 0 for r in stages) or 1
    rows, classes, sentences = [], [], []
    for r in stages:
        label = _e(_stage_label(names, r["pipeline_key"], r["stage_key"]))
        sentence = _e(step_sentence(names, r))
        if r["is_bottleneck"]:
            label = Html(f'{label}<span class="badge">瓶颈 Bottleneck</span>')
            sentence = Html(f"<strong>瓶颈 Bottleneck: {sentence}</strong>")
        next_label = _stage_label(names, r["pipeline_key"], r["next_state_key"])
        rate, days = fmt(r["conversion_rate"], "pct"), fmt(r["avg_days_to_advance"], "days")
        rows.append([label, next_label, r["reached"], _bar((r["reached"] or 0) / top), r["advanced"], rate, days,
                     r["lost_here"]])  # fmt: skip
        classes.append("bottleneck" if r["is_bottleneck"] else "")
        sentences.append(f"<li>{sentence}</li>")
    headers = "阶段 Stage|下一步 Next|到达 Reached||推进 Advanced|转化率 Conversion|平均天数 Avg days|流失 Lost here"
    return [
        Html(f"<h3>{_e(title)}</h3>"),
        _table(headers.split("|"), rows, classes, text=2),
        Html(f'<ul class="steps">{"".join(sentences)}</ul>'),
    ]


def funnel_section(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    rows = q.funnel(con, month)
    if not rows:
        return []
    names, pipelines = q.stage_names(con), q.pipeline_names(con)
    parts: list[str] = [
        Html(
            f'<p class="note">Cohort: deals that reached each stage in {month:%Y-%m} (company). Recent cohorts still '
            "hold open deals, so their rates can still rise.</p>"
        )
    ]
    for pipeline in sorted({r["pipeline_key"] for r in rows}, key=lambda p: (p != "default", p)):
        title = " ".join(dict.fromkeys(x for x in (*pipelines.get(pipeline, ()), pipeline) if x))
        parts += _pipeline_funnel(names, title, [r for r in rows if r["pipeline_key"] == pipeline])
    return parts


def _pace(row: dict) -> Html:
    attainment, share = row["attainment"], row["days_elapsed_share"]
    if attainment is None or share is None:
        return _e("n/a")
    if attainment >= 1:
        return Html('<span class="good">已达成 Met</span>')
    if attainment >= share:
        return Html('<span class="good">领先 Ahead</span>')
    return Html('<span class="bad">落后 Behind</span>')


def _target_row(r: dict, reps: dict[str, str]) -> list:
    unit = "amount" if r["metric"] == "won_amount" else "count"
    who = reps.get(r["scope_id"], r["scope_id"]) if r["scope_type"] == "rep" else r["scope_id"]
    projected_share = r["projected"] / r["target"] if r["projected"] is not None and r["target"] else None
    return [f"{SCOPES.get(r['scope_type'], r['scope_type'])}: {who}", METRICS.get(r["metric"], r["metric"]),
            fmt(r["target"], unit), fmt(r["actual"], unit), fmt(r["attainment"], "pct"),
            _bar(r["attainment"], r["days_elapsed_share"]), _pace(r), fmt(r["projected"], unit),
            fmt(projected_share, "pct"), fmt(r["pipeline_coverage"], "pct")]  # fmt: skip


def targets_section(con: duckdb.DuckDBPyConnection, month: date, running: date | None) -> list[str]:
    rows = q.targets(con, running) if running else []
    if not rows:
        return []
    reps = q.rep_names(con)
    share = fmt(rows[0]["days_elapsed_share"], "pct")
    headers = ("范围 Scope|指标 Metric|目标 Target|实际 Actual|达成率 Attainment||进度 Pace|预计 Projected|"
               "预计达成 Projected %|管道覆盖 Coverage")  # fmt: skip
    parts: list[str] = [
        Html(
            f'<p class="note">{running:%Y-%m}, month in progress: {_e(share)} of it elapsed (本月已过). On pace when '
            "attainment reaches that share (the orange mark). Projected = actual + weighted open pipeline.</p>"
        ),
        _table(headers.split("|"), [_target_row(r, reps) for r in rows], text=2),
    ]
    for r in (r for r in q.targets(con, month) if r["scope_type"] == "company"):
        unit = "amount" if r["metric"] == "won_amount" else "count"
        parts.append(
            Html(
                f'<p class="note">{month:%Y-%m} (full month) {_e(METRICS.get(r["metric"], r["metric"]))}: '
                f"{_e(fmt(r['actual'], unit))} / {_e(fmt(r['target'], unit))} = {_e(fmt(r['attainment'], 'pct'))}</p>"
            )
        )
    return parts


SCORECARD_COLUMNS = ("rep_id", "rep_name", "team", "new_leads", "opportunities_created", "won_deals", "won_amount",
                     "win_rate", "avg_sales_cycle_days", "target_won_amount", "attainment", "crm_followups",
                     "wecom_messages_sent", "open_deals", "stalled_deals")  # fmt: skip


def _scorecard_row(r: dict) -> list:
    return [f"{r['rep_name'] or r['rep_id']} ({r['rep_id']})", r["team"] or "-", fmt(r["new_leads"], "count"),
            fmt(r["opportunities_created"], "count"), fmt(r["won_deals"], "count"), fmt(r["won_amount"], "amount"),
            fmt(r["win_rate"], "pct"), fmt(r["avg_sales_cycle_days"], "days"), fmt(r["target_won_amount"], "amount"),
            fmt(r["attainment"], "pct"), _bar(r["attainment"], width=70), fmt(r["crm_followups"], "count"),
            fmt(r["wecom_messages_sent"], "count"),
            f"{fmt(r['open_deals'], 'count')} / {fmt(r['stalled_deals'], 'count')}"]  # fmt: skip


def scorecard_section(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    rows = q.scorecard(con, month, SCORECARD_COLUMNS)
    if not rows:
        return []
    headers = ("销售 Rep|团队 Team|新线索 Leads|新商机 Opps|赢单 Won|成交金额 Won amount|成交率 Win rate|"
               "销售周期 Cycle|目标 Target|达成率 Attainment||CRM跟进 Follow-ups|企微消息 WeCom msgs|"
               "在途/停滞 Open/stalled")  # fmt: skip
    return [
        Html(
            f'<p class="note">{month:%Y-%m}: all {len(rows)} salespeople by won amount '
            f"({_e(q.reporting_currency(con))}).</p>"
        ),
        _table(headers.split("|"), [_scorecard_row(r) for r in rows], text=2),
    ]


def alerts_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    summary = q.alert_summary(con)
    if summary is None or not summary.deals:
        return []
    names, reps = q.stage_names(con), q.rep_names(con)
    top = max(summary.counts.values()) or 1
    counts = [[REASONS[r], summary.counts[r], _bar(summary.counts[r] / top)] for r in q.ALERT_REASONS]
    deals = [[d["opportunity_id"], reps.get(d["owner_id"], d["owner_id"] or "-"), d["team"] or "-",
              _stage_label(names, d["pipeline_key"], d["stage_key"]),
              ", ".join(REASONS.get(r, r) for r in d["reasons"]),
              fmt(d["amount"], "amount"), fmt(d["days_in_stage"], "days"), fmt(d["days_since_last_touch"], "days"),
              Html(f'<div class="wrap">{_e(d["detail"] or "")}</div>')]
             for d in q.deals_to_review(con, DEALS_TO_REVIEW)]  # fmt: skip
    as_of = f"{summary.as_of:%Y-%m-%d}" if summary.as_of else "n/a"
    headers = ("商机 Deal|负责人 Owner|团队 Team|阶段 Stage|原因 Reasons|金额 Amount|本阶段 In stage|"
               "未接触 Since touch|说明 Detail")  # fmt: skip
    return [
        Html(f"<p>{summary.deals:,} open deals flagged as of {_e(as_of)} (最新数据日期 latest data date).</p>"),
        _table(["原因 Reason", "预警数 Alerts", ""], counts),
        Html(f"<h3>重点商机 Top {DEALS_TO_REVIEW} deals to look at</h3>"),
        Html('<p class="note">Most reasons first, then the largest amount, then the longest without a touch.</p>'),
        _table(headers.split("|"), deals, text=5),
    ]


def weighted_brier(rows: list[dict], method: str) -> float | None:
    """Brier score of a method over every as-of date, weighted by its deals (as `stagewise kpi` reports it)."""
    scored = [(r[method], r["deals"]) for r in rows if r[method] is not None and r["deals"]]
    total = sum(deals for _, deals in scored)
    return sum(score * deals for score, deals in scored) / total if total else None


def _forecast_row(r: dict) -> list:
    model, target = r["weighted_amount"], r["target"]
    return [f"{r['month_start']:%Y-%m}", fmt(r["open_deals"], "count"), fmt(r["open_pipeline_amount"], "amount"),
            fmt(model, "amount"), fmt(r["stage_weighted_amount"], "amount"), fmt(target, "amount"),
            fmt(model / target if model is not None and target else None, "pct")]  # fmt: skip


def _backtest(tests: list[dict]) -> list[str]:
    model, stage = weighted_brier(tests, "model"), weighted_brier(tests, "stage_probability")
    verdict = ""
    if model is not None and stage:
        verdict = f" The model's score is {abs(1 - model / stage):.0%} {'lower' if model <= stage else 'higher'}."
    rows = [[f"{t['as_of_date']:%Y-%m-%d}", t["deals"], fmt3(t["model"]), fmt3(t["stage_probability"])] for t in tests]
    return [
        Html("<h3>回测 Backtest: Brier score, lower is better</h3>"),
        Html(
            f"<p>Over all as-of dates, weighted by deals: 模型 model {_e(fmt3(model))}, 阶段概率 stage probability "
            f"{_e(fmt3(stage))}.{_e(verdict)}</p>"
        ),  # fmt: skip
        _table(["截至 As of", "商机 Deals", "模型 Model", "阶段概率 Stage probability"], rows),
    ]


def forecast_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows, tests = q.forecast_months(con, FORECAST_MONTHS), q.backtest(con)
    parts: list[str] = []
    if rows:
        headers = ("月份 Month|在途商机 Open deals|管道金额 Open pipeline|模型加权 Model-weighted|"
                   "阶段加权 Stage-weighted|目标 Target|模型/目标 Model / target")  # fmt: skip
        groups = [(f"{r['month_start']:%Y-%m}", (r["weighted_amount"], r["stage_weighted_amount"], r["target"]))
                  for r in rows]  # fmt: skip
        series = (("模型 Model", "#1d64c8"), ("阶段概率 Stage", "#9fb3c8"), ("目标 Target", "#d9480f"))
        parts += [
            Html(
                f'<p class="note">As of {rows[0]["as_of_date"]:%Y-%m-%d}: won amount expected from open deals by '
                f"expected close month (company, {_e(q.reporting_currency(con))}); deals already won are in the "
                "targets above.</p>"
            ),  # fmt: skip
            _table(headers.split("|"), [_forecast_row(r) for r in rows]),
            _grouped_bars(groups, series),
        ]
    return parts + (_backtest(tests) if tests else [])


def fmt3(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _channel_row(r: dict, top: int) -> list:
    return [r["lead_source"], fmt(r["new_leads"], "count"), fmt(r["leads_with_opportunity"], "count"),
            fmt(r["new_customers"], "count"), fmt(r["new_customer_amount"], "amount"),
            fmt(r["new_customers_period"], "count"), _bar((r["new_customers_period"] or 0) / top, width=90),
            fmt(r["new_customer_amount_period"], "amount")]  # fmt: skip


def channels_section(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    first = _months_back(month, TREND_MONTHS)[0]
    rows = q.new_customers_by_source(con, first, month)
    if not rows:
        return []
    top = max(r["new_customers_period"] or 0 for r in rows) or 1
    period = f"{first:%Y-%m}…{month:%Y-%m}"
    headers = ["来源 Lead source", f"新线索 Leads {month:%Y-%m}", "已转商机 With opportunity",
               f"新客户 New customers {month:%Y-%m}", "首单金额 First-deal amount", f"新客户 New customers {period}",
               "", f"首单金额 First-deal amount {period}"]  # fmt: skip
    return [_table(headers, [_channel_row(r, top) for r in rows])]


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
    body = "".join(_section(anchor, title, parts.get(anchor)) for anchor, title in SECTIONS)
    title = "销售KPI报告 Sales KPI report" + (f" — {month:%Y-%m}" if month else "")
    nav = "".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in SECTIONS)
    meta = f"报告月份 Report month: {month:%Y-%m} (latest full month of data). " if month else "No KPI data yet. "
    meta += f"数据截至 Data through: {latest:%Y-%m-%d}. " if latest else ""
    settings = q.reporting_settings(con)
    meta += f"Months and dates in business time ({settings.business_timezone}). "
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{CSS}</style></head><body><main><h1>{_e(title)}</h1>"
        f'<p class="meta">{_e(meta)}Amounts in {_e(settings.reporting_currency)}. '
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
