"""The report's sections on what to act on and what lies ahead: targets and pace of the running month, open-deal
alerts, the forecast of the coming months with its backtest. Each returns its blocks (empty: no data)."""

from __future__ import annotations

from datetime import date

import duckdb

from reporting import queries as q
from reporting.html import charts
from reporting.html.blocks import Bar, Cell, Heading, Note, Table
from reporting.html.labels import Labels
from reporting.html.results import stage_label

FORECAST_MONTHS = 3
DEALS_TO_REVIEW = 20
TARGET_HEADERS = ("scope", "metric", "target", "actual", "attainment", "", "pace", "projected", "projected_share",
                  "coverage")  # fmt: skip
ALERT_HEADERS = ("deal", "owner", "team", "stage", "reasons", "amount", "in_stage", "since_touch", "detail")
FORECAST_HEADERS = ("month", "open_deals", "pipeline", "model", "stage", "target", "model_target")


def _unit(metric: str) -> str:
    return "amount" if metric == "won_amount" else "count"


def _pace(t: Labels, row: dict) -> Cell | str:
    attainment, share = row["attainment"], row["days_elapsed_share"]
    if attainment is None or share is None:
        return t("missing")
    if attainment >= 1:
        return Cell(t("pace.met"), style="good")
    return Cell(t("pace.ahead"), style="good") if attainment >= share else Cell(t("pace.behind"), style="bad")


def _scope(t: Labels, row: dict, reps: dict[str, str]) -> str:
    kind, who = row["scope_type"], row["scope_id"]
    if kind == "company":
        return t("scope.company")
    if kind in ("team", "rep"):
        return t(f"scope.{kind}", name=reps.get(who, who) if kind == "rep" else who)
    return f"{kind}: {who}"


def _metric(t: Labels, metric: str) -> str:
    return t(f"metric.{metric}") if metric in ("won_amount", "won_deals", "new_customers") else metric


def _target_row(t: Labels, r: dict, reps: dict[str, str]) -> list:
    unit, n = _unit(r["metric"]), t.num
    projected_share = r["projected"] / r["target"] if r["projected"] is not None and r["target"] else None
    return [_scope(t, r, reps), _metric(t, r["metric"]), n(r["target"], unit), n(r["actual"], unit),
            n(r["attainment"], "pct"), Bar(r["attainment"], r["days_elapsed_share"]), _pace(t, r),
            n(r["projected"], unit), n(projected_share, "pct"), n(r["pipeline_coverage"], "pct")]  # fmt: skip


def targets_section(con: duckdb.DuckDBPyConnection, month: date, running: date | None, t: Labels) -> list:
    rows = q.targets(con, running) if running else []
    if not rows:
        return []
    reps = q.rep_names(con)
    blocks: list = [
        Note(t("targets.note", month=f"{running:%Y-%m}", share=t.num(rows[0]["days_elapsed_share"], "pct"))),
        Table([t(f"targets.{h}") if h else "" for h in TARGET_HEADERS], [_target_row(t, r, reps) for r in rows], 2),
    ]
    for r in q.targets(con, month, company_only=True):
        unit = _unit(r["metric"])
        blocks.append(Note(t("targets.full_month", month=f"{month:%Y-%m}", metric=_metric(t, r["metric"]),
                             actual=t.num(r["actual"], unit), target=t.num(r["target"], unit),
                             attainment=t.num(r["attainment"], "pct"))))  # fmt: skip
    return blocks


def _reason(t: Labels, reason: str) -> str:
    return t(f"reason.{reason}") if reason in q.ALERT_REASONS else reason


def win_reasons(t: Labels, deal: dict) -> str | None:
    """The deal's win-probability drivers in the page's language, when the marts carry them."""
    chinese, english = deal.get("p_win_reasons_zh"), deal.get("p_win_reasons")
    return (chinese or english) if t.lang == "zh" else english


def alerts_section(con: duckdb.DuckDBPyConnection, t: Labels) -> list:
    summary = q.alert_summary(con)
    if summary is None or not summary.deals:
        return []
    names, reps = q.stage_names(con), q.rep_names(con)
    top = max(summary.counts.values()) or 1
    counts = [[_reason(t, r), t.num(summary.counts[r], "count"), Bar(summary.counts[r] / top)]
              for r in q.ALERT_REASONS]  # fmt: skip
    deals = q.deals_to_review(con, DEALS_TO_REVIEW)
    with_reasons = any(d["p_win_reasons"] or d["p_win_reasons_zh"] for d in deals)  # NULL in marts without them
    headers = [t(f"alerts.{h}") for h in ALERT_HEADERS] + ([t("alerts.win_reasons")] if with_reasons else [])
    rows = []
    for d in deals:
        row = [d["opportunity_id"], reps.get(d["owner_id"], d["owner_id"] or "-"), d["team"] or "-",
               stage_label(t, names, d["pipeline_key"], d["stage_key"]), t.join([_reason(t, r) for r in d["reasons"]]),
               t.num(d["amount"], "amount"), t.num(d["days_in_stage"], "days"),
               t.num(d["days_since_last_touch"], "days"), d["detail"] or ""]  # fmt: skip
        rows.append(row + ([win_reasons(t, d) or ""] if with_reasons else []))
    as_of = f"{summary.as_of:%Y-%m-%d}" if summary.as_of else t("missing")
    wrap = (8, 9) if with_reasons else (8,)
    return [
        Note(t("alerts.flagged", count=t.num(summary.deals, "count"), date=as_of)),
        Table([t("alerts.reason"), t("alerts.alerts"), ""], counts),
        Heading(t("alerts.top", count=DEALS_TO_REVIEW)),
        Note(t("alerts.order")),
        Table(headers, rows, text=5, wrap=wrap),
    ]


def _forecast_row(t: Labels, r: dict) -> list:
    model, target = r["weighted_amount"], r["target"]
    return [f"{r['month_start']:%Y-%m}", t.num(r["open_deals"], "count"), t.num(r["open_pipeline_amount"], "amount"),
            t.num(model, "amount"), t.num(r["stage_weighted_amount"], "amount"), t.num(target, "amount"),
            t.num(model / target if model is not None and target else None, "pct")]  # fmt: skip


def _backtest(t: Labels, tests: list[dict], scores: q.BrierScores) -> list:
    model, stage = scores
    verdict = ""
    if model is not None and stage:
        share = t.num(abs(1 - model / stage), "pct0")
        verdict = t("forecast.lower" if model <= stage else "forecast.higher", share=share)
    rows = [[f"{x['as_of_date']:%Y-%m-%d}", t.num(x["deals"], "count"), t.num(x["model"], "score"),
             t.num(x["stage_probability"], "score")] for x in tests]  # fmt: skip
    headers = [t(f"forecast.{h}") for h in ("as_of", "deals", "model_score", "stage_score")]
    return [
        Heading(t("forecast.backtest")),
        Note(f"{t('forecast.scores', model=t.num(model, 'score'), stage=t.num(stage, 'score'))}{verdict}"),
        Table(headers, rows),
    ]


def forecast_section(con: duckdb.DuckDBPyConnection, t: Labels) -> list:
    rows, tests = q.forecast_months(con, FORECAST_MONTHS), q.backtest(con)
    blocks: list = []
    if rows:
        currency = q.reporting_currency(con)
        points = [{"month": f"{r['month_start']:%Y-%m}", "model": r["weighted_amount"],
                   "stage": r["stage_weighted_amount"], "target": r["target"]} for r in rows]  # fmt: skip
        blocks.append(Note(t("forecast.note", date=f"{rows[0]['as_of_date']:%Y-%m-%d}", currency=currency)))
        if rows[0]["weighted_method"] == "stage_probability":  # the model scored worse lately: say so
            blocks.append(Note(t("forecast.switched")))  # the figures: weighted_method_reason, stagewise kpi
        blocks += [
            charts.forecast(points, t, currency),
            Table([t(f"forecast.{h}") for h in FORECAST_HEADERS], [_forecast_row(t, r) for r in rows]),
        ]
    return blocks + (_backtest(t, tests, q.brier_scores(con)) if tests else [])
