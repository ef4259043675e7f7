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
    "stg_crm__activities",
    "int_messages_paired",
    "int_prospect_records_linked",
)
# The columns read where the forecast needs few of a large relation (every message pair, every activity): the rest
# of the relation never reaches Python. The other relations are read whole.
COLUMNS: dict[str, tuple[str, ...]] = {
    "int_messages_paired": ("external_userid", "sent_at"),
    "stg_crm__activities": ("opportunity_id", "occurred_at"),
    "int_prospect_records_linked": ("record_type", "record_id", "prospect_id"),
}
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


def _touches(
    activities: pl.DataFrame, messages: pl.DataFrame, records: pl.DataFrame, opps: pl.DataFrame
) -> pl.DataFrame:
    """CRM follow-ups on the opportunity, and WeCom messages (either way) with its prospect."""
    crm = activities.filter(pl.col("opportunity_id").is_not_null()).select(
        "opportunity_id", touched_at=pl.col("occurred_at")
    )
    wecom_ids = records.filter(pl.col("record_type") == "wecom").select(
        external_userid=pl.col("record_id"), prospect_id=pl.col("prospect_id")
    )
    wecom = (
        messages.select("external_userid", touched_at=pl.col("sent_at"))
        .join(wecom_ids, on="external_userid")
        .join(
            opps.select("opportunity_id", "prospect_id").filter(pl.col("prospect_id").is_not_null()), on="prospect_id"
        )
        .select("opportunity_id", "touched_at")
    )
    return pl.concat([crm, wecom.with_columns(pl.col("touched_at").cast(crm.schema["touched_at"]))])


def history_from(read_columns: Callable[[str, tuple[str, ...] | None], pl.DataFrame]) -> History:
    """`read_columns(model_name, columns)` returns those columns of that relation (all of them for None) as a polars
    frame."""

    def read(name: str) -> pl.DataFrame:
        return read_columns(name, COLUMNS.get(name))

    opps = read("fct_opportunities")
    stages = read("dim_stages").filter(pl.col("state_kind") == "stage")
    return History.from_frames(
        transitions=read("fct_stage_transitions"),
        opportunities=opps.with_columns(pl.col("lead_source").fill_null("unknown")),
        owners=read("int_opportunity_owners_historized"),
        amounts=_amount_versions(read("int_opportunity_amounts_converted")),
        touches=_touches(
            read("stg_crm__activities"), read("int_messages_paired"), read("int_prospect_records_linked"), opps
        ),
        stages=stages.select(
            "pipeline_key",
            stage_key=pl.col("state_key"),
            stage_order="stage_order",
            probability="probability",
            is_required="is_required",
            stage_name="state_name",
        ),  # fmt: skip
    )
