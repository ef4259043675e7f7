"""For every open opportunity at each as-of date: p_win and expected close month, learned from the past only."""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from forecast.calendar import as_of_dates, cutoff, snapshot_grid
from forecast.design import Design
from forecast.features import FEATURES, open_deal_features
from forecast.inputs import History
from forecast.logit import fit_logistic, logit, sigmoid
from forecast.penalty import choose_penalty
from forecast.reasons import deal_reasons, factor_log_odds
from forecast.reuse import DIGEST, as_of_digests, reusable
from forecast.state import days_between, deal_states, transitions_flagged
from forecast.timing import HORIZON_DAYS, close_timing

log = logging.getLogger(__name__)

MIN_TRAINING_DEALS = 30  # fewer closed deals, or a single outcome: the static stage probability is used
PROBABILITY_FLOOR = 0.005  # stage probabilities are clipped to [floor, 1 - floor] before taking log-odds

# the features that describe the deal itself (its pace, touches, path, amount, age), not its stage, owner or source:
# a fit on closed deals only learns those group levels with the censoring bias, its deal-level terms much less
DEAL_LEVEL = frozenset(FEATURES) - {"chain_stage_shift", "chain_owner", "chain_source", "owner_effect", "source_effect"}

OUTPUT_SCHEMA = pl.Schema(
    {
        "as_of_date": pl.Date,
        "opportunity_id": pl.String,
        "pipeline_key": pl.String,
        "stage_key": pl.String,
        "owner_id": pl.String,
        "lead_source": pl.String,
        "days_in_stage": pl.Float64,
        "deal_age_days": pl.Float64,
        "days_since_last_touch": pl.Float64,
        "amount": pl.Float64,
        "p_win": pl.Float64,
        "p_close_90d_if_won": pl.Float64,
        "expected_close_month": pl.Date,
        "stage_probability": pl.Float64,
        "p_win_method": pl.String,
        "training_deals": pl.Int32,
        "p_win_fallback_reason": pl.String,
        "p_win_reasons": pl.String,
        "p_win_reasons_zh": pl.String,
        "history_digest": pl.String,
    }
)


def _labelled(rows: pl.DataFrame, states: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Training snapshots before `as_of` of deals whose outcome (won or lost) was known at `as_of`."""
    outcomes = states.filter((pl.col("snapshot_date") == as_of) & pl.col("state").is_in(["won", "lost"])).select(
        "opportunity_id", won=pl.col("state") == "won", closed_at=pl.col("entered_at")
    )
    return rows.filter(pl.col("snapshot_date") < as_of).join(outcomes, on="opportunity_id")


def _still_open(rows: pl.DataFrame, target: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Training snapshots before `as_of` of deals still open at `as_of` (labelled later, see `_fit_and_predict`)."""
    return rows.filter(pl.col("snapshot_date") < as_of).join(target.select("opportunity_id"), on="opportunity_id")


def _offset(frame: pl.DataFrame) -> np.ndarray:
    """The chain's log-odds of a win for the deal's stage, owner and source (the stage probability's when the
    chain knows nothing): what the logistic model corrects, and falls back to under a strong penalty."""
    p = frame["probability"].fill_null(0.5).clip(PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR).to_numpy()
    chain = frame.select(pl.sum_horizontal("chain_stage_shift", "chain_owner", "chain_source")).to_series().to_numpy()
    return logit(p) + chain


def _stage_dummies(frame: pl.DataFrame, levels: list[str]) -> np.ndarray:
    key = (frame["pipeline_key"] + ":" + frame["state"]).to_numpy()
    return np.column_stack([(key == level).astype(float) for level in levels]) if levels else np.empty((len(frame), 0))


def _design(frame: pl.DataFrame, levels: list[str]) -> np.ndarray:
    """Raw feature columns (FEATURES, then one indicator per stage level); nulls become NaN for `Design`."""
    features = frame.select(pl.col(FEATURES).cast(pl.Float64).fill_null(float("nan"))).to_numpy()
    return np.column_stack([features, _stage_dummies(frame, levels)])


def _fit_and_predict(
    closed: pl.DataFrame, still_open: pl.DataFrame, target: pl.DataFrame, levels: list[str]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The model's p_win for the target rows and, per factor of forecast/reasons.py, its log-odds per row.

    Censoring: deals closed by the as-of date are mostly quick losses (a win takes every stage), so a model
    fitted on them alone learns too low a level. Two fits: the first on closed deals gives each deal still
    open its expected outcome, the chain's probability moved by that fit's DEAL_LEVEL terms (not its
    intercept, stage, owner and source terms, which carry the censoring bias); the second learns from
    both, the still-open deals' earlier snapshots labelled with that expectation.
    """
    train = pl.concat([closed.with_columns(label=pl.col("won").cast(pl.Float64)), still_open], how="diagonal_relaxed")
    x_all, x_target = _design(train, levels), _design(target, levels)
    design = Design.learn(x_all, (*FEATURES, *levels), x_target)
    if design.dropped:
        log.info("model columns left out: %s", ", ".join(f"{k} ({v})" for k, v in design.dropped.items()))
    x_all, x_target, offset = design.apply(x_all), design.apply(x_target), _offset(train)
    names = tuple(design.names[j] for j in design.keep)
    deal_level = np.array([name in DEAL_LEVEL for name in names], dtype=bool)
    known = np.arange(train.height) < closed.height
    y = train["label"].fill_null(0.0).to_numpy()
    l2 = choose_penalty(x_all[known], y[known], offset[known], closed["opportunity_id"].to_numpy())
    first = fit_logistic(x_all[known], y[known], offset[known], l2=l2)
    target_offset = _offset(target)
    expected = sigmoid(target_offset + first.contributions(x_target)[:, deal_level].sum(axis=1))
    labels = dict(zip(target["opportunity_id"].to_list(), expected.tolist(), strict=True))
    y[~known] = [labels[i] for i in still_open["opportunity_id"].to_list()]
    model = fit_logistic(x_all, y, offset, l2=l2)
    factors = factor_log_odds(target, names, model.contributions(x_target), model.intercept)
    return model.predict(x_target, target_offset), factors


def _model_p_win(
    train: pl.DataFrame, still_open: pl.DataFrame, target: pl.DataFrame, levels: list[str]
) -> tuple[np.ndarray | None, dict[str, np.ndarray], str | None]:
    """The model's p_win for the target rows and its factors, or None and the reason the stage probabilities stand in.

    Never raises: a data problem (too little history, one outcome) or any failure of the fit falls
    back for this as-of date only, so the forecast cannot stop the KPI marts built on it.
    """
    deals = train["opportunity_id"].n_unique()
    if deals < MIN_TRAINING_DEALS:
        return None, {}, f"{deals} closed deals known at the as-of date, fewer than {MIN_TRAINING_DEALS} to learn from"
    outcomes = train.unique("opportunity_id")["won"]
    if outcomes.n_unique() < 2:
        outcome = "won" if outcomes[0] else "lost"
        return None, {}, f"all {deals} closed deals known at the as-of date were {outcome}: nothing to learn from"
    try:
        p_win, factors = _fit_and_predict(train, still_open, target, levels)
    except Exception as exc:  # noqa: BLE001 - one as-of date's failed fit must not stop the whole forecast
        detail = str(exc).strip().splitlines()
        return None, {}, f"model fit failed: {type(exc).__name__}: {detail[0] if detail else 'no message'}"
    invalid = int((~(np.isfinite(p_win) & (p_win > 0.0) & (p_win < 1.0))).sum())
    if invalid:
        return None, {}, f"the model gave a p_win not strictly inside (0, 1) for {invalid} of {len(p_win)} open deals"
    return p_win, factors, None


def _predict_one(
    rows: pl.DataFrame, states: pl.DataFrame, as_of: date, levels: list[str], horizon_days: int
) -> pl.DataFrame:
    # Rows in one order, whatever else the frames held: the fits' sums then do not depend on later snapshot dates,
    # so an as-of date's prediction is the same bits computed alone or with others (forecast.reuse relies on it).
    snapshot = ["snapshot_date", "opportunity_id"]
    target = rows.filter(pl.col("snapshot_date") == as_of).sort(snapshot)
    train = _labelled(rows, states, as_of).sort(snapshot)
    still_open = _still_open(rows, target, as_of).sort(snapshot)
    p_win, factors, reason = _model_p_win(train, still_open, target, levels)
    english, chinese = deal_reasons(target, factors) if p_win is not None else ([None] * target.height,) * 2
    if p_win is None:
        log.warning("as-of %s: p_win falls back to the stage probabilities: %s", as_of, reason)
        p_win = target["probability"].fill_null(0.0).to_numpy()
    won_rows = train.filter(pl.col("won")).with_columns(remaining_days=days_between("cutoff_at", "closed_at"))
    chance = target.select("opportunity_id", weight=pl.Series(p_win, dtype=pl.Float64))
    waiting = still_open.join(chance, on="opportunity_id", maintain_order="left").with_columns(
        elapsed_days=days_between("cutoff_at", pl.lit(target["cutoff_at"][0]) if target.height else "cutoff_at")
    )
    timed = close_timing(won_rows, target.select("opportunity_id", "pipeline_key", "state"), horizon_days, waiting)
    return target.join(timed.drop("pipeline_key", "state"), on="opportunity_id", how="left").with_columns(
        p_win=pl.Series(p_win, dtype=pl.Float64),
        p_win_method=pl.lit("stage_probability" if reason else "model"),
        p_win_fallback_reason=pl.lit(reason, dtype=pl.String),
        training_deals=pl.lit(train["opportunity_id"].n_unique(), dtype=pl.Int32),
        p_win_reasons=pl.Series(english, dtype=pl.String),
        p_win_reasons_zh=pl.Series(chinese, dtype=pl.String),
    )


def _finish(predicted: pl.DataFrame, tz: str) -> pl.DataFrame:
    expected_close = (
        pl.col("cutoff_at") + pl.duration(microseconds=(pl.col("median_remaining_days") * 86_400e6).cast(pl.Int64))
    ).dt.convert_time_zone(tz)
    return predicted.select(
        as_of_date=pl.col("snapshot_date"),
        opportunity_id=pl.col("opportunity_id"),
        pipeline_key=pl.col("pipeline_key"),
        stage_key=pl.col("state"),
        owner_id=pl.col("owner_id"),
        lead_source=pl.col("lead_source"),
        days_in_stage=pl.col("days_in_stage"),
        deal_age_days=pl.col("deal_age_days"),
        days_since_last_touch=pl.col("days_since_last_touch"),
        amount=pl.col("amount"),
        p_win=pl.col("p_win"),
        p_close_90d_if_won=pl.col("share_within_horizon"),
        expected_close_month=expected_close.dt.date().dt.truncate("1mo"),
        stage_probability=pl.col("probability"),
        p_win_method=pl.col("p_win_method"),
        training_deals=pl.col("training_deals"),
        p_win_fallback_reason=pl.col("p_win_fallback_reason"),
        p_win_reasons=pl.col("p_win_reasons"),
        p_win_reasons_zh=pl.col("p_win_reasons_zh"),
        history_digest=pl.lit(None, dtype=pl.String),
    )


def forecast_opportunities(
    history: History,
    tz: str,
    as_of: list[date] | None = None,
    horizon_days: int = HORIZON_DAYS,
    earlier: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per opportunity open at each as-of date (default: every backtest month and the latest date).

    Each as-of date's prediction is computed from snapshots and outcomes strictly before its cutoff
    (00:00 business time), so adding or changing later events never changes it: the rows of `earlier` (a
    previous result) whose as-of date saw the same history (`history_digest`, forecast.reuse) are kept as they
    are, and only the other dates are fitted. BLAS runs on one thread: the fits' sums then add up in one order
    on every machine, and re-runs are bit-identical.
    """
    if history.transitions.is_empty():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    dates = sorted(as_of if as_of is not None else as_of_dates(history.first_event_at(), history.last_event_at(), tz))
    digests = as_of_digests(history, dates, tz, horizon_days)
    kept = reusable(earlier, digests, OUTPUT_SCHEMA)
    todo = sorted(set(dates) - set(kept["as_of_date"].to_list()))
    log.info("forecast: %d of %d as-of dates kept from the previous build, %d fitted", len(dates) - len(todo),
             len(dates), len(todo))  # fmt: skip
    with threadpool_limits(limits=1, user_api="blas"):
        fitted = _forecast(history, tz, todo, horizon_days)
    fitted = fitted.with_columns(pl.col("as_of_date").replace_strict(digests, return_dtype=pl.String).alias(DIGEST))
    return pl.concat([kept, fitted.cast(OUTPUT_SCHEMA)]).sort("as_of_date", "opportunity_id")  # type: ignore[arg-type]


def _forecast(history: History, tz: str, dates: list[date], horizon_days: int) -> pl.DataFrame:
    if not dates:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    first = history.first_event_at()
    grid = sorted(set(snapshot_grid(first, max(dates), tz)) | set(dates))
    states = deal_states(history, {d: cutoff(d, tz) for d in grid})
    rows = open_deal_features(states, transitions_flagged(history), history.touches, history)
    levels = sorted((history.stages["pipeline_key"] + ":" + history.stages["stage_key"]).to_list())
    with_deals = set(rows["snapshot_date"].unique().to_list())  # a date without open deals has nothing to predict
    predicted = [_predict_one(rows, states, d, levels, horizon_days) for d in dates if d in with_deals]
    if not predicted:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    return _finish(pl.concat(predicted, how="diagonal_relaxed"), tz)
