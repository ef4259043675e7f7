"""The report's sections on what happened in the report month: headline KPIs with their trend, the funnel with
its bottleneck, the rep scorecard, new customers by source."""

from __future__ import annotations

from datetime import date

import duckdb

from reporting import queries as q
from reporting.formatting import fmt
from reporting.html.markup import Html, bar, esc, spark, table

TREND_MONTHS = 6
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


def months_back(month: date, count: int) -> list[date]:
    """`count` month starts ending with `month`, oldest first."""
    index = month.year * 12 + month.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(count - 1, -1, -1)]


def _card(label: str, unit: str, value: q.KpiValue, before: q.KpiValue | None, trend: list, months: list) -> str:
    detail = ""
    if unit == "pct" and value.numerator is not None and value.denominator:
        detail = f"{fmt(value.numerator, 'count')} / {fmt(value.denominator, 'count')}"
    if before is not None:
        detail += f"{' · ' if detail else ''}{months[-2]:%Y-%m}: {fmt(before.value, unit)}"
    tips = [f"{m:%Y-%m}: {fmt(v, unit)}" for m, v in zip(months, trend, strict=True)]
    return (
        f'<div class="card"><div class="label">{esc(label)}</div><div class="value">{esc(fmt(value.value, unit))}</div>'
        f'<div class="detail">{esc(detail)}</div>{spark(trend, tips)}</div>'
    )


def headline_section(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    months = months_back(month, TREND_MONTHS)
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
        table(["指标 KPI", *(f"{m:%Y-%m}" for m in months)], trend_rows),
    ]


def stage_label(names: dict, pipeline: str, state: str | None) -> str:
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
    pace = f"{fmt(days, 'days')} on average" if days is not None else "no deal advanced yet"
    return f"{step}: {fmt(row['conversion_rate'], 'pct')} advance, {pace}; {row['lost_here']} lost here"


def _pipeline_funnel(names: dict, title: str, stages: list[dict]) -> list[str]:
    top = max(r["reached"] or 0 for r in stages) or 1
    rows, classes, sentences = [], [], []
    for r in stages:
        label = esc(stage_label(names, r["pipeline_key"], r["stage_key"]))
        sentence = esc(step_sentence(names, r))
        if r["is_bottleneck"]:
            label = Html(f'{label}<span class="badge">瓶颈 Bottleneck</span>')
            sentence = Html(f"<strong>瓶颈 Bottleneck: {sentence}</strong>")
        next_label = stage_label(names, r["pipeline_key"], r["next_state_key"])
        rate, days = fmt(r["conversion_rate"], "pct"), fmt(r["avg_days_to_advance"], "days")
        rows.append([label, next_label, r["reached"], bar((r["reached"] or 0) / top), r["advanced"], rate, days,
                     r["lost_here"]])  # fmt: skip
        classes.append("bottleneck" if r["is_bottleneck"] else "")
        sentences.append(f"<li>{sentence}</li>")
    headers = "阶段 Stage|下一步 Next|到达 Reached||推进 Advanced|转化率 Conversion|平均天数 Avg days|流失 Lost here"
    return [
        Html(f"<h3>{esc(title)}</h3>"),
        table(headers.split("|"), rows, classes, text=2),
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


SCORECARD_COLUMNS = ("rep_id", "rep_name", "team", "new_leads", "opportunities_created", "won_deals", "won_amount",
                     "win_rate", "avg_sales_cycle_days", "target_won_amount", "attainment", "crm_followups",
                     "wecom_messages_sent", "open_deals", "stalled_deals")  # fmt: skip


def _scorecard_row(r: dict) -> list:
    return [f"{r['rep_name'] or r['rep_id']} ({r['rep_id']})", r["team"] or "-", fmt(r["new_leads"], "count"),
            fmt(r["opportunities_created"], "count"), fmt(r["won_deals"], "count"), fmt(r["won_amount"], "amount"),
            fmt(r["win_rate"], "pct"), fmt(r["avg_sales_cycle_days"], "days"), fmt(r["target_won_amount"], "amount"),
            fmt(r["attainment"], "pct"), bar(r["attainment"], width=70), fmt(r["crm_followups"], "count"),
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
            f"({esc(q.reporting_currency(con))}).</p>"
        ),
        table(headers.split("|"), [_scorecard_row(r) for r in rows], text=2),
    ]


def _channel_row(r: dict, top: int) -> list:
    return [r["lead_source"], fmt(r["new_leads"], "count"), fmt(r["leads_with_opportunity"], "count"),
            fmt(r["new_customers"], "count"), fmt(r["new_customer_amount"], "amount"),
            fmt(r["new_customers_period"], "count"), bar((r["new_customers_period"] or 0) / top, width=90),
            fmt(r["new_customer_amount_period"], "amount")]  # fmt: skip


def channels_section(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    first = months_back(month, TREND_MONTHS)[0]
    rows = q.new_customers_by_source(con, first, month)
    if not rows:
        return []
    top = max(r["new_customers_period"] or 0 for r in rows) or 1
    period = f"{first:%Y-%m}…{month:%Y-%m}"
    headers = ["来源 Lead source", f"新线索 Leads {month:%Y-%m}", "已转商机 With opportunity",
               f"新客户 New customers {month:%Y-%m}", "首单金额 First-deal amount", f"新客户 New customers {period}",
               "", f"首单金额 First-deal amount {period}"]  # fmt: skip
    return [table(headers, [_channel_row(r, top) for r in rows])]
