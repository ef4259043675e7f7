"""When a deal that will be won closes: Kaplan-Meier time to the win from training snapshots, per stage.

A snapshot of a deal won before the as-of date is an event (its remaining days to the win); a snapshot of a
deal still open at the as-of date is censored (it has waited `elapsed` days so far without closing), weighted
by that deal's p_win (the chance it belongs with the winners at all); snapshots of lost deals do not count.
Counting only the wins already seen would leave out the slow ones that are still open and bias the expected
close month towards fast deals (most at early as-of dates).
"""

from __future__ import annotations

import numpy as np
import polars as pl

HORIZON_DAYS = 90
MIN_WINS = 10  # below this many won snapshots a stage borrows its pipeline's (then everyone's) distribution
DEFAULT_MEDIAN_DAYS, DEFAULT_SHARE = 30.0, 0.8  # no win seen at all


def kaplan_meier(
    times: np.ndarray, events: np.ndarray, weights: np.ndarray, horizon_days: float
) -> tuple[float, float]:
    """(median time to the win, P(win within horizon_days | won)) from weighted, right-censored times.

    The median is the first event time where the survival curve reaches 0.5; when it never does (more than half
    of the winners' weight still waiting), the longest time observed: a lower bound, never a fast guess.
    """
    if not (events > 0).any():
        return DEFAULT_MEDIAN_DAYS, DEFAULT_SHARE
    unique, index = np.unique(times, return_inverse=True)
    died = np.bincount(index, weights * events, minlength=len(unique))
    total = np.bincount(index, weights, minlength=len(unique))
    at_risk = np.cumsum(total[::-1])[::-1]
    survival = np.cumprod(1.0 - np.divide(died, at_risk, out=np.zeros_like(died), where=at_risk > 0))
    reached = np.nonzero(survival <= 0.5)[0]
    median = float(unique[reached[0]]) if len(reached) else float(unique[-1])
    before = np.nonzero(unique < horizon_days)[0]
    share = 1.0 - float(survival[before[-1]]) if len(before) else 0.0
    return median, share


def _summaries(rows: pl.DataFrame, keys: list[str], horizon_days: int) -> pl.DataFrame:
    """Per group of `keys`: median_remaining_days, share_within_horizon and the number of won snapshots."""
    out = []
    groups = rows.group_by(keys, maintain_order=True) if keys else [((), rows)]
    for key, group in groups:
        median, share = kaplan_meier(
            group["days"].to_numpy(), group["event"].to_numpy(), group["weight"].to_numpy(), horizon_days
        )
        out.append({**dict(zip(keys, key, strict=True)), "median_remaining_days": median,
                    "share_within_horizon": share, "wins": int(group["event"].sum())})  # fmt: skip
    schema = {**{k: pl.String for k in keys}, "median_remaining_days": pl.Float64, "share_within_horizon": pl.Float64,
              "wins": pl.Int64}  # fmt: skip
    return pl.DataFrame(out, schema=schema) if out else pl.DataFrame(schema=schema)


def close_timing(
    won_rows: pl.DataFrame, targets: pl.DataFrame, horizon_days: int = HORIZON_DAYS, waiting: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per target row: median remaining days to the win and P(won within horizon_days | won).

    `won_rows`: training snapshots of deals won before the as-of date (pipeline_key, state, remaining_days);
    `waiting`: snapshots of deals still open at the as-of date (pipeline_key, state, elapsed_days, weight), the
    censored observations; `targets`: the rows to predict (pipeline_key, state). Falls back stage → pipeline →
    everyone when a group has fewer than MIN_WINS won snapshots.
    """
    events = won_rows.select("pipeline_key", "state", days=pl.col("remaining_days"), event=pl.lit(1.0),
                             weight=pl.lit(1.0))  # fmt: skip
    if waiting is not None and waiting.height:
        censored = waiting.select("pipeline_key", "state", days=pl.col("elapsed_days"), event=pl.lit(0.0),
                                  weight=pl.col("weight"))  # fmt: skip
        events = pl.concat([events, censored.cast(events.schema)])
    by_stage = _summaries(events, ["pipeline_key", "state"], horizon_days).filter(pl.col("wins") >= MIN_WINS)
    by_pipeline = _summaries(events, ["pipeline_key"], horizon_days).filter(pl.col("wins") >= MIN_WINS)
    overall = _summaries(events, [], horizon_days)
    median_all, share_all = overall["median_remaining_days"][0], overall["share_within_horizon"][0]
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
