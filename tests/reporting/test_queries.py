"""Rules the queries own once for every report: the company target, the weighted Brier score, the default settings."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from reporting import queries as q
from reporting.terminal import forecast_lines

DEC = date(2026, 12, 1)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_forecast_monthly as select date '2026-11-29' as as_of_date, date '2026-12-01' as "
        "month_start, 'company' as scope_type, 'all' as scope_id, 3 as open_deals, 500.0 as open_pipeline_amount, "
        "200.0 as weighted_amount, 300.0 as stage_weighted_amount"
    )
    return con


def test_the_company_target_is_the_company_scope_row_of_won_amount(con):
    """Teams', reps' and other metrics' targets are larger here; so is a company row not scoped `all`, which the
    former `max(target) where scope_type = 'company'` reported. Only (company, all, won_amount) is the target."""
    con.execute(
        "create table marts.kpi_target_attainment as select * from (values "
        "(date '2026-12-01', 'company', 'all', 'won_amount', 250.0), "
        "(date '2026-12-01', 'company', 'all', 'won_deals', 9000.0), "
        "(date '2026-12-01', 'company', 'legacy', 'won_amount', 7000.0), "
        "(date '2026-12-01', 'team', '华东', 'won_amount', 900.0), "
        "(date '2026-12-01', 'rep', 'u1', 'won_amount', 5000.0)) "
        "as t(month_start, scope_type, scope_id, metric, target)"
    )
    con.execute(
        "create or replace table marts.kpi_target_attainment as select *, null::double as actual, null::double as "
        "attainment, null::double as days_elapsed_share, null::double as projected, null::double as pipeline_coverage "
        "from marts.kpi_target_attainment"
    )
    [row] = q.forecast_months(con, 3)
    assert row["month_start"] == DEC and row["target"] == 250.0
    december = next(line for line in forecast_lines(con) if line.strip().startswith("2026-12"))
    assert december.split()[-1] == "250"
    company = q.targets(con, DEC, company_only=True)
    assert [(r["scope_id"], r["metric"], r["target"]) for r in company] == [
        ("all", "won_amount", 250.0),
        ("all", "won_deals", 9000.0),
    ]
    assert len(q.targets(con, DEC)) == 5  # the targets table of the page lists every scope


def test_no_targets_table_no_target(con):
    [row] = q.forecast_months(con, 3)
    assert row["target"] is None


def test_brier_scores_are_weighted_by_the_deals_scored_at_each_as_of_date(con):
    con.execute(
        "create table marts.kpi_forecast_backtest as select * from (values "
        "(date '2026-09-01', 'model', 10, 0.1), (date '2026-09-01', 'stage_probability', 10, 0.2), "
        "(date '2026-10-01', 'model', 30, 0.2), (date '2026-10-01', 'stage_probability', 30, 0.3), "
        "(date '2026-11-01', 'model', 0, null), (date '2026-11-01', 'stage_probability', 0, null)) "
        "as t(as_of_date, method, deals, brier_score)"
    )
    model, stage = q.brier_scores(con)
    assert model == pytest.approx(0.175) and stage == pytest.approx(0.275)
    assert forecast_lines(con)[-1] == (
        "  Backtest Brier score (lower is better): model 0.175, stage probabilities 0.275 (36% lower)"
    )


def test_without_a_backtest_no_scores():
    assert q.brier_scores(duckdb.connect()) == q.BrierScores(None, None)


def test_marts_without_settings_follow_the_project_default():
    """The default lives in ingest's default pipelines.yml; older marts without dim_reporting_settings use it."""
    from ingest.stages import load_stage_config

    default = load_stage_config(None, None)
    settings = q.reporting_settings(duckdb.connect())
    assert settings == (default.business_timezone, default.reporting_currency) == ("Asia/Shanghai", "CNY")
