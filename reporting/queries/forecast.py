"""What lies ahead: targets and pace, the won-amount forecast of the coming months, and how the forecast
scored in its backtest. The company target is read one way, in `COMPANY_WON_AMOUNT_TARGET`."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import duckdb

from reporting.queries.common import COMPANY, dicts, has_table, with_columns

SCOPE_ORDER = "case scope_type when 'company' then 0 when 'team' then 1 else 2 end, scope_id, metric"
# The company's won-amount target per month: its company scope row (never a team's or a rep's target).
COMPANY_WON_AMOUNT_TARGET = (
    f"select month_start, target from marts.kpi_target_attainment where {COMPANY} and metric = 'won_amount'"
)


# which probabilities weight the published pipeline, and why (kpi_forecast_monthly, docs/forecast.md)
PUBLISHED_METHOD = ("model_weighted_amount", "weighted_method", "weighted_method_reason")


class BrierScores(NamedTuple):
    """Brier score of each method over every as-of date, weighted by its scored deals (lower is better)."""

    model: float | None
    stage_probability: float | None


def targets(con: duckdb.DuckDBPyConnection, month: date, *, company_only: bool = False) -> list[dict[str, Any]]:
    """Target rows of the month: company first, then teams, then reps, each by id and metric."""
    if not has_table(con, "kpi_target_attainment"):
        return []
    scope = f"and {COMPANY}" if company_only else ""
    return dicts(
        con,
        f"""select scope_type, scope_id, metric, target, actual, attainment, days_elapsed_share, projected,
                   pipeline_coverage
            from marts.kpi_target_attainment where month_start = ? {scope}
            order by {SCOPE_ORDER}""",
        [month],
    )


def forecast_months(con: duckdb.DuckDBPyConnection, months: int) -> list[dict[str, Any]]:
    """Company forecast at the latest as-of date for its month and the `months - 1` next ones, with the company's
    won-amount target of each month (None without one). weighted_amount is the published figure: the stage-weighted
    one when weighted_method is stage_probability (the model scored worse lately; weighted_method_reason says so)."""
    if not has_table(con, "kpi_forecast_monthly"):
        return []
    company_target = COMPANY_WON_AMOUNT_TARGET
    monthly = with_columns(con, "kpi_forecast_monthly", PUBLISHED_METHOD)
    if not has_table(con, "kpi_target_attainment"):
        company_target = "select null::date as month_start, null::double as target where false"
    return dicts(
        con,
        f"""with latest as (select max(as_of_date) as as_of_date from marts.kpi_forecast_monthly),
                 company_forecast as (select * from {monthly} where {COMPANY}),
                 company_target as ({company_target})
            select f.as_of_date, f.month_start, f.open_deals, f.open_pipeline_amount, f.weighted_amount,
                   f.stage_weighted_amount, f.model_weighted_amount, f.weighted_method,
                   f.weighted_method_reason, company_target.target
            from company_forecast as f
            inner join latest on f.as_of_date = latest.as_of_date
            left join company_target on f.month_start = company_target.month_start
            where f.month_start < date_trunc('month', latest.as_of_date) + to_months(?)
            order by f.month_start""",
        [months],
    )


def backtest(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Brier scores of both methods per as-of date: one row per as-of date."""
    if not has_table(con, "kpi_forecast_backtest"):
        return []
    return dicts(
        con,
        """select as_of_date, max(deals) as deals,
                  max(brier_score) filter (where method = 'model') as model,
                  max(brier_score) filter (where method = 'stage_probability') as stage_probability
           from marts.kpi_forecast_backtest group by as_of_date order by as_of_date""",
    )


def brier_scores(con: duckdb.DuckDBPyConnection) -> BrierScores:
    """Each method's Brier score over every as-of date, weighted by the deals scored at each date."""
    if not has_table(con, "kpi_forecast_backtest"):
        return BrierScores(None, None)
    model, stage = con.execute(
        """select sum(brier_score * deals) filter (where method = 'model')
                      / nullif(sum(deals) filter (where method = 'model'), 0),
                  sum(brier_score * deals) filter (where method = 'stage_probability')
                      / nullif(sum(deals) filter (where method = 'stage_probability'), 0)
           from marts.kpi_forecast_backtest where brier_score is not null"""
    ).fetchone()
    return BrierScores(model, stage)
