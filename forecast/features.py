"""Model features of open deals at each snapshot, each computed from events before the snapshot's cutoff."""

from __future__ import annotations

import numpy as np
import polars as pl

from forecast.chain import chain_frames
from forecast.inputs import History
from forecast.logit import logit
from forecast.shrinkage import shrunk_rates
from forecast.state import days_between

RECENT_DAYS = 14
FEATURES = (
    "log_days_in_stage",
    "stall_log_ratio",
    "stall_excess",
    "log_deal_age",
    "regressed",
    "reopened",
    "skipped_required",
    "log_amount",
    "log_touches_recent",
    "log_touch_rate_stage",
    "log_touch_rate_life",
    "log_days_since_touch",
    "owner_effect",
    "source_effect",
    "chain_stage_shift",
    "chain_owner",
    "chain_source",
)


def typical_stage_days(transitions: pl.DataFrame, cutoffs: pl.DataFrame) -> pl.DataFrame:
    """Median days a deal spent in each stage before moving forward, from forward moves before each cutoff."""
    moves = transitions.filter(pl.col("is_forward") & pl.col("days_in_from_state").is_not_null())
    return (
        cutoffs.join_where(moves, pl.col("transitioned_at") < pl.col("cutoff_at"))
        .group_by("snapshot_date", "pipeline_key", pl.col("from_state").alias("state"))
        .agg(typical_days=pl.col("days_in_from_state").median(), typical_n=pl.len())
    )


def _count_before(frame: pl.DataFrame, running: pl.DataFrame, at: str, name: str) -> pl.DataFrame:
    """Add `name`: the number of the deal's touches strictly before the instant in column `at` (and, for the
    cutoff, `last_touch_at`: the latest of them)."""
    matched = frame.sort(at).join_asof(
        running.rename({"touched_at": f"_{name}_at"}),
        left_on=at,
        right_on=f"_{name}_at",
        by="opportunity_id",
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    return matched.rename({"touches_through": name}).with_columns(pl.col(name).fill_null(0))


def touch_features(states: pl.DataFrame, touches: pl.DataFrame) -> pl.DataFrame:
    """Touches (follow-ups, messages) before each cutoff: recent, during the current stage, over the deal's life.

    Counted as differences of one running count per deal (touches strictly before an instant, by as-of joins),
    so memory grows with deals × snapshots, never with touches × snapshots.
    """
    running = (
        touches.filter(pl.col("touched_at").is_not_null())
        .group_by("opportunity_id", "touched_at")
        .agg(touches_through=pl.len())
        .sort("opportunity_id", "touched_at")
        .with_columns(pl.col("touches_through").cum_sum().over("opportunity_id"))
        .sort("touched_at")
    )
    keys = states.select(
        "snapshot_date", "opportunity_id", "cutoff_at", "entered_at", "created_at",
        recent_from=pl.col("cutoff_at") - pl.duration(days=RECENT_DAYS),
    )  # fmt: skip
    keys = _count_before(keys, running, "cutoff_at", "before_cutoff").rename({"_before_cutoff_at": "last_touch_at"})
    for at, name in (("recent_from", "before_recent"), ("entered_at", "before_stage"), ("created_at", "before_life")):
        keys = _count_before(keys, running, at, name).drop(f"_{name}_at")
    counted = keys.select(
        "snapshot_date",
        "opportunity_id",
        touches_recent=(pl.col("before_cutoff") - pl.col("before_recent")).cast(pl.UInt32),
        touches_stage=(pl.col("before_cutoff") - pl.col("before_stage")).cast(pl.UInt32),
        touches_life=(pl.col("before_cutoff") - pl.col("before_life")).cast(pl.UInt32),
        last_touch_at="last_touch_at",
    )
    return states.join(counted, on=["snapshot_date", "opportunity_id"], how="left")


def group_effects(states: pl.DataFrame, key: str) -> pl.DataFrame:
    """Per snapshot and group: logit of the shrunk win rate of deals closed before the cutoff minus the pooled one."""
    closed = states.filter(pl.col("state").is_in(["won", "lost"]) & pl.col(key).is_not_null())
    rows = []
    for (snapshot,), group in closed.group_by("snapshot_date", maintain_order=True):
        counts = group.group_by(key).agg(wins=(pl.col("state") == "won").sum(), deals=pl.len()).sort(key)
        rates, pooled = shrunk_rates(counts["wins"].to_numpy(), counts["deals"].to_numpy())
        rows.append(
            counts.select(key).with_columns(
                snapshot_date=pl.lit(snapshot, dtype=pl.Date),
                effect=pl.Series(logit(rates) - logit(pooled)),
            )
        )
    schema = {key: pl.String, "snapshot_date": pl.Date, "effect": pl.Float64}
    effects = pl.concat(rows) if rows else pl.DataFrame(schema=schema)
    return effects.rename({"effect": f"{key}_effect"})


def open_deal_features(
    states: pl.DataFrame, transitions: pl.DataFrame, touches: pl.DataFrame, history: History
) -> pl.DataFrame:
    """The feature columns (FEATURES) of every deal open at a snapshot, with its identifying columns."""
    cutoffs = states.select("snapshot_date", "cutoff_at").unique()
    chain_company, chain_owner, chain_source = chain_frames(transitions, history, cutoffs)
    owner = group_effects(states, "owner_id").rename({"owner_id_effect": "owner_effect"})
    source = group_effects(states, "lead_source").rename({"lead_source_effect": "source_effect"})
    open_states = touch_features(states.filter(pl.col("is_open")), touches)
    frame = (
        open_states.join(
            typical_stage_days(transitions, cutoffs), on=["snapshot_date", "pipeline_key", "state"], how="left"
        )
        .join(owner, on=["snapshot_date", "owner_id"], how="left")
        .join(source, on=["snapshot_date", "lead_source"], how="left")
        .join(chain_company, on=["snapshot_date", "pipeline_key", "state"], how="left")
        .join(chain_owner, on=["snapshot_date", "pipeline_key", "owner_id", "state"], how="left")
        .join(chain_source, on=["snapshot_date", "pipeline_key", "lead_source", "state"], how="left")
    )
    days = pl.col("days_in_stage")
    typical = pl.col("typical_days").fill_null(days.median().over("snapshot_date")).clip(lower_bound=1.0)
    ratio = ((days + 1.0) / (typical + 1.0)).log().clip(-3.0, 3.0)
    last_touch = pl.max_horizontal("last_touch_at", "entered_at")
    return frame.with_columns(
        log_days_in_stage=days.log1p(),
        stall_log_ratio=ratio,
        stall_excess=(ratio - np.log(1.5)).clip(lower_bound=0.0),
        log_deal_age=pl.col("deal_age_days").log1p(),
        regressed=(pl.col("regressions") > 0).cast(pl.Float64),
        reopened=(pl.col("reopens") > 0).cast(pl.Float64),
        skipped_required=pl.col("skipped_required").cast(pl.Float64),
        log_amount=pl.col("amount").fill_null(pl.col("amount").median().over("snapshot_date")).clip(1.0).log(),
        log_touches_recent=pl.col("touches_recent").log1p(),
        log_touch_rate_stage=(7.0 * pl.col("touches_stage") / days.clip(lower_bound=3.0)).log1p(),
        log_touch_rate_life=(7.0 * pl.col("touches_life") / pl.col("deal_age_days").clip(lower_bound=3.0)).log1p(),
        log_days_since_touch=days_between(last_touch, "cutoff_at").clip(lower_bound=0.0).log1p(),
        owner_effect=pl.col("owner_effect").fill_null(0.0),
        source_effect=pl.col("source_effect").fill_null(0.0),
        chain_stage_shift=(
            pl.col("chain_log_odds") - pl.col("probability").clip(0.005, 0.995).pipe(lambda p: (p / (1 - p)).log())
        ).fill_null(0.0),
        chain_owner=pl.col("chain_owner_id").fill_null(0.0),
        chain_source=pl.col("chain_lead_source").fill_null(0.0),
        days_since_last_touch=days_between(last_touch, "cutoff_at"),
    )
