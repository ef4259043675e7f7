"""Degenerate histories never yield a NaN or out-of-range p_win: the model copes, or that as-of date falls back
to the stage probabilities and says why (p_win_method, p_win_fallback_reason)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import polars as pl
import pytest

import forecast.chain
import forecast.predict
from forecast import forecast_opportunities
from forecast.logit import LogisticModel, fit_logistic
from forecast.predict import MIN_TRAINING_DEALS
from tests.forecast.degenerate import history_of, random_deals
from tests.forecast.synthetic import simulate

TZ = "Asia/Shanghai"
START = datetime(2025, 1, 1, tzinfo=UTC)


def _checked(out: pl.DataFrame) -> pl.DataFrame:
    """Assert the invariants every forecast holds; return the frame."""
    assert out.height > 0
    assert out["p_win"].is_finite().all(), "p_win is NaN or infinite"
    assert out["p_win"].is_between(0.0, 1.0).all()
    assert set(out["p_win_method"]) <= {"model", "stage_probability"}
    fallback = out.filter(pl.col("p_win_method") == "stage_probability")
    assert (fallback["p_win"] == fallback["stage_probability"]).all()
    assert fallback["p_win_fallback_reason"].is_not_null().all()
    assert out.filter(pl.col("p_win_method") == "model")["p_win_fallback_reason"].is_null().all()
    return out


def _methods(out: pl.DataFrame) -> dict[date, tuple[str, str | None]]:
    dates = out.group_by("as_of_date").agg(pl.col("p_win_method", "p_win_fallback_reason").unique())
    assert (dates["p_win_method"].list.len() == 1).all(), "one method per as-of date"
    return {r["as_of_date"]: (r["p_win_method"][0], r["p_win_fallback_reason"][0]) for r in dates.to_dicts()}


def test_a_healthy_history_uses_the_model_at_every_date_with_enough_history() -> None:
    out = _checked(forecast_opportunities(simulate(), TZ))
    late = out.filter(pl.col("training_deals") >= MIN_TRAINING_DEALS)
    assert late["as_of_date"].n_unique() >= 6
    assert set(late["p_win_method"]) == {"model"}
    assert late["p_win_fallback_reason"].is_null().all()
    assert late["p_win"].std() > 0.05  # the model moves away from the two or three stage probabilities


def test_too_few_deals_falls_back_and_says_how_many() -> None:
    out = _checked(forecast_opportunities(history_of(random_deals(20, START)), TZ))
    methods = _methods(out)
    assert {m for m, _ in methods.values()} == {"stage_probability"}
    latest = methods[max(methods)][1]
    assert f"fewer than {MIN_TRAINING_DEALS} to learn from" in latest
    assert latest.split()[0].isdigit() and int(latest.split()[0]) < MIN_TRAINING_DEALS


def test_one_outcome_in_the_training_deals_falls_back() -> None:
    deals = random_deals(150, START, outcome=lambda rng, i: "won")
    out = _checked(forecast_opportunities(history_of(deals), TZ))
    latest = _methods(out)[out["as_of_date"].max()]
    assert latest[0] == "stage_probability"
    assert "were won: nothing to learn from" in latest[1]


def test_a_constant_feature_and_no_activity_data_still_use_the_model() -> None:
    """Every amount equal, no follow-up or message at all: those columns are left out, the rest is learned."""
    deals = random_deals(200, START, amount=lambda outcome, rng: 5000.0)
    out = _checked(forecast_opportunities(history_of(deals), TZ))
    latest = out.filter(pl.col("as_of_date") == pl.col("as_of_date").max())
    assert set(latest["p_win_method"]) == {"model"}
    assert latest["p_win"].n_unique() > 2  # not just the two stage probabilities


def test_perfect_separation_stays_finite_and_strictly_inside_zero_one() -> None:
    """Lost deals carry amount 0 (a CRM that records the close value only): the amount separates perfectly."""
    deals = random_deals(300, START, amount=lambda outcome, rng: 0.0 if outcome == "lost" else 8000.0)
    out = _checked(forecast_opportunities(history_of(deals), TZ))
    model = out.filter(pl.col("p_win_method") == "model")
    assert model["as_of_date"].n_unique() >= 5
    assert ((model["p_win"] > 0.0) & (model["p_win"] < 1.0)).all()


def test_amounts_missing_everywhere_use_the_model_without_the_amount() -> None:
    deals = random_deals(200, START, amount=lambda outcome, rng: None)
    out = _checked(forecast_opportunities(history_of(deals), TZ))
    latest = out.filter(pl.col("as_of_date") == pl.col("as_of_date").max())
    assert set(latest["p_win_method"]) == {"model"}


def test_history_years_in_the_past_with_amounts_known_only_at_close() -> None:
    """The shape of a public 2016–2017 B2B CRM: two open stages, no activity data, amounts only on closed deals.

    At the latest as-of date (2018) every open deal lacks an amount; the model is fitted without it.
    """
    deals = random_deals(
        400, datetime(2016, 10, 20, tzinfo=UTC), days=437, amount=lambda outcome, rng: 1000.0 if outcome else None
    )
    out = _checked(forecast_opportunities(history_of(deals), TZ))
    assert out["as_of_date"].min() == date(2017, 1, 1) and out["as_of_date"].max().year == 2018
    latest = out.filter(pl.col("as_of_date") == pl.col("as_of_date").max())
    assert latest["amount"].is_null().all()
    assert set(latest["p_win_method"]) == {"model"}
    closed = [d for d in deals if d.outcome]
    win_rate = sum(d.outcome == "won" for d in closed) / len(closed)
    assert abs(latest["p_win"].mean() - win_rate) < 0.2  # near the base rate, not pushed to 0 or 1


def _singular(*args: object, **kwargs: object) -> None:
    raise np.linalg.LinAlgError("Singular matrix")


def _one_newton_step(x: np.ndarray, y: np.ndarray, offset: np.ndarray, l2: float) -> LogisticModel:
    return fit_logistic(x, y, offset, l2=l2, max_iter=1)


@pytest.mark.parametrize(
    ("fit", "reason"),
    [
        (_singular, "model fit failed: LinAlgError: Singular matrix"),
        (_one_newton_step, "model fit failed: FitError: Newton's method did not converge in 1 iterations"),
    ],
)
def test_a_failed_fit_falls_back_for_that_date(monkeypatch: pytest.MonkeyPatch, fit: object, reason: str) -> None:
    monkeypatch.setattr(forecast.predict, "fit_logistic", fit)
    out = _checked(forecast_opportunities(simulate(), TZ))
    reasons = set(out.filter(pl.col("training_deals") >= MIN_TRAINING_DEALS)["p_win_fallback_reason"])
    assert reasons == {reason}


def test_a_non_finite_prediction_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        forecast.predict,
        "_fit_and_predict",
        lambda train, still_open, target, levels: (np.full(len(target), np.nan), {}),
    )
    out = _checked(forecast_opportunities(simulate(), TZ))
    late = out.filter(pl.col("training_deals") >= MIN_TRAINING_DEALS)
    assert set(late["p_win_method"]) == {"stage_probability"}
    assert late["p_win_fallback_reason"].str.contains("p_win not strictly inside (0, 1)", literal=True).all()


def test_a_failing_stage_move_chain_leaves_the_model_on_the_stage_probability_offset(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(forecast.chain, "_pipeline_chain", broken)
    out = _checked(forecast_opportunities(simulate(), TZ))
    assert (out.filter(pl.col("training_deals") >= 30)["p_win_method"] == "model").all()
    assert "stage-move chain left out: LinAlgError: Singular matrix" in caplog.text
