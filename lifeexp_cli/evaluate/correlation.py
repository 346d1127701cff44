"""Correlation matrices (Pearson, Spearman) on columns with missing values, and nearly collinear pairs.

Each pair of columns uses the rows where both are present ("pairwise complete", as pandas does), so one
sparse column does not shrink every other pair.
Pearson: r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), with the means of those rows. Spearman: Pearson on the ranks of those rows (ties get their average rank).
A pair with fewer than two rows, or with a column constant on its rows, has no defined r: NaN.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import ParameterError

METHODS = ("pearson", "spearman")
# |r| above this is a near-duplicate: the two columns carry almost the same information, and together
# they make XᵀX nearly singular (the normal equation then loses most of its digits).
COLLINEAR_R = 0.95


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of x; tied values share the mean of the ranks they occupy."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts  # ranks before each distinct value
    return (first + (counts + 1) / 2.0)[inverse]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """r of two complete vectors; NaN when either is constant or there are fewer than two values."""
    if len(x) < 2:
        return float("nan")
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx == 0.0 or syy == 0.0:
        return float("nan")
    return float(np.clip((dx @ dy) / np.sqrt(sxx * syy), -1.0, 1.0))


def pair(x: np.ndarray, y: np.ndarray, method: str = "pearson") -> tuple[float, int]:
    """r of two columns on the rows where both are present, and the number of those rows."""
    both = ~np.isnan(x) & ~np.isnan(y)
    xs, ys = x[both], y[both]
    if method == "spearman":
        xs, ys = average_ranks(xs), average_ranks(ys)
    elif method != "pearson":
        raise ParameterError(f"{{method}} must be one of {', '.join(METHODS)}, got {{value!r}}", "method", method)
    return pearson(xs, ys), int(both.sum())


def matrix(X: np.ndarray, method: str = "pearson") -> tuple[np.ndarray, np.ndarray]:
    """(r, n): the p×p correlation matrix of X's columns (NaN where undefined) and rows used per pair."""
    p = X.shape[1]
    r, n = np.full((p, p), np.nan), np.zeros((p, p), dtype=int)
    for i in range(p):
        for j in range(i + 1):
            r[i, j], n[i, j] = pair(X[:, i], X[:, j], method)
            r[j, i], n[j, i] = r[i, j], n[i, j]
    return r, n


def constant_columns(X: np.ndarray, names: list[str]) -> list[str]:
    """Columns with fewer than two distinct present values: their correlation with anything is undefined."""
    out = []
    for name, column in zip(names, X.T):
        present = column[~np.isnan(column)]
        if present.size < 2 or np.all(present == present[0]):
            out.append(name)
    return out


def collinear_pairs(r: np.ndarray, names: list[str], threshold: float = COLLINEAR_R) -> list[tuple[str, str, float]]:
    """Pairs (a, b, r) with |r| > threshold, strongest first."""
    found = [(names[i], names[j], float(r[i, j]))
             for i in range(len(names)) for j in range(i + 1, len(names))
             if np.isfinite(r[i, j]) and abs(r[i, j]) > threshold]
    return sorted(found, key=lambda t: -abs(t[2]))


def with_target(r: np.ndarray, n: np.ndarray, names: list[str], target: str) -> list[tuple[str, float, int]]:
    """(feature, r with the target, rows) for every other column, strongest |r| first, undefined last."""
    t = names.index(target)
    rows = [(name, float(r[t, i]), int(n[t, i])) for i, name in enumerate(names) if i != t]
    return sorted(rows, key=lambda row: (not np.isfinite(row[1]), -abs(row[1]) if np.isfinite(row[1]) else 0))
