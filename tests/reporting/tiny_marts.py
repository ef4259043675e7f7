"""A tiny published marts file with hand-written rows: every section of the KPI report has something to show,
with the edge cases it must get right (a month without a row, a rep's KPI beside the company's, a hostile name).

`build_marts(path)` writes it; `skip` leaves tables out. Read by the report's tests and the CLI's and asset's tests.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
HOSTILE = "<script>alert(1)</script>"

TABLES = {
    "kpi_monthly": "month_start date, scope_type varchar, scope_id varchar, kpi varchar, numerator double, "
    "denominator double, value double",
    "kpi_stage_conversion": "month_start date, pipeline_key varchar, scope_type varchar, scope_id varchar, "
    "stage_key varchar, stage_order integer, next_state_key varchar, reached integer, advanced integer, "
    "conversion_rate double, avg_days_to_advance double, lost_here integer, is_bottleneck boolean",
    "dim_stages": "pipeline_key varchar, pipeline_name varchar, pipeline_name_en varchar, state_key varchar, "
    "state_name varchar, state_name_en varchar",
    "dim_reps": "rep_id varchar, rep_name varchar",
    "kpi_rep_scorecard": "month_start date, rep_id varchar, rep_name varchar, team varchar, new_leads integer, "
    "opportunities_created integer, won_deals integer, won_amount double, win_rate double, "
    "avg_sales_cycle_days double, target_won_amount double, attainment double, crm_followups integer, "
    "wecom_messages_sent integer, open_deals integer, stalled_deals integer",
    "kpi_open_deal_alerts": "as_of_date date, opportunity_id varchar, reason varchar, owner_id varchar, team varchar, "
    "pipeline_key varchar, stage_key varchar, amount double, days_in_stage double, days_since_last_touch double, "
    "reason_detail varchar",
    "kpi_target_attainment": "month_start date, scope_type varchar, scope_id varchar, metric varchar, target double, "
    "actual double, attainment double, days_elapsed_share double, projected double, pipeline_coverage double",
    "kpi_forecast_monthly": "as_of_date date, month_start date, scope_type varchar, scope_id varchar, "
    "open_deals integer, open_pipeline_amount double, weighted_amount double, stage_weighted_amount double",
    "kpi_forecast_backtest": "as_of_date date, method varchar, deals integer, brier_score double",
    "kpi_new_customers_by_channel": "month_start date, lead_source varchar, new_leads integer, "
    "leads_with_opportunity integer, new_customers integer, new_customer_amount double",
}


def _months(first: date, count: int) -> list[date]:
    return [date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(count)]


def _rows() -> dict[str, list[tuple]]:
    march_to_august = _months(date(2026, 3, 1), 6)  # September has no won_amount row: shown as n/a, not shifted
    company = [(m, "company", "all", "won_amount", 1000.0 * i, None, 1000.0 * i) for i, m in enumerate(march_to_august)]
    company += [
        (OCT, "company", "all", "win_rate", 2, 3, 2 / 3),
        (OCT, "company", "all", "won_amount", 184000, None, 184000),
        (OCT, "company", "all", "won_deals", 2, None, 2),
        (OCT, "company", "all", "avg_sales_cycle_days", 100.6, 2, 50.3),
        (OCT, "company", "all", "lead_conversion_rate", 0, 0, None),
        (OCT, "company", "all", "new_leads", 12, None, 12),
        (OCT, "company", "all", "new_customers", 1, None, 1),
        (SEP, "company", "all", "win_rate", 1, 4, 0.25),
        (OCT, "rep", "u1", "won_amount", 999999, None, 999999),
        (NOV, "company", "all", "win_rate", 1, 2, 0.5),
    ]
    funnel = [
        (OCT, "default", "company", "all", "quote", 3, "contract", 20, 13, 0.65, 3.0, 2, False),
        (OCT, "default", "company", "all", "contract", 4, "won", 13, 5, 5 / 13, 11.7, 4, True),
        (OCT, "default", "rep", "u1", "quote", 3, "contract", 20, 1, 0.05, 3.0, 2, True),
        (OCT, "renewal", "company", "all", "renewal_review", 1, "won", 4, 3, 0.75, 9.0, 1, True),
    ]
    stages = [("default", "默认商机组", "default", s, zh, en) for s, zh, en in
              (("quote", "报价", "Quote"), ("contract", "合同", "Contract"), ("won", "赢单", "Won"))]  # fmt: skip
    reps = [("u1", "王芳"), ("u2", HOSTILE), ("u3", "李雷")]
    scorecard = [
        (OCT, "u1", "王芳", "华东", 5, 4, 2, 120000.0, 2 / 3, 40.0, 100000.0, 1.2, 9, 30, 3, 1),
        (OCT, "u2", HOSTILE, "华南", 3, 2, 1, 64000.0, 0.5, 61.0, 80000.0, 0.8, 4, 12, 2, 0),
        (OCT, "u3", "李雷", None, 4, 1, 0, 0.0, None, None, None, None, 0, 0, 1, 1),
    ]
    alerts = [
        (
            date(2026, 11, 28),
            f"O{i:02d}",
            "no_follow_up",
            "u1",
            "华东",
            "default",
            "quote",
            1000.0 * i,
            10.0,
            9.0,
            "quiet",
        )
        for i in range(1, 23)
    ]
    alerts.append((date(2026, 11, 28), "O01", "stalled", "u1", "华东", "default", "quote", 1000.0, 10.0, 9.0, "slow"))
    targets = [
        (NOV, "company", "all", "won_amount", 400000.0, 100000.0, 0.25, 0.5, 250000.0, 0.5),
        (NOV, "rep", "u1", "won_amount", 100000.0, 60000.0, 0.6, 0.5, 90000.0, 0.75),
        (OCT, "company", "all", "won_amount", 200000.0, 184000.0, 0.92, 1.0, 184000.0, None),
    ]
    forecast = [
        (date(2026, 11, 28), NOV, "company", "all", 3, 300000.0, 90000.0, 120000.0),
        (date(2026, 11, 28), date(2026, 12, 1), "company", "all", 5, 500000.0, 150000.0, 200000.0),
        (date(2026, 11, 28), date(2026, 12, 1), "rep", "u1", 1, 7.0, 7.0, 7.0),
        (date(2026, 11, 1), date(2026, 12, 1), "company", "all", 9, 123456789.0, 123456789.0, 123456789.0),
    ]
    backtest = [
        (date(2026, 9, 1), "model", 10, 0.1), (date(2026, 9, 1), "stage_probability", 10, 0.2),
        (date(2026, 10, 1), "model", 30, 0.2), (date(2026, 10, 1), "stage_probability", 30, 0.3),
    ]  # fmt: skip
    channels = [
        (OCT, "转介绍", 4, 2, 1, 50000.0),
        (OCT, "抖音", 8, 3, 0, 0.0),
        (SEP, "转介绍", 2, 1, 2, 30000.0),
    ]
    return {
        "kpi_monthly": company,
        "kpi_stage_conversion": funnel,
        "dim_stages": stages,
        "dim_reps": reps,
        "kpi_rep_scorecard": scorecard,
        "kpi_open_deal_alerts": alerts,
        "kpi_target_attainment": targets,
        "kpi_forecast_monthly": forecast,
        "kpi_forecast_backtest": backtest,
        "kpi_new_customers_by_channel": channels,
    }


def build_marts(path: Path, skip: tuple[str, ...] = ()) -> Path:
    """A published marts file: tables in its default schema, so `marts.<table>` resolves as in production."""
    with duckdb.connect(str(path)) as con:
        for table, rows in _rows().items():
            if table in skip:
                continue
            con.execute(f"create table {table} ({TABLES[table]})")
            con.executemany(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)
    return path
