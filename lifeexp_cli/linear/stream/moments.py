"""Column moments of streamed rows, missing values (NaN) ignored: count, mean, M2 = Σ(x − mean)², min
and max, merged exactly (counts, extremes) or stably (mean, M2) with Chan et al.'s pairwise formulas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Moments:
    """Per-column moments, each of shape (p,)."""

    n: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    min: np.ndarray
    max: np.ndarray

    @classmethod
    def empty(cls, p: int) -> Moments:
        return cls(np.zeros(p), np.zeros(p), np.zeros(p), np.full(p, np.inf), np.full(p, -np.inf))


def of(X: np.ndarray) -> Moments:
    """Moments of one chunk (n × p), NaN ignored (column by column: Fortran order is fastest)."""
    out = Moments.empty(X.shape[1])
    for j in range(X.shape[1]):
        column = X[:, j]
        present = column[~np.isnan(column)]
        if present.size:
            mean = present.mean()
            deviation = present - mean
            out.n[j], out.mean[j], out.m2[j] = present.size, mean, deviation @ deviation
            out.min[j], out.max[j] = present.min(), present.max()
    return out


def merge(a: Moments, b: Moments) -> Moments:
    """The moments of the rows of a and b together (Chan et al.'s pairwise update)."""
    n = a.n + b.n
    safe = np.where(n > 0, n, 1.0)
    delta = b.mean - a.mean
    return Moments(n, a.mean + delta * b.n / safe, a.m2 + b.m2 + delta**2 * a.n * b.n / safe,
                   np.minimum(a.min, b.min), np.maximum(a.max, b.max))
