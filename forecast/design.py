"""The design matrix the logistic fit sees: finite, informative columns, imputed alike for training and prediction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONSTANT_SPREAD = 1e-9  # a column whose training values span less than this (relative) carries no information


@dataclass(frozen=True)
class Design:
    """Which raw columns the model uses and the value that stands in for a missing (non-finite) one.

    A column is dropped when it has no finite training value or a single value once imputed (nothing
    to standardize or learn from), or when it is unknown for every row to predict (imputing one value
    for all of them would only shift them all by the same guess: the model is fitted without it).
    Every other non-finite value, in training or at prediction, is replaced by the column's median
    over the finite training values.
    """

    names: tuple[str, ...]
    keep: np.ndarray
    fill: np.ndarray
    dropped: dict[str, str]

    @classmethod
    def learn(cls, x: np.ndarray, names: tuple[str, ...], x_target: np.ndarray) -> Design:
        keep, fill, dropped = [], [], {}
        for j, name in enumerate(names):
            column = x[:, j]
            finite = np.isfinite(column)
            if not finite.any():
                dropped[name] = "no finite value"
                continue
            if len(x_target) and not np.isfinite(x_target[:, j]).any():
                dropped[name] = "unknown for every open deal"
                continue
            median = float(np.median(column[finite]))
            filled = np.where(finite, column, median)
            if np.ptp(filled) <= CONSTANT_SPREAD * max(1.0, abs(median)):
                dropped[name] = "constant"
                continue
            keep.append(j)
            fill.append(median)
        return cls(names, np.array(keep, dtype=int), np.array(fill, dtype=float), dropped)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The kept columns of `x` (same column order as at `learn`), non-finite values imputed."""
        if x.shape[1] != len(self.names):
            raise ValueError(f"design has {len(self.names)} columns, got a matrix with {x.shape[1]}")
        kept = x[:, self.keep]
        return np.where(np.isfinite(kept), kept, self.fill)
