"""The logistic model's penalty, chosen by the data at each as-of date: deal-grouped cross-validation.

A world where the salesperson decides and the timing says nothing needs a strong penalty (the features are
noise there); the demo's stall and touch signals want a weak one. Neither is fixed in advance: for each
as-of date the training deals are split in FOLDS groups (by a hash of the opportunity id, so every snapshot
of a deal falls in the same group and the split never depends on other deals), each penalty in PENALTIES is
fitted on all groups but one and scored by log loss on the one left out, and the best is used.
"""

from __future__ import annotations

import zlib

import numpy as np

from forecast.logit import FitError, fit_logistic

PENALTIES = (10.0, 100.0, 1000.0)  # on standardized coefficients, in training snapshots (≈ 4 per deal-month)
FOLDS = 2


def deal_folds(deal_ids: np.ndarray) -> np.ndarray:
    """A fold number per row, the same for every row of a deal (crc32 of its id: stable across runs)."""
    return np.array([zlib.crc32(str(i).encode()) % FOLDS for i in deal_ids])


def cross_validated_loss(x: np.ndarray, y: np.ndarray, offset: np.ndarray, folds: np.ndarray, l2: float) -> float:
    """Held-out log loss summed over the folds (inf when a fold cannot be fitted)."""
    total = 0.0
    for fold in range(FOLDS):
        held = folds == fold
        if held.all() or not held.any():
            return float("inf")
        try:
            p = fit_logistic(x[~held], y[~held], offset[~held], l2=l2).predict(x[held], offset[held])
        except FitError:
            return float("inf")
        p = np.clip(p, 1e-9, 1 - 1e-9)
        total -= float(np.sum(y[held] * np.log(p) + (1 - y[held]) * np.log(1 - p)))
    return total


def choose_penalty(x: np.ndarray, y: np.ndarray, offset: np.ndarray, deal_ids: np.ndarray) -> float:
    """The penalty in PENALTIES with the lowest deal-grouped cross-validated log loss (the strongest on a tie)."""
    folds = deal_folds(deal_ids)
    losses = [cross_validated_loss(x, y, offset, folds, l2) for l2 in PENALTIES]
    best = min(range(len(PENALTIES)), key=lambda i: (losses[i], -i))
    return PENALTIES[best]
