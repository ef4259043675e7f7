"""The report's sections on what happened in the report month: headline KPIs with their 12-month trend, the funnel
with its bottleneck, the rep leaderboard, new customers by source. Each returns its blocks (empty: no data)."""

from __future__ import annotations

from datetime import date

import duckdb

from reporting import queries as q
from reporting.html import charts
from reporting.html.blocks import Bar, Card, Cards, Cell, Heading, Note, Steps, Table
from reporting.html.labels import Labels

TREND_MONTHS = 12
CARD_KPIS = (
    ("win_rate", "pct"),
    ("lead_conversion_rate", "pct"),
    ("avg_sales_cycle_days", "days"),
    ("won_deals", "count"),
    ("won_amount", "amount"),
    ("new_leads", "count"),
    ("new_customers", "count"),
    ("avg_deal_size", "amount"),
)


def months_back(month: date, count: int) -> list[date]:
    """`count` month starts ending with `month`, oldest first."""
    index = month.year * 12 + month.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(count - 1, -1, -1)]


def _card(t: Labels, label: str, unit: str, value: q.KpiValue, before: q.KpiValue | None, last: date) -> Card:
    details = []
    if unit == "pct" and value.numerator is not None and value.denominator:
        details.append(f"{t.num(value.numerator, 'count')} / {t.num(value.denominator, 'count')}")
    if before is not None:
        details.append(t("headline.before", month=f"{last:%Y-%m}", value=t.num(before.value, unit)))
    return Card(label, t.num(value.value, unit), " · ".join(details))


def headline_section(con: duckdb.DuckDBPyConnection, month: date, t: Labels) -> list:
    months = months_back(month, TREND_MONTHS)
    history = q.company_kpis(con, months[0], month)
    if not history.get(month):
        return []
    currency = q.reporting_currency(con)

    def value(m: date, kpi: str) -> float | None:
        return history.get(m, {}).get(kpi, q.KpiValue(None, None, None)).value

    cards, rows = [], []
    for kpi, unit in CARD_KPIS:
        label = t(f"kpi.{kpi}", currency=currency)
        rows.append([label, *(t.num(value(m, kpi), unit) for m in months)])
        if kpi in history[month]:
            cards.append(_card(t, label, unit, history[month][kpi], history.get(months[-2], {}).get(kpi), months[-2]))
    points = [{"month": f"{m:%Y-%m}", "win_rate": value(m, "win_rate"), "cycle": value(m, "avg_sales_cycle_days")}
              for m in months]  # fmt: skip
    return [
        Cards(cards),
        charts.trend(points, t),
        Note(t("headline.trend", months=TREND_MONTHS)),
        Table([t("headline.kpi"), *(f"{m:%Y-%m}" for m in months)], rows),
    ]


def stage_label(t: Labels, names: dict, pipeline: str, state: str | None) -> str:
    return t.name(names.get((pipeline, state), (None, None)), state)


def step_sentence(t: Labels, names: dict, row: dict) -> str:
    """ "报价 → 合同：65.0% 推进，平均 3.0 天；2 个在此流失" / "Quote → Contract: 65.0% advance, ..."."""
    stage = stage_label(t, names, row["pipeline_key"], row["stage_key"])
    step = f"{stage} → {stage_label(t, names, row['pipeline_key'], row['next_state_key'])}"
    if not row["reached"]:
        return t("funnel.none_reached", step=step, stage=stage)
    days = row["avg_days_to_advance"]
    pace = t("funnel.pace", days=t.num(days, "days")) if days is not None else t("funnel.no_advance")
    return t("funnel.step", step=step, rate=t.num(row["conversion_rate"], "pct"), pace=pace, lost=row["lost_here"])


def _pipeline_funnel(t: Labels, names: dict, title: str, stages: list[dict]) -> tuple[list, list[dict]]:
    top = max(r["reached"] or 0 for r in stages) or 1
    rows, styles, steps, points = [], [], [], []
    for r in stages:
        label = stage_label(t, names, r["pipeline_key"], r["stage_key"])
        bottleneck = bool(r["is_bottleneck"])
        rate, days = t.num(r["conversion_rate"], "pct"), t.num(r["avg_days_to_advance"], "days")
        rows.append([Cell(label, badge=t("funnel.bottleneck") if bottleneck else ""),
                     stage_label(t, names, r["pipeline_key"], r["next_state_key"]), t.num(r["reached"], "count"),
                     Bar((r["reached"] or 0) / top), t.num(r["advanced"], "count"), rate, days,
                     t.num(r["lost_here"], "count")])  # fmt: skip
        styles.append("bottleneck" if bottleneck else "")
        sentence = step_sentence(t, names, r)
        steps.append(Note(f"{t('funnel.bottleneck')}: {sentence}" if bottleneck else sentence, strong=bottleneck))
        points.append({"name": label, "reached": r["reached"] or 0, "reached_label": f"{r['reached'] or 0} · {rate}",
                       "days": r["avg_days_to_advance"], "days_label": days, "bottleneck": bottleneck})  # fmt: skip
    headers = [t(f"funnel.{k}") for k in ("stage", "next", "reached")] + [""]
    headers += [t(f"funnel.{k}") for k in ("advanced", "conversion", "avg_days", "lost")]
    return [Heading(title), Table(headers, rows, text=2, row_styles=styles), Steps(steps)], points


def funnel_section(con: duckdb.DuckDBPyConnection, month: date, t: Labels) -> list:
    rows = q.funnel(con, month)
    if not rows:
        return []
    names, pipelines = q.stage_names(con), q.pipeline_names(con)
    blocks: list = [Note(t("funnel.note", month=f"{month:%Y-%m}"))]
    chart_rows = []
    for pipeline in sorted({r["pipeline_key"] for r in rows}, key=lambda p: (p != "default", p)):
        title = t.name(pipelines.get(pipeline, (None, None)), pipeline)
        parts, points = _pipeline_funnel(t, names, title, [r for r in rows if r["pipeline_key"] == pipeline])
        blocks += parts
        chart_rows.append((title, points))
    return [blocks[0], charts.funnel(chart_rows, t), *blocks[1:]]


SCORECARD_COLUMNS = ("rep_id", "rep_name", "team", "new_leads", "opportunities_created", "won_deals", "won_amount",
                     "win_rate", "avg_sales_cycle_days", "target_won_amount", "attainment", "crm_followups",
                     "wecom_messages_sent", "open_deals", "stalled_deals")  # fmt: skip
SCORECARD_HEADERS = ("rep", "team", "leads", "opportunities", "won", "won_amount", "win_rate", "cycle", "target",
                     "attainment", "", "followups", "wecom", "open_stalled")  # fmt: skip


def _rep_name(r: dict) -> str:
    return f"{r['rep_name'] or r['rep_id']} ({r['rep_id']})"


def _scorecard_row(t: Labels, r: dict) -> list:
    n = t.num
    return [_rep_name(r), r["team"] or "-", n(r["new_leads"], "count"), n(r["opportunities_created"], "count"),
            n(r["won_deals"], "count"), n(r["won_amount"], "amount"), n(r["win_rate"], "pct"),
            n(r["avg_sales_cycle_days"], "days"), n(r["target_won_amount"], "amount"), n(r["attainment"], "pct"),
            Bar(r["attainment"]), n(r["crm_followups"], "count"), n(r["wecom_messages_sent"], "count"),
            f"{n(r['open_deals'], 'count')} / {n(r['stalled_deals'], 'count')}"]  # fmt: skip


def scorecard_section(con: duckdb.DuckDBPyConnection, month: date, t: Labels) -> list:
    rows = q.scorecard(con, month, SCORECARD_COLUMNS)
    if not rows:
        return []
    currency = q.reporting_currency(con)
    points = [{"name": _rep_name(r), "won_amount": r["won_amount"] or 0, "label": t.num(r["won_amount"], "amount"),
               "target": r["target_won_amount"]} for r in rows]  # fmt: skip
    return [
        Note(t("reps.note", month=f"{month:%Y-%m}", count=len(rows), currency=currency)),
        charts.leaderboard(points, t, currency),
        Table([t(f"reps.{h}") if h else "" for h in SCORECARD_HEADERS], [_scorecard_row(t, r) for r in rows], text=2),
    ]


def _channel_row(t: Labels, r: dict, top: int) -> list:
    return [r["lead_source"], t.num(r["new_leads"], "count"), t.num(r["leads_with_opportunity"], "count"),
            t.num(r["new_customers"], "count"), t.num(r["new_customer_amount"], "amount"),
            t.num(r["new_customers_period"], "count"), Bar((r["new_customers_period"] or 0) / top),
            t.num(r["new_customer_amount_period"], "amount")]  # fmt: skip


def channels_section(con: duckdb.DuckDBPyConnection, month: date, t: Labels) -> list:
    first = months_back(month, TREND_MONTHS)[0]
    rows = q.new_customers_by_source(con, first, month)
    if not rows:
        return []
    top = max(r["new_customers_period"] or 0 for r in rows) or 1
    period, m = f"{first:%Y-%m}…{month:%Y-%m}", f"{month:%Y-%m}"
    headers = [t("channels.source"), t("channels.leads", month=m), t("channels.with_opportunity"),
               t("channels.new_customers", month=m), t("channels.amount"),
               t("channels.period_customers", period=period), "",
               t("channels.period_amount", period=period)]  # fmt: skip
    ranked = sorted(rows, key=lambda r: (-(r["new_customers_period"] or 0), r["lead_source"]))
    points = [{"name": r["lead_source"], "customers": r["new_customers_period"] or 0,
               "label": t.num(r["new_customers_period"], "count")} for r in ranked]  # fmt: skip
    return [charts.channels(points, t, period), Table(headers, [_channel_row(t, r, top) for r in rows])]
