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


BLOCK_ROWS = 1 << 16  # rows looked at a time: the mask of missing values stays small


def complete_rows(X: np.ndarray) -> np.ndarray:
    """Mask of rows without a missing value (for `--impute drop`), found a block of rows at a time."""
    complete = np.empty(len(X), dtype=bool)
    for start in range(0, len(X), BLOCK_ROWS):
        np.logical_not(np.isnan(X[start:start + BLOCK_ROWS]).any(axis=1), out=complete[start:start + BLOCK_ROWS])
    return complete
