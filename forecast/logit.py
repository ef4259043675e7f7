"""L2-regularized logistic regression with an offset, fitted by Newton's method (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-6


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class LogisticModel:
    """p = sigmoid(offset + intercept + ((x - mean) / scale) · coef)."""

    intercept: float
    coef: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def predict(self, x: np.ndarray, offset: np.ndarray) -> np.ndarray:
        return sigmoid(offset + self.intercept + ((x - self.mean) / self.scale) @ self.coef)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, offset: np.ndarray, l2: float = 1.0, max_iter: int = 50
) -> LogisticModel:
    """Maximize Σ log-likelihood − l2/2·|coef|² on standardized features; the intercept is not penalized.

    With the offset set to the static stage log-odds, a strong penalty or little data leaves the
    prediction at the stage probability shifted by one intercept: the model shrinks towards the CRM rule.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.column_stack([np.ones(len(x)), (x - mean) / scale])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(max_iter):
        p = sigmoid(offset + z @ beta)
        gradient = z.T @ (y - p) - penalty * beta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-8)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return LogisticModel(float(beta[0]), beta[1:], mean, scale)
