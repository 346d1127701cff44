"""Correlation matrices (Pearson, Spearman) on columns with missing values, and nearly collinear pairs.

Each pair of columns uses the rows where both are present ("pairwise complete", as pandas does), so one
sparse column does not shrink every other pair.
Pearson: r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), with the means of those rows. Spearman: Pearson on the ranks of those rows (ties get their average rank).
A pair with fewer than two rows, or with a column constant on its rows, has no defined r: NaN.

The matrix is computed with matrix products, not pair by pair (a 5000-column file took 335 s in a Python
loop over pairs): Pearson from per-pair sums over the rows both columns have, after centring each column
on its mean, which keeps the sums small; Spearman the same on ranks when no value is missing. Only
Spearman with missing values ranks each pair's rows on their own, pair by pair, and so takes at most
MAX_PAIRWISE_RANK_COLUMNS columns; any matrix takes at most MAX_COLUMNS (its memory grows as columns²).
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.limits import MAX_COLUMNS, MAX_PAIRWISE_RANK_COLUMNS

METHODS = ("pearson", "spearman")
# |r| above this is a near-duplicate: the two columns carry almost the same information, and together
# they make XᵀX nearly singular (the normal equation then loses most of its digits).
COLLINEAR_R = 0.95
# A column whose spread over a pair's rows is below this share of its sum of squares is constant there:
# rounding in the sums is about 1e-16 of them, so real spreads are kept down to 1e-6 of the values' size.
CONSTANT = 1e-12


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
    if method not in METHODS:
        raise ParameterError(f"{{method}} must be one of {', '.join(METHODS)}, got {{value!r}}", "method", method)
    p = X.shape[1]
    if p > MAX_COLUMNS:
        raise ParameterError(f"a correlation matrix of {p} columns is too large (at most {MAX_COLUMNS}): "
                             "name the columns to compare with {features}", "features", p)
    missing = np.isnan(X).any()
    if method == "pearson" or not missing:
        return pearson_matrix(X if method == "pearson" else np.apply_along_axis(average_ranks, 0, X))
    if p > MAX_PAIRWISE_RANK_COLUMNS:
        raise ParameterError(f"spearman on {p} columns with missing values ranks each pair on its own rows: at "
                             f"most {MAX_PAIRWISE_RANK_COLUMNS} columns; name fewer with {{features}}, or use "
                             "pearson", "features", p)
    return pairwise_matrix(X, method)


def pearson_matrix(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete Pearson r of every pair of columns at once, and the rows each pair uses."""
    present = ~np.isnan(X)
    ones = present.astype(float)
    counts = ones.T @ ones  # [i, j]: rows with both i and j
    values = np.where(present, X, 0.0)
    means = np.divide(values.sum(axis=0), ones.sum(axis=0), out=np.zeros(X.shape[1]), where=present.any(axis=0))
    centred = np.where(present, values - means, 0.0)
    sums = centred.T @ ones  # [i, j]: Σ xᵢ over the rows where j is present too (xᵢ is 0 where missing)
    squares = (centred * centred).T @ ones
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = centred.T @ centred - sums * sums.T / counts
        spread = squares - sums * sums / counts  # [i, j]: Σ(xᵢ − x̄ᵢ)² over the pair's rows
        defined = (counts >= 2) & (spread > CONSTANT * squares) & (spread.T > CONSTANT * squares.T)
        r = np.where(defined, cross / np.sqrt(spread * spread.T), np.nan)
    r = np.clip(r, -1.0, 1.0)
    r = (r + r.T) / 2  # exactly symmetric
    return r, counts.astype(int)


def pairwise_matrix(X: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The same, pair by pair (`pair`): for Spearman with missing values, whose ranks depend on the pair."""
    p = X.shape[1]
    r, n = np.full((p, p), np.nan), np.zeros((p, p), dtype=int)
    for i in range(p):
        for j in range(i + 1):
            r[i, j], n[i, j] = pair(X[:, i], X[:, j], method)
            r[j, i], n[j, i] = r[i, j], n[i, j]
    return r, n


def fill_means(X: np.ndarray) -> np.ndarray:
    """X with every missing value replaced by its column's mean over all rows (a column with no value
    stays NaN). How the lecture's heatmap was made; it pulls a gappy column's r towards 0, because every
    filled cell sits at the mean whatever the other column does."""
    present = ~np.isnan(X)
    counts = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(present, X, 0.0).sum(axis=0) / counts  # NaN for a column with no value
    return np.where(present, X, means)


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
    rows, columns = np.triu_indices(len(names), 1)
    values = r[rows, columns]
    near = np.flatnonzero(np.isfinite(values) & (np.abs(np.nan_to_num(values)) > threshold))
    found = [(names[rows[k]], names[columns[k]], float(values[k])) for k in near]
    return sorted(found, key=lambda t: -abs(t[2]))


def with_target(r: np.ndarray, n: np.ndarray, names: list[str], target: str) -> list[tuple[str, float, int]]:
    """(feature, r with the target, rows) for every other column, strongest |r| first, undefined last."""
    t = names.index(target)
    rows = [(name, float(r[t, i]), int(n[t, i])) for i, name in enumerate(names) if i != t]
    return sorted(rows, key=lambda row: (not np.isfinite(row[1]), -abs(row[1]) if np.isfinite(row[1]) else 0))
