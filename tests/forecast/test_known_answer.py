"""The forecast on a world whose answer is known (tests/forecast/markov_world.py): close to the exact floor."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tests.forecast.known_answer import brier, scored
from tests.forecast.markov_world import STAGES, World, exact_p_win, simulate


@pytest.fixture(scope="module")
def world() -> World:
    return simulate()


@pytest.fixture(scope="module")
def rows(world: World) -> pl.DataFrame:
    return scored(world)


def test_the_fundamental_matrix_solves_a_chain_worked_by_hand() -> None:
    """Each stage: forward or lost, half and half; lost reopens to the second stage with probability 0.2.

    With L = 0.2·h2 the value of a loss: h5 = .5 + .5L, h4 = .25 + .75L, h3 = .125 + .875L,
    h2 = .0625 + .9375L → h2 = .0625 / (1 - .1875) = 1/13, and h1 = .5·h2 + .5L = .6·h2.
    """
    k = len(STAGES)
    p = np.zeros((k + 2, k + 2))
    lost, won = k, k + 1
    for s in range(k):
        p[s, s + 1 if s + 1 < k else won] = 0.5
        p[s, lost] = 0.5
    p[lost, 1] = 0.2
    h = exact_p_win(p)
    assert k == 5
    assert h[1] == pytest.approx(1 / 13)
    assert h[0] == pytest.approx(0.6 / 13)
    assert h[4] == pytest.approx(0.5 + 0.5 * 0.2 / 13)


def test_the_exact_probabilities_match_the_simulated_outcomes(world: World) -> None:
    """At creation every deal has its owner's and source's exact probability from the first stage: on average the
    deals won as often as the algebra says (1,000 deals: a standard error of about 1.5 points)."""
    first = world.exact.filter(pl.col("stage_key") == STAGES[0][0])
    created = (
        world.history.opportunities.join(world.history.owners, on="opportunity_id")
        .join(first, on=["owner_id", "lead_source"])
        .join(world.outcomes, on="opportunity_id")
    )
    assert created.height > 900
    assert abs(created["p_exact"].mean() - created["won"].mean()) < 0.04
    # the owners differ clearly: the best wins several times as often as the worst
    by_owner = first.group_by("owner_id").agg(pl.col("p_exact").mean())["p_exact"]
    assert by_owner.max() > 3 * by_owner.min()


def test_the_model_is_within_ten_percent_of_the_exact_floor_and_well_below_the_stage_probabilities(
    rows: pl.DataFrame,
) -> None:
    assert rows["as_of_date"].n_unique() >= 15 and rows.height > 1000
    assert rows["p_win_method"].unique().to_list() == ["model"]
    score = brier(rows)
    assert score["exact"] < score["model"], score  # the floor is a floor: no leak of the future
    assert score["model"] <= 1.10 * score["exact"], score
    assert score["model"] <= 0.85 * score["stage_probability"], score


def test_the_reasons_name_the_owner_where_the_owner_decides(world: World, rows: pl.DataFrame) -> None:
    """The best and the worst salesperson's deals are explained by their owner, up and down."""
    first = world.exact.filter(pl.col("stage_key") == STAGES[0][0]).group_by("owner_id").agg(pl.col("p_exact").mean())
    best, worst = first.sort("p_exact")["owner_id"][-1], first.sort("p_exact")["owner_id"][0]
    for owner, arrow in ((best, "↑ owner wins"), (worst, "↓ owner wins")):
        reasons = rows.filter(pl.col("owner_id") == owner)["p_win_reasons"].fill_null("")
        assert reasons.str.contains(arrow, literal=True).mean() > 0.8, (owner, reasons.head(3).to_list())
