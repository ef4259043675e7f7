"""Build the forecast's `History` from warehouse relations (dbt refs in production, SQL in tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import polars as pl

from forecast.inputs import History

# The relations read, by dbt model name. Marts are the public interface; the rest are staging and
# intermediate models that keep the event timestamps the marts summarize away.
RELATIONS = (
    "fct_stage_transitions",
    "fct_opportunities",
    "dim_stages",
    "int_opportunity_owners_historized",
    "int_opportunity_amounts_converted",
    "int_forecast_touches",
)
BEGINNING = datetime(1900, 1, 1)


def _amount_versions(snapshots: pl.DataFrame) -> pl.DataFrame:
    """Amount versions: each snapshot's amount holds from its updated_at (else delivery); the first from always,
    unless that first snapshot already reports the deal closed: an amount first seen at the close (lost deals
    exported with 0, amounts filled in when won) is not back-dated to the open deal, which would leak the outcome.

    `amount` is in the reporting currency; NULL where the delivered amount had no exchange rate (unknown, not 0).
    """
    return (
        snapshots.filter(pl.col("amount_original").is_not_null())
        .with_columns(valid_from=pl.coalesce("updated_at", "delivered_at"))
        .sort("opportunity_id", "delivered_at", "source_file", "source_line")
        .with_columns(
            valid_from=pl.when((pl.int_range(pl.len()).over("opportunity_id") == 0) & ~pl.col("is_reported_closed"))
            .then(pl.lit(BEGINNING).dt.replace_time_zone("UTC").dt.cast_time_unit("us"))
            .otherwise(pl.col("valid_from").dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
        )
        .select("opportunity_id", "amount", "valid_from")
    )


def history_from(read: Callable[[str], pl.DataFrame]) -> History:
    """`read(model_name)` returns that relation (one of RELATIONS) as a polars frame."""
    opps = read("fct_opportunities")
    stages = read("dim_stages").filter(pl.col("state_kind") == "stage")
    return History.from_frames(
        transitions=read("fct_stage_transitions"),
        opportunities=opps.with_columns(pl.col("lead_source").fill_null("unknown")),
        owners=read("int_opportunity_owners_historized"),
        amounts=_amount_versions(read("int_opportunity_amounts_converted")),
        touches=read("int_forecast_touches"),
        stages=stages.select(
            "pipeline_key",
            stage_key=pl.col("state_key"),
            stage_order="stage_order",
            probability="probability",
            is_required="is_required",
            stage_name="state_name",
        ),  # fmt: skip
    )
