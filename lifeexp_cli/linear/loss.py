"""Mean squared error and its gradient for the linear model, in the (params, X, y) shape the
training loop expects. params == [theta] with theta of shape (p,); X has shape (n, p) and already
holds the intercept column if there is one; y has shape (n,).
"""

import numpy as np


def linear_predict(params: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Predictions Xθ, shape (n,)."""
    (theta,) = params
    return X @ theta


def linear_loss(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """J(θ) = (1/n) Σ (Xθ − y)²."""
    residual = _residual(params, X, y)
    return float(residual @ residual) / len(residual)


def linear_loss_and_grad(params, X, y) -> tuple[float, list[np.ndarray]]:
    """(J(θ), [∇J(θ)]) with ∇J(θ) = (2/n) Xᵀ(Xθ − y)."""
    residual = _residual(params, X, y)
    n = len(residual)
    return float(residual @ residual) / n, [(2.0 / n) * (X.T @ residual)]


def _residual(params, X, y):
    # ravel guards against a column-vector y silently broadcasting to an (n, n) residual.
    return linear_predict(params, X) - np.ravel(y)
