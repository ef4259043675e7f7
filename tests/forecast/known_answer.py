"""Backtest of the forecast on the known-answer world (tests/forecast/markov_world.py).

At every monthly as-of date from the fourth month of data on, every open deal gets three probabilities:
the model's p_win, the configured stage probability and the exact probability from the chain (the floor
no model can beat on average). Each is scored against the deal's final outcome (every deal is simulated
to its end). Run `python -m tests.forecast.known_answer [seed ...]` (default seed 11, the one the test uses) to print
the numbers quoted in docs/forecast.md.
"""

from __future__ import annotations

import sys
import time

import polars as pl

from forecast import forecast_opportunities
from forecast.calendar import as_of_dates
from tests.forecast.markov_world import World, simulate

TZ = "Asia/Shanghai"
METHODS = ("model", "stage_probability", "exact")


def scored(world: World) -> pl.DataFrame:
    """One row per (monthly as-of date, open deal): p_win, stage_probability, p_exact and the final outcome."""
    history = world.history
    dates = [d for d in as_of_dates(history.first_event_at(), history.last_event_at(), TZ) if d.day == 1]
    forecast = forecast_opportunities(history, TZ, as_of=dates)
    return (
        forecast.join(world.outcomes, on="opportunity_id")
        .join(world.exact, on=["owner_id", "lead_source", "stage_key"])
        .select(
            "as_of_date",
            "opportunity_id",
            "stage_key",
            "owner_id",
            "p_win_method",
            "p_win_reasons",
            model="p_win",
            stage_probability="stage_probability",
            exact="p_exact",
            won=pl.col("won").cast(pl.Float64),
        )
    )


def brier(frame: pl.DataFrame) -> dict[str, float]:
    """Pooled Brier score of each method over every scored (as-of date, deal)."""
    return {m: float(frame.select(((pl.col(m) - pl.col("won")) ** 2).mean()).item()) for m in METHODS}


def report(seed: int) -> None:
    started = time.perf_counter()
    world = simulate(seed)
    rows = scored(world)
    scores = brier(rows)
    deals = world.outcomes.height
    dates = rows["as_of_date"].n_unique()
    print(f"known-answer world (seed {seed}): {deals} deals, {dates} as-of dates, {rows.height} deal-dates")
    for method in METHODS:
        print(f"  {method:<18} Brier {scores[method]:.4f}  ({scores[method] / scores['exact']:.3f} × exact)")
    print(f"  model vs stage probabilities: {1 - scores['model'] / scores['stage_probability']:.1%} lower")
    per_date = rows.group_by("as_of_date").agg(
        deals=pl.len(), **{m: ((pl.col(m) - pl.col("won")) ** 2).mean() for m in METHODS}
    )
    print(per_date.sort("as_of_date"))
    print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)


def main() -> None:
    for seed in [int(a) for a in sys.argv[1:]] or [11]:
        report(seed)


if __name__ == "__main__":
    main()
