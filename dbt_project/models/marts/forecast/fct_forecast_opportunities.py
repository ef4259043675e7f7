"""One row per open opportunity per as-of date: p_win, expected close month and the static stage probability.

Thin on purpose: read the refs, hand them to the tested `forecast` package, return its frame. The
method (point-in-time snapshots, a stage-move Markov chain per owner and source as the offset of a
regularized logistic regression, per-deal reasons, censored close timing) is described in
docs/forecast.md. The rows of the previous build are handed over too: an as-of date that saw the same
history (`history_digest`) keeps them, the others are refitted. The forecast is optional: should it fail
as a whole (each as-of date already falls back on its own), the table is left empty, the KPI marts use
the stage probabilities, and the warning test `assert_forecast_covers_the_open_deals` says so.
On DuckDB the model runs in dbt's process, beside DuckDB's cache: while it holds the history in Python,
DuckDB keeps at most MODEL_DUCKDB_MEMORY, so that the two never add up to the whole of both.
"""

import logging
from contextlib import nullcontext

import polars as pl

from forecast import forecast_opportunities
from forecast.predict import OUTPUT_SCHEMA
from forecast.sources import history_from
from storage.connection import memory_limit_lowered

MODEL_DUCKDB_MEMORY = "512MB"


def on_spark(session):
    return hasattr(session, "createDataFrame")


def as_polars(relation):
    """A ref as a polars frame: a DuckDB relation, or a Spark DataFrame on the Spark target."""
    return relation.pl() if hasattr(relation, "pl") else pl.from_arrow(relation.toArrow())


def as_result(frame, session):
    """The model's result as its engine takes it: Arrow for DuckDB, a Spark DataFrame in a Spark session."""
    table = frame.to_arrow()
    return session.createDataFrame(table) if on_spark(session) else table


def earlier_forecast(this, session):
    """This table as the previous build left it (the as-of dates it still answers are kept), or None."""
    try:
        relation = session.table(str(this)) if on_spark(session) else session.sql(f"from {this}")
        return as_polars(relation)
    except Exception:  # noqa: BLE001 - no earlier table (a first build) or an unreadable one: fit every date
        return None


def model(dbt, session):
    dbt.config(materialized="table")
    relations = {
        "fct_stage_transitions": dbt.ref("fct_stage_transitions"),
        "fct_opportunities": dbt.ref("fct_opportunities"),
        "dim_stages": dbt.ref("dim_stages"),
        "int_opportunity_owners_historized": dbt.ref("int_opportunity_owners_historized"),
        "int_opportunity_amounts_converted": dbt.ref("int_opportunity_amounts_converted"),
        "int_forecast_touches": dbt.ref("int_forecast_touches"),
    }
    timezone = dbt.config.get("business_timezone")
    horizon_days = int(dbt.config.get("forecast_horizon_days"))
    configured = dbt.config.get("duckdb_memory_limit")
    memory = nullcontext() if on_spark(session) else memory_limit_lowered(session, MODEL_DUCKDB_MEMORY, configured)
    try:
        with memory:
            history = history_from(lambda name: as_polars(relations[name]))
            reuse = str(dbt.config.get("reuse_earlier_forecast")).lower() == "true"
            earlier = earlier_forecast(dbt.this, session) if reuse else None
            forecast = forecast_opportunities(history, timezone, horizon_days=horizon_days, earlier=earlier)
    except Exception as exc:  # noqa: BLE001 - an optional product must never stop the KPI marts
        logging.getLogger("stagewise.forecast").warning("forecast failed, left empty: %s: %s", type(exc).__name__, exc)
        forecast = pl.DataFrame(schema=OUTPUT_SCHEMA)
    return as_result(forecast, session)  # dbt parses a Python model's single return statement
