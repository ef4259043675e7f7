"""The history the forecast learns from: event tables with timestamps, checked and typed once at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

UTC_TIME = pl.Datetime("us", "UTC")
OUTCOMES = ("won", "lost", "invalid")

SCHEMAS: dict[str, pl.Schema] = {
    # one row per transition: the stage (or outcome) entered and when
    "transitions": pl.Schema(
        {
            "opportunity_id": pl.String,
            "seq": pl.Int64,
            "from_state": pl.String,
            "to_state": pl.String,
            "transitioned_at": UTC_TIME,
        }
    ),  # fmt: skip
    # one row per opportunity: attributes known from its creation on
    "opportunities": pl.Schema({"opportunity_id": pl.String, "pipeline_key": pl.String, "lead_source": pl.String}),
    # owner periods: owner_id holds from valid_from until the next row of the same opportunity
    "owners": pl.Schema({"opportunity_id": pl.String, "owner_id": pl.String, "valid_from": UTC_TIME}),
    # amount versions: amount holds from valid_from until the next row of the same opportunity
    "amounts": pl.Schema({"opportunity_id": pl.String, "amount": pl.Float64, "valid_from": UTC_TIME}),
    # touches: CRM follow-ups and WeCom messages with the opportunity's prospect
    "touches": pl.Schema({"opportunity_id": pl.String, "touched_at": UTC_TIME}),
    # the stage configuration (pipelines.yml): probability as a fraction in [0, 1]
    "stages": pl.Schema(
        {
            "pipeline_key": pl.String,
            "stage_key": pl.String,
            "stage_order": pl.Int64,
            "probability": pl.Float64,
            "is_required": pl.Boolean,
        }
    ),  # fmt: skip
}


# Columns an input may lack, with the value they take then: a transition is a first stay seen late only
# when fct_stage_transitions says so (a deal without stage log first seen past its first stage).
OPTIONAL: dict[str, dict[str, tuple[pl.DataType, object]]] = {
    "transitions": {"first_seen_late": (pl.Boolean(), False)},
    # the stage's display name (dim_stages.state_name) for the per-deal reasons; the stage key without it
    "stages": {"stage_name": (pl.String(), None)},
}


class HistoryError(ValueError):
    """An input table lacks a column the forecast needs."""


def _conform(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    schema = SCHEMAS[name]
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise HistoryError(f"forecast input `{name}` lacks column(s) {missing}; it has {frame.columns}")
    columns = []
    for column, dtype in schema.items():
        expr = pl.col(column)
        if isinstance(dtype, pl.Datetime):
            source = frame.schema[column]
            expr = (
                expr.dt.convert_time_zone("UTC")
                if getattr(source, "time_zone", None)
                else expr.dt.replace_time_zone("UTC")
            )
            expr = expr.dt.cast_time_unit("us")
        columns.append(expr.cast(dtype))
    for column, (dtype, default) in OPTIONAL.get(name, {}).items():
        present = column in frame.columns
        expr = (pl.col(column) if present else pl.lit(default)).cast(dtype)
        columns.append((expr if default is None else expr.fill_null(default)).alias(column))
    return frame.select(columns)


@dataclass(frozen=True)
class History:
    """Everything the forecast may know, each row stamped with the instant it became true."""

    transitions: pl.DataFrame
    opportunities: pl.DataFrame
    owners: pl.DataFrame
    amounts: pl.DataFrame
    touches: pl.DataFrame
    stages: pl.DataFrame

    @classmethod
    def from_frames(cls, **frames: pl.DataFrame) -> History:
        unknown = set(frames) - set(SCHEMAS)
        if unknown:
            raise HistoryError(f"unknown forecast input(s) {sorted(unknown)}")
        return cls(**{name: _conform(name, frames[name]) for name in SCHEMAS})

    def before(self, cutoff: datetime) -> History:
        """The history as it was known at `cutoff`: every event at or after it removed."""
        return History(
            transitions=self.transitions.filter(pl.col("transitioned_at") < cutoff),
            opportunities=self.opportunities.join(
                self.transitions.filter(pl.col("transitioned_at") < cutoff).select("opportunity_id").unique(),
                on="opportunity_id",
                how="semi",
            ),
            owners=self.owners.filter(pl.col("valid_from") < cutoff),
            amounts=self.amounts.filter(pl.col("valid_from") < cutoff),
            touches=self.touches.filter(pl.col("touched_at") < cutoff),
            stages=self.stages,
        )

    def last_event_at(self) -> datetime:
        """The latest instant in the data (transitions and touches): the data decides "now", never the clock."""
        candidates = [self.transitions["transitioned_at"].max(), self.touches["touched_at"].max()]
        present = [c for c in candidates if c is not None]
        if not present:
            raise HistoryError("forecast inputs hold no transition and no touch: nothing to date the forecast by")
        return max(present)

    def first_event_at(self) -> datetime:
        first = self.transitions["transitioned_at"].min()
        if first is None:
            raise HistoryError("forecast input `transitions` is empty")
        return first
