"""Feature scaling fitted on training rows: normalization and standardization.

minmax:   x' = (x - min) / (max - min)
standard: x' = (x - mean) / σ   (population σ)
A constant feature gets scale 1 so nothing is divided by zero. Without an intercept the centre is 0
(only the scale is applied), otherwise centring would smuggle an intercept back into the model.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.limits import MIN_INPUT_SCALE

METHODS = ("none", "minmax", "standard")


def fit_scaler(X: np.ndarray, method: str, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(centre, scale) per feature."""
    stats = {}
    if method == "minmax":
        stats = {"min": X.min(axis=0), "max": X.max(axis=0)}
    elif method == "standard":
        stats = {"mean": X.mean(axis=0), "std": X.std(axis=0)}
    return scaler_from_statistics(method, X.shape[1], stats, center)


def scaler_from_statistics(method: str, p: int, stats: dict, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(centre, scale) from column statistics (`min`, `max`, `mean`, population `std`), e.g. streamed ones."""
    if method == "none":
        return np.zeros(p), np.ones(p)
    if method == "minmax":
        shift, spread = stats["min"], stats["max"] - stats["min"]
    elif method == "standard":
        shift, spread = stats["mean"], stats["std"]
    else:
        raise ParameterError(f"{{scale}} must be one of {', '.join(METHODS)}, got {{value!r}}", "scale", method)
    spread = np.where(spread >= MIN_INPUT_SCALE, spread, 1.0)  # constant to any data (limits.py): 1
    return (shift if center else np.zeros(p)), spread


def transform(X: np.ndarray, center: np.ndarray, scale: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(X − centre) / scale; into `out` (which may be X itself) when given."""
    if out is None:
        return (X - center) / scale
    np.subtract(X, center, out=out)
    return np.divide(out, scale, out=out)


def to_original_units(weights: np.ndarray, bias: float, center: np.ndarray,
                      scale: np.ndarray) -> tuple[np.ndarray, float]:
    """ŷ = b + Σ wⱼ (xⱼ − cⱼ)/sⱼ  =  (b − Σ wⱼ cⱼ/sⱼ) + Σ (wⱼ/sⱼ) xⱼ."""
    coef = weights / scale
    return coef, float(bias - coef @ center)
