"""Regression metrics: RMSE (the lecture's), MAE and R²."""

from __future__ import annotations

import numpy as np


# Each metric makes one temporary as long as y, worked on in place (the same numbers as (a − b) ** 2).

def squares(a: np.ndarray, b) -> np.ndarray:
    """(a − b)² elementwise, in one new array."""
    difference = np.subtract(a, b)
    return np.multiply(difference, difference, out=difference)


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.sqrt(np.mean(squares(yhat, y))))


def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    difference = np.subtract(yhat, y)
    return float(np.mean(np.abs(difference, out=difference)))


def r2(y: np.ndarray, yhat: np.ndarray) -> float:
    """1 − SS_res/SS_tot; NaN when y is constant (R² undefined)."""
    total = total_squares(y)
    return float(1.0 - np.sum(squares(y, yhat)) / total) if total > 0 else float("nan")


def score(y: np.ndarray, yhat: np.ndarray) -> dict[str, float]:
    return {"rmse": rmse(y, yhat), "mae": mae(y, yhat), "r2": r2(y, yhat)}


def total_squares(y: np.ndarray) -> float:
    """Σ(y − ȳ)², R²'s denominator."""
    return float(np.sum(squares(y, y.mean())))


def score_residuals(residuals: np.ndarray, total: float) -> dict[str, float]:
    """`score` from the residuals ŷ − y (overwritten: their absolute values, then their squares, in place)
    and `total_squares(y)`, to the bit: |ŷ − y|² is (ŷ − y)², and y − ŷ is −(ŷ − y) exactly. What a
    score of a million rows needs beside its residuals is then no other array as long as them."""
    absolute = np.abs(residuals, out=residuals)
    mean_absolute = float(np.mean(absolute))
    squared = np.multiply(absolute, absolute, out=absolute)
    return {"rmse": float(np.sqrt(np.mean(squared))), "mae": mean_absolute,
            "r2": float(1.0 - np.sum(squared) / total) if total > 0 else float("nan")}


def summarize(folds: list[dict[str, float]]) -> dict:
    """Mean and spread (sample std over folds) of each metric, plus the per-fold values."""
    out: dict = {}
    for key in ("rmse", "mae", "r2"):
        values = np.array([f[key] for f in folds], dtype=float)
        out[key] = float(values.mean())
        out[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    out["folds"] = folds
    return out
