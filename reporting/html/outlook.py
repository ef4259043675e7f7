"""The report's sections on what to act on and what lies ahead: targets and pace of the running month, open-deal
alerts, the forecast of the coming months with its backtest."""

from __future__ import annotations

from datetime import date

import duckdb

from reporting import queries as q
from reporting.formatting import fmt
from reporting.html.markup import Html, bar, esc, grouped_bars, table
from reporting.html.results import stage_label

FORECAST_MONTHS = 3
DEALS_TO_REVIEW = 20
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


def _pace(row: dict) -> Html:
    attainment, share = row["attainment"], row["days_elapsed_share"]
    if attainment is None or share is None:
        return esc("n/a")
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
            bar(r["attainment"], r["days_elapsed_share"]), _pace(r), fmt(r["projected"], unit),
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
            f'<p class="note">{running:%Y-%m}, month in progress: {esc(share)} of it elapsed (本月已过). On pace when '
            "attainment reaches that share (the orange mark). Projected = actual + weighted open pipeline.</p>"
        ),
        table(headers.split("|"), [_target_row(r, reps) for r in rows], text=2),
    ]
    for r in q.targets(con, month, company_only=True):
        unit = "amount" if r["metric"] == "won_amount" else "count"
        actual, target, attainment = fmt(r["actual"], unit), fmt(r["target"], unit), fmt(r["attainment"], "pct")
        parts.append(
            Html(
                f'<p class="note">{month:%Y-%m} (full month) {esc(METRICS.get(r["metric"], r["metric"]))}: '
                f"{esc(actual)} / {esc(target)} = {esc(attainment)}</p>"
            )
        )
    return parts


def alerts_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    summary = q.alert_summary(con)
    if summary is None or not summary.deals:
        return []
    names, reps = q.stage_names(con), q.rep_names(con)
    top = max(summary.counts.values()) or 1
    counts = [[REASONS[r], summary.counts[r], bar(summary.counts[r] / top)] for r in q.ALERT_REASONS]
    deals = [[d["opportunity_id"], reps.get(d["owner_id"], d["owner_id"] or "-"), d["team"] or "-",
              stage_label(names, d["pipeline_key"], d["stage_key"]),
              ", ".join(REASONS.get(r, r) for r in d["reasons"]),
              fmt(d["amount"], "amount"), fmt(d["days_in_stage"], "days"), fmt(d["days_since_last_touch"], "days"),
              Html(f'<div class="wrap">{esc(d["detail"] or "")}</div>')]
             for d in q.deals_to_review(con, DEALS_TO_REVIEW)]  # fmt: skip
    as_of = f"{summary.as_of:%Y-%m-%d}" if summary.as_of else "n/a"
    headers = ("商机 Deal|负责人 Owner|团队 Team|阶段 Stage|原因 Reasons|金额 Amount|本阶段 In stage|"
               "未接触 Since touch|说明 Detail")  # fmt: skip
    return [
        Html(
            f"<p>{fmt(summary.deals, 'count')} open deals flagged as of {esc(as_of)} "
            "(最新数据日期 latest data date).</p>"
        ),
        table(["原因 Reason", "预警数 Alerts", ""], counts),
        Html(f"<h3>重点商机 Top {DEALS_TO_REVIEW} deals to look at</h3>"),
        Html('<p class="note">Most reasons first, then the largest amount, then the longest without a touch.</p>'),
        table(headers.split("|"), deals, text=5),
    ]


def _forecast_row(r: dict) -> list:
    model, target = r["weighted_amount"], r["target"]
    return [f"{r['month_start']:%Y-%m}", fmt(r["open_deals"], "count"), fmt(r["open_pipeline_amount"], "amount"),
            fmt(model, "amount"), fmt(r["stage_weighted_amount"], "amount"), fmt(target, "amount"),
            fmt(model / target if model is not None and target else None, "pct")]  # fmt: skip


def _backtest(tests: list[dict], scores: q.BrierScores) -> list[str]:
    model, stage = scores
    verdict = ""
    if model is not None and stage:
        direction = "lower" if model <= stage else "higher"
        verdict = f" The model's score is {fmt(abs(1 - model / stage), 'pct0')} {direction}."
    rows = [[f"{t['as_of_date']:%Y-%m-%d}", t["deals"], fmt(t["model"], "score"), fmt(t["stage_probability"], "score")]
            for t in tests]  # fmt: skip
    return [
        Html("<h3>回测 Backtest: Brier score, lower is better</h3>"),
        Html(
            f"<p>Over all as-of dates, weighted by deals: 模型 model {esc(fmt(model, 'score'))}, 阶段概率 stage "
            f"probability {esc(fmt(stage, 'score'))}.{esc(verdict)}</p>"
        ),  # fmt: skip
        table(["截至 As of", "商机 Deals", "模型 Model", "阶段概率 Stage probability"], rows),
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
                f"expected close month (company, {esc(q.reporting_currency(con))}); deals already won are in the "
                "targets above.</p>"
            ),  # fmt: skip
            table(headers.split("|"), [_forecast_row(r) for r in rows]),
            grouped_bars(groups, series),
        ]
    return parts + (_backtest(tests, q.brier_scores(con)) if tests else [])
