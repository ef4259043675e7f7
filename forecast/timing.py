"""When a deal that will be won closes: remaining days from won training snapshots, per stage."""

from __future__ import annotations

import polars as pl

HORIZON_DAYS = 90
MIN_WINS = 10  # below this many won snapshots a stage borrows its pipeline's (then everyone's) distribution


def _summary(frame: pl.DataFrame, keys: list[str], horizon_days: int) -> pl.DataFrame:
    aggs = [
        pl.col("remaining_days").median().alias("median_remaining_days"),
        (pl.col("remaining_days") < horizon_days).mean().alias("share_within_horizon"),
        pl.len().alias("wins"),
    ]
    return frame.group_by(keys).agg(aggs) if keys else frame.select(aggs)


def close_timing(won_rows: pl.DataFrame, targets: pl.DataFrame, horizon_days: int = HORIZON_DAYS) -> pl.DataFrame:
    """Per target row: median remaining days to the win and P(won within horizon_days | won).

    `won_rows` are training snapshots of deals later won, with pipeline_key, state and remaining_days;
    `targets` are the rows to predict (pipeline_key, state). Falls back stage → pipeline → everyone.
    """
    by_stage = _summary(won_rows, ["pipeline_key", "state"], horizon_days).filter(pl.col("wins") >= MIN_WINS)
    by_pipeline = _summary(won_rows, ["pipeline_key"], horizon_days).filter(pl.col("wins") >= MIN_WINS)
    overall = _summary(won_rows, [], horizon_days)
    median_all = overall["median_remaining_days"][0] if len(won_rows) else 30.0
    share_all = overall["share_within_horizon"][0] if len(won_rows) else 0.8
    return (
        targets.join(by_stage.drop("wins"), on=["pipeline_key", "state"], how="left")
        .join(by_pipeline.drop("wins"), on="pipeline_key", how="left", suffix="_pipeline")
        .with_columns(
            median_remaining_days=pl.coalesce(
                "median_remaining_days", "median_remaining_days_pipeline", pl.lit(median_all)
            ),
            share_within_horizon=pl.coalesce(
                "share_within_horizon", "share_within_horizon_pipeline", pl.lit(share_all)
            ),
        )
        .drop("median_remaining_days_pipeline", "share_within_horizon_pipeline")
    )
