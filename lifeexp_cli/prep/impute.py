"""Filling missing feature values with statistics learned on the training rows only."""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import DesignError, ParameterError

METHODS = ("mean", "median", "drop")


def fit_imputer(X: np.ndarray, method: str, features: list[str]) -> np.ndarray:
    """Per-feature fill values (mean or median of the present values); for `drop`, the means."""
    if method not in METHODS:
        raise ParameterError(f"{{impute}} must be one of {', '.join(METHODS)}, got {{value!r}}", "impute", method)
    empty = [f for f, col in zip(features, X.T) if np.isnan(col).all()]
    if empty:
        raise DesignError("feature {value} has no values in the training rows: drop it from {features}",
                          "features", empty[0])
    if method == "median":
        return np.nanmedian(X, axis=0)
    return np.nanmean(X, axis=0)


def apply_imputer(X: np.ndarray, fill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X with NaN replaced by `fill`, and the number of values filled per feature."""
    missing = np.isnan(X)
    return np.where(missing, fill, X), missing.sum(axis=0)


def complete_rows(X: np.ndarray) -> np.ndarray:
    """Mask of rows without a missing value (for `--impute drop`)."""
    return ~np.isnan(X).any(axis=1)
