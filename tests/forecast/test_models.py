"""The numerical pieces: shrinkage, the logistic fit, and the close-timing fallback."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from forecast.design import Design
from forecast.logit import FitError, fit_logistic, logit, sigmoid
from forecast.shrinkage import MAX_PRIOR_DEALS, prior_strength, shrunk_rates
from forecast.timing import close_timing, kaplan_meier


def test_small_groups_are_shrunk_harder_towards_the_pooled_rate() -> None:
    wins = np.array([1, 40, 10, 30])
    deals = np.array([1, 50, 50, 100])
    rates, pooled = shrunk_rates(wins, deals)
    assert pooled == wins.sum() / deals.sum()
    assert abs(rates[0] - pooled) < abs(1.0 - pooled) / 2  # 1 win of 1 deal: far from 100 %
    assert abs(rates[1] - 0.8) < abs(rates[0] - 1.0)  # 50 deals keep most of their own rate


def test_groups_that_differ_only_by_noise_are_pooled_fully() -> None:
    assert prior_strength(np.array([10, 11, 9, 10]), np.array([20, 20, 20, 20])) == MAX_PRIOR_DEALS


def test_logistic_fit_recovers_the_generating_coefficients() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 2))
    offset = np.full(len(x), -0.5)
    y = (rng.random(len(x)) < sigmoid(offset + 0.3 + x @ np.array([1.0, -2.0]))).astype(float)
    model = fit_logistic(x, y, offset, l2=1.0)
    assert abs(model.intercept - 0.3) < 0.08
    assert np.allclose(model.coef / model.scale, [1.0, -2.0], atol=0.08)


def test_a_strong_penalty_falls_back_to_the_offset_shifted_by_the_base_rate() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2_000, 3))
    offset = logit(np.full(len(x), 0.25))
    y = (rng.random(len(x)) < 0.25).astype(float)
    p = fit_logistic(x, y, offset, l2=1e9).predict(x, offset)
    assert np.ptp(p) < 1e-4
    assert abs(p.mean() - y.mean()) < 0.01


def test_close_timing_falls_back_from_stage_to_pipeline_to_everyone() -> None:
    won = pl.DataFrame(
        {"pipeline_key": ["a"] * 12 + ["b"] * 3, "state": ["s1"] * 12 + ["s9"] * 3,
         "remaining_days": [10.0] * 6 + [200.0] * 6 + [5.0] * 3}
    )  # fmt: skip
    targets = pl.DataFrame({"pipeline_key": ["a", "a", "b"], "state": ["s1", "s2", "s9"]})
    timed = close_timing(won, targets, horizon_days=90)
    assert timed["share_within_horizon"].to_list() == [0.5, 0.5, 9 / 15]
    # the Kaplan-Meier median: the first time half the winners have closed
    assert timed["median_remaining_days"].to_list() == [10.0, 10.0, 10.0]


def test_close_timing_counts_deals_still_open_as_censored_not_as_missing() -> None:
    """20 deals won after 20 days; 40 deals still open after 60 days, each with p_win 0.6 (24 winners to come).
    Counting only the wins seen says "20 days, all within 90"; with the open deals censored, 24 of 44 expected
    winners have not closed by day 60: the median is past 60 days and P(within 90) at most 20/44."""
    won = pl.DataFrame({"pipeline_key": ["a"] * 20, "state": ["s1"] * 20, "remaining_days": [20.0] * 20})
    waiting = pl.DataFrame(
        {"pipeline_key": ["a"] * 40, "state": ["s1"] * 40, "elapsed_days": [60.0] * 40, "weight": [0.6] * 40}
    )
    targets = pl.DataFrame({"pipeline_key": ["a"], "state": ["s1"]})
    naive = close_timing(won, targets, horizon_days=90)
    assert naive["median_remaining_days"][0] == 20.0 and naive["share_within_horizon"][0] == 1.0
    censored = close_timing(won, targets, horizon_days=90, waiting=waiting)
    assert censored["share_within_horizon"][0] == pytest.approx(20 / 44)
    assert censored["median_remaining_days"][0] == 60.0  # never down to half: the longest time seen, a lower bound


def test_kaplan_meier_without_censoring_is_the_empirical_distribution() -> None:
    times = np.array([5.0, 10.0, 10.0, 40.0, 100.0])
    median, share = kaplan_meier(times, np.ones(5), np.ones(5), horizon_days=50)
    assert median == 10.0 and share == pytest.approx(0.8)


def test_perfect_separation_with_a_weak_penalty_converges_to_finite_coefficients() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5_000, 2))
    y = (x[:, 0] > 0).astype(float)
    model = fit_logistic(x, y, np.zeros(len(x)), l2=1e-3)
    p = model.predict(x, np.zeros(len(x)))
    assert np.isfinite(model.coef).all() and np.isfinite(model.intercept)
    assert model.coef[0] > 10  # the separating direction is followed far, but not to infinity
    assert ((p > 0) & (p < 1)).all()
    assert ((p > 0.5) == (y == 1)).mean() > 0.99


def test_a_single_outcome_keeps_the_intercept_finite() -> None:
    x = np.random.default_rng(3).normal(size=(200, 2))
    model = fit_logistic(x, np.ones(len(x)), np.zeros(len(x)), l2=10.0)
    assert np.isfinite(model.intercept) and 5 < model.intercept < 20  # converged, not stopped mid-divergence


def test_non_finite_training_data_and_an_exhausted_iteration_budget_raise_fit_error() -> None:
    x = np.random.default_rng(4).normal(size=(100, 2))
    y = (x[:, 0] > 0).astype(float)
    with pytest.raises(FitError, match="non-finite"):
        fit_logistic(np.where(x > 2, np.nan, x), y, np.zeros(len(x)))
    with pytest.raises(FitError, match="did not converge in 1 iterations"):
        fit_logistic(x, y, np.zeros(len(x)), l2=1e-3, max_iter=1)


def test_design_drops_uninformative_columns_and_imputes_the_training_median() -> None:
    nan = np.nan
    train = np.array([[1.0, 7.0, nan, 1.0, 10.0], [3.0, 7.0, nan, 2.0, 20.0], [nan, 7.0, nan, 3.0, 30.0]])
    target = np.array([[nan, 7.0, 1.0, nan, np.inf], [5.0, 7.0, 2.0, nan, 40.0]])
    design = Design.learn(train, ("a", "constant", "never", "unknown_now", "b"), target)
    assert design.dropped == {
        "constant": "constant",
        "never": "no finite value",
        "unknown_now": "unknown for every open deal",
    }
    assert design.apply(train).tolist() == [[1.0, 10.0], [3.0, 20.0], [2.0, 30.0]]
    assert design.apply(target).tolist() == [[2.0, 20.0], [5.0, 40.0]]
