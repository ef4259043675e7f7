"""L2-regularized logistic regression with an offset, fitted by damped Newton's method (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-6
INTERCEPT_L2 = 1e-4  # a whisper of a penalty on the intercept: with one outcome only it stays finite
MAX_ITER = 100
TOLERANCE = 1e-8


class FitError(ArithmeticError):
    """The fit did not reach a finite optimum (it never should: the objective is strictly convex)."""


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

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's term in the log-odds, relative to the training mean: coef·(x - mean)/scale, per row."""
        return ((x - self.mean) / self.scale) * self.coef


def _gram(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """zᵀ·diag(weights)·z through BLAS (6× numpy's einsum loop). `forecast_opportunities` holds BLAS to one thread:
    the sums then run in one order on any machine, and the fit does not fight the rest of the run for the cores."""
    return (z * weights[:, None]).T @ z


def _penalized_loss(beta: np.ndarray, z: np.ndarray, y: np.ndarray, offset: np.ndarray, penalty: np.ndarray) -> float:
    """− log-likelihood + penalty/2·β², computed without overflow (log(1 + e^η) = logaddexp(0, η))."""
    eta = offset + z @ beta
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(penalty * beta**2))


def _newton(
    z: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    penalty: np.ndarray,
    max_iter: int,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Newton steps, each halved until the penalized loss decreases (Armijo): converges on any data.

    The loss is strictly convex (every coefficient, the intercept included, is penalized), so a finite
    optimum exists even under perfect separation; the line search keeps a full Newton step from
    overshooting when the fitted probabilities saturate.
    """
    beta = np.zeros(z.shape[1]) if start is None else start.copy()
    loss = _penalized_loss(beta, z, y, offset, penalty)
    for _ in range(max_iter):
        p = 0.5 * (1.0 + np.tanh((offset + z @ beta) / 2.0))  # the exact sigmoid, stable at any η
        gradient = (p - y) @ z + penalty * beta
        hessian = _gram(z, p * (1 - p)) + np.diag(penalty)
        step = -np.linalg.solve(hessian, gradient)
        decrease = float(gradient @ step)  # < 0: a descent direction
        t = 1.0
        while True:
            candidate = _penalized_loss(beta + t * step, z, y, offset, penalty)
            if candidate <= loss + 1e-4 * t * decrease or t < 1e-10:
                break
            t /= 2.0
        beta, loss = beta + t * step, candidate
        if not np.isfinite(beta).all() or not np.isfinite(loss):
            raise FitError("Newton's method produced a non-finite coefficient")
        if np.max(np.abs(t * step)) < TOLERANCE:
            return beta
    raise FitError(f"Newton's method did not converge in {max_iter} iterations")


def fit_logistic(
    x: np.ndarray, y: np.ndarray, offset: np.ndarray, l2: float = 1.0, max_iter: int = MAX_ITER
) -> LogisticModel:
    """Minimize − Σ log-likelihood + l2/2·|coef|² on standardized features (intercept: INTERCEPT_L2 only).

    With the offset set to the static stage log-odds, a strong penalty or little data leaves the
    prediction at the stage probability shifted by one intercept: the model shrinks towards the CRM rule.
    Raises FitError when the inputs are not finite or no finite optimum is reached.
    """
    if not (np.isfinite(x).all() and np.isfinite(y).all() and np.isfinite(offset).all()):
        raise FitError("the training data hold a non-finite value")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.column_stack([np.ones(len(x)), (x - mean) / scale])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = INTERCEPT_L2
    beta = _newton(z, y, offset, penalty, max_iter)
    return LogisticModel(float(beta[0]), beta[1:], mean, scale)
