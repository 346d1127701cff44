"""Regression metrics: RMSE (the lecture's), MAE and R²."""

from __future__ import annotations

import numpy as np


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.sqrt(np.mean((yhat - y) ** 2)))


def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.mean(np.abs(yhat - y)))


def r2(y: np.ndarray, yhat: np.ndarray) -> float:
    """1 − SS_res/SS_tot; NaN when y is constant (R² undefined)."""
    total = float(np.sum((y - y.mean()) ** 2))
    return float(1.0 - np.sum((y - yhat) ** 2) / total) if total > 0 else float("nan")


def score(y: np.ndarray, yhat: np.ndarray) -> dict[str, float]:
    return {"rmse": rmse(y, yhat), "mae": mae(y, yhat), "r2": r2(y, yhat)}


def summarize(folds: list[dict[str, float]]) -> dict:
    """Mean and spread (sample std over folds) of each metric, plus the per-fold values."""
    out: dict = {}
    for key in ("rmse", "mae", "r2"):
        values = np.array([f[key] for f in folds], dtype=float)
        out[key] = float(values.mean())
        out[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    out["folds"] = folds
    return out
