"""Empirical-Bayes (beta-binomial) shrinkage of group win rates towards the pooled rate."""

from __future__ import annotations

import numpy as np

MIN_PRIOR_DEALS = 5.0  # the prior never weighs less than this many deals …
MAX_PRIOR_DEALS = 200.0  # … nor more (no visible between-group spread: groups are pooled almost fully)


def prior_strength(wins: np.ndarray, deals: np.ndarray, expected: np.ndarray | None = None) -> float:
    """Prior weight m (in deals) by the method of moments: between-group variance net of binomial noise.

    The groups' rates spread around the pooled rate, or around `expected` (one rate per group) when the
    groups shrink towards rates of their own (e.g. a salesperson's cell towards that salesperson's overall level).
    """
    keep = deals > 0
    wins, deals = wins[keep].astype(float), deals[keep].astype(float)
    if len(deals) < 2 or deals.sum() == 0:
        return MAX_PRIOR_DEALS
    pooled = wins.sum() / deals.sum()
    centre = np.full(len(deals), pooled) if expected is None else np.clip(expected[keep], 1e-6, 1 - 1e-6)
    if pooled <= 0.0 or pooled >= 1.0:
        return MAX_PRIOR_DEALS
    rates = wins / deals
    spread = float(np.average((rates - centre) ** 2, weights=deals))
    noise = float(np.average(centre * (1 - centre) / deals, weights=deals))
    between = spread - noise
    if between <= 0.0:
        return MAX_PRIOR_DEALS
    typical = float(np.average(centre * (1 - centre), weights=deals))
    return float(np.clip(typical / between - 1.0, MIN_PRIOR_DEALS, MAX_PRIOR_DEALS))


def shrunk_rates(wins: np.ndarray, deals: np.ndarray) -> tuple[np.ndarray, float]:
    """Each group's (wins + m·p0) / (deals + m), and the pooled rate p0 the groups shrink towards."""
    wins, deals = np.asarray(wins, dtype=float), np.asarray(deals, dtype=float)
    total = deals.sum()
    pooled = wins.sum() / total if total > 0 else 0.5
    pooled = float(np.clip(pooled, 0.01, 0.99))
    m = prior_strength(wins, deals)
    return (wins + m * pooled) / (deals + m), pooled
