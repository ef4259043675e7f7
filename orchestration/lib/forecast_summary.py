"""The forecast for the coming months next to the targets, as plain text lines (for `stagewise kpi`)."""

from __future__ import annotations

import duckdb

from orchestration.lib.marts_queries import has_table

MONTHS_AHEAD = 3


def _amount(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _targets(con: duckdb.DuckDBPyConnection) -> dict:
    if not has_table(con, "kpi_target_attainment"):
        return {}
    rows = con.execute(
        "select month_start, target from marts.kpi_target_attainment "
        "where scope_type = 'company' and scope_id = 'all' and metric = 'won_amount'"
    ).fetchall()
    return dict(rows)


def _trust_line(con: duckdb.DuckDBPyConnection) -> list[str]:
    if not has_table(con, "kpi_forecast_backtest"):
        return []
    rows = dict(
        con.execute(
            "select method, sum(brier_score * deals) / nullif(sum(deals), 0) from marts.kpi_forecast_backtest "
            "where brier_score is not null group by method"
        ).fetchall()
    )
    model, stage = rows.get("model"), rows.get("stage_probability")
    if model is None or stage is None or stage == 0:
        return []
    return [
        f"  Backtest Brier score (lower is better): model {model:.3f}, stage probabilities {stage:.3f} "
        f"({1 - model / stage:.0%} lower)"
    ]


def forecast_lines(con: duckdb.DuckDBPyConnection, months: int = MONTHS_AHEAD) -> list[str]:
    """Company forecast at the latest as-of date for the as-of month and the next months, with the targets."""
    if not has_table(con, "kpi_forecast_monthly"):
        return []
    rows = con.execute(
        """with latest as (select max(as_of_date) as as_of_date from marts.kpi_forecast_monthly)
           select f.as_of_date, f.month_start, f.weighted_amount, f.stage_weighted_amount, f.open_pipeline_amount
           from marts.kpi_forecast_monthly as f
           inner join latest on f.as_of_date = latest.as_of_date
           where f.scope_type = 'company' and f.month_start < date_trunc('month', latest.as_of_date) + to_months(?)
           order by f.month_start""",
        [months],
    ).fetchall()
    if not rows:
        return []
    targets = _targets(con)
    lines = ["", f"Won-amount forecast as of {rows[0][0]:%Y-%m-%d} (company, open deals by expected close month):"]
    lines.append(f"  {'month':<8} {'model':>14} {'stage-weighted':>15} {'open pipeline':>14} {'target':>14}")
    for _, month, weighted, stage_weighted, pipeline in rows:
        target = targets.get(month)
        lines.append(
            f"  {month:%Y-%m}  {_amount(weighted):>14} {_amount(stage_weighted):>15} {_amount(pipeline):>14} "
            f"{_amount(target):>14}"
        )
    return lines + _trust_line(con)
