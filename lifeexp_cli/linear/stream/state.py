"""Least squares over data streamed in chunks, in bounded memory, with the in-memory fit's answer.

The state after any number of rows is small and exact:

- R, the triangular factor of Z = [1, X₀, y, M] over the rows seen (`tsqr`), so the accuracy of the QR
  solution holds. X₀ is X with missing values set to 0 and M holds one 0/1 column per feature that has
  had a missing value (added when the first one appears).
- per-feature moments of the present values, and the same for y (`moments`).

Mean (or median) imputation needs the fill values before the design is known, which seems to need two
passes. It does not: the imputed design is X̃ = X₀ + M·diag(m), a linear map of Z's columns, and so is
the scaled design [1, (X̃ − c)/s] = Z·T. If Z = QR then Z·T = Q·(R·T), and the factor of the small
matrix R·T (one more QR) is the factor of the imputed, scaled design, whatever m, c and s turn out to
be. Only an exact median needs a second pass (`median`). Two states merge exactly (`merge`), so
partitions of a file can be fitted apart and combined, as a map-reduce would.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lifeexp_cli.errors import DataError, DesignError
from lifeexp_cli.linear import closed_form
from lifeexp_cli.linear.stream import moments, tsqr
from lifeexp_cli.linear.stream.moments import Moments

REFINE_DIGITS = 4  # refine (more passes) when QR may have lost more digits than this (normwise)...
KEEP_DIGITS = 13  # ...or when any one coefficient may keep fewer digits than this (componentwise)


@dataclass(frozen=True)
class State:
    """What a stream of rows leaves: the factor of Z and column moments. Never changed in place."""

    p: int  # number of features
    impute: str  # mean, median or drop (drop keeps the moments of complete rows apart)
    R: np.ndarray  # factor of Z = [1, X₀, y, M]
    indicators: tuple[int, ...]  # the feature of each column of M, in order of first gap
    rows: int  # rows seen (all with a target)
    present: Moments  # of each feature's present values
    complete: Moments  # of the features on complete rows (impute drop only)
    y: Moments  # of the target on the rows used

    @property
    def width(self) -> int:
        return self.p + 2 + len(self.indicators)


@dataclass(frozen=True)
class Factor:
    """The design X against y, as QR leaves them: X = QR, Qᵀy, and the part of y no θ reaches."""

    R: np.ndarray  # q × q upper triangular, with X's singular values
    qty: np.ndarray  # Qᵀy
    residual: float  # ‖y − Xθ‖ at the least-squares θ


def start(p: int, impute: str) -> State:
    """State before any row: Z has columns [1, x₁..x_p, y] and, later, one indicator per feature."""
    return State(p, impute, tsqr.empty(p + 2), (), 0, Moments.empty(p), Moments.empty(p), Moments.empty(1))


def update(state: State, X: np.ndarray, y: np.ndarray) -> State:
    """Add a chunk of rows (X with NaN for missing values, y all present). Returns the new state."""
    p = state.p
    missing = np.isnan(X)
    complete = ~missing.any(axis=1)
    rows = state.rows + len(y)
    present, kept = moments.merge(state.present, moments.of(X)), state.complete
    if state.impute == "drop":
        X, y, missing, complete = X[complete], y[complete], missing[complete], complete[complete]
        kept = moments.merge(state.complete, moments.of(X))
    y_moments = moments.merge(state.y, moments.of(y[:, None]))
    new = [int(j) for j in np.flatnonzero(missing.any(axis=0)) if j not in state.indicators]
    indicators = state.indicators + tuple(new)
    width = p + 2 + len(indicators)
    R = tsqr.pad(state.R, width)
    # Complete rows (most of them, usually) have all indicators 0: factor them on the narrow columns
    # [1, x, y] first, which is cheaper, then merge with the rows that have a gap.
    everything = complete.all()
    narrow = z_rows(X, y, None if everything else np.flatnonzero(complete))
    R = tsqr.merge(R, tsqr.pad(tsqr.update(tsqr.empty(p + 2), narrow), width))
    del narrow  # the rows with a gap are built next: one of the two at a time
    if not everything:
        gaps = np.flatnonzero(~complete)
        holes = missing[gaps]
        wide = z_rows(X, y, gaps, len(indicators))
        wide[:, p + 2:] = holes[:, list(indicators)]
        np.copyto(wide[:, 1:p + 1], 0.0, where=holes)
        R = tsqr.update(R, wide)
    return replace(state, R=R, indicators=indicators, rows=rows, present=present, complete=kept, y=y_moments)


def z_rows(X: np.ndarray, y: np.ndarray, rows: np.ndarray | None, extra: int = 0) -> np.ndarray:
    """Z's columns [1, X, y] of these rows (indices; None: all), with `extra` columns left to fill: built
    in place, a column at a time, column-major (each column's copy is contiguous; X is column-major too,
    and the QR takes its blocks column-major), with no copy of the chunk's rows besides."""
    p = X.shape[1]
    Z = np.empty((len(y) if rows is None else len(rows), p + 2 + extra), order="F")
    Z[:, 0] = 1.0
    for j in range(p):
        if rows is None:
            Z[:, 1 + j] = X[:, j]
        else:
            np.take(X[:, j], rows, out=Z[:, 1 + j])
    if rows is None:
        Z[:, p + 1] = y
    else:
        np.take(y, rows, out=Z[:, p + 1])
    return Z


def merge(a: State, b: State) -> State:
    """The state of two disjoint sets of rows (e.g. two partitions of a file), exactly as if streamed."""
    indicators = a.indicators + tuple(j for j in b.indicators if j not in a.indicators)
    width = a.p + 2 + len(indicators)
    # b's indicator columns are in b's order: move them to the merged order.
    order = list(range(a.p + 2)) + [a.p + 2 + b.indicators.index(j) if j in b.indicators else -1
                                    for j in indicators]
    Rb = np.column_stack([b.R[:, k] if k >= 0 else np.zeros(len(b.R)) for k in order])
    return replace(a, rows=a.rows + b.rows, indicators=indicators,
                   R=tsqr.merge(tsqr.pad(a.R, width), Rb.reshape(len(b.R), width)),
                   present=moments.merge(a.present, b.present), complete=moments.merge(a.complete, b.complete),
                   y=moments.merge(a.y, b.y))


# From the state to the design's factor ---------------------------------------------------------

def used_rows(state: State) -> int:
    """Rows the fit uses: all of them, or the complete ones with impute drop."""
    return int(state.y.n[0])


def fill_values(state: State, features: list[str], medians: np.ndarray | None = None) -> np.ndarray:
    """Per-feature fill: the mean of the present values, or the given medians (as `impute.fit_imputer`)."""
    if state.rows == 0:
        raise DataError("no rows left to fit on: check the target column and missing values")
    empty = [f for f, n in zip(features, state.present.n) if n == 0]
    if empty:
        raise DesignError("feature {value} has no values in the training rows: drop it from "
                          "{features}", "features", empty[0])
    return medians if state.impute == "median" else state.present.mean.copy()


def imputed_moments(state: State, fill: np.ndarray) -> dict:
    """Mean, population std, min and max of each imputed column (the columns the scaler is fitted on)."""
    if state.impute == "drop":
        c = state.complete
        n = np.where(c.n > 0, c.n, 1.0)
        return {"mean": c.mean, "std": np.sqrt(c.m2 / n), "min": c.min, "max": c.max}
    present, n = state.present, float(state.rows)
    gaps = n - present.n
    filled = Moments(gaps, fill, np.zeros_like(fill), np.where(gaps > 0, fill, np.inf),
                     np.where(gaps > 0, fill, -np.inf))
    whole = moments.merge(present, filled)
    return {"mean": whole.mean, "std": np.sqrt(whole.m2 / n), "min": whole.min, "max": whole.max}


def design_map(state: State, fill: np.ndarray, center: np.ndarray, scale: np.ndarray,
               intercept: bool) -> np.ndarray:
    """T with Z·T = [1 (if intercept), (X̃ − c)/s, y]: Z's columns to the scaled design's and y."""
    p, indicators = state.p, state.indicators
    first = 1 if intercept else 0
    T = np.zeros((state.width, first + p + 1))
    if intercept:
        T[0, 0] = 1.0
    for j in range(p):
        T[1 + j, first + j] = 1.0 / scale[j]
        T[0, first + j] = -center[j] / scale[j]
        if j in indicators and state.impute != "drop":
            T[p + 2 + indicators.index(j), first + j] = fill[j] / scale[j]
    T[p + 1, first + p] = 1.0
    return T


def design_factor(state: State, T: np.ndarray) -> Factor:
    """The factor of the design Z·T's first columns against its last column, y.

    Z·T = Q·(R_Z·T); the triangular factor of the small R_Z·T is that of the design with y appended:
    [[R, Qᵀy], [0, ±‖r‖]].
    """
    q = T.shape[1] - 1
    F = np.linalg.qr(state.R @ T, mode="r")
    F = np.vstack([F, np.zeros((q + 1 - len(F), q + 1))]) if len(F) < q + 1 else F
    return Factor(F[:q, :q], F[:q, q], float(abs(F[q, q])))


# Solving from the factor -----------------------------------------------------------------------

def solve(factor: Factor, rows: int, solver: str) -> closed_form.Solution:
    """θ, rank and condition number of the design (of `rows` rows) as `closed_form.solve` gives them.
    lstsq: back-substitution Rθ = Qᵀy (minimum-norm in column-scaled units when rank-deficient);
    normal: the lecture's (XᵀX)θ = Xᵀy with XᵀX = RᵀR."""
    R, qty = factor.R, factor.qty
    rank = closed_form.numerical_rank(closed_form.unit_columns(R)[0], rows)
    if solver == "normal":
        theta = closed_form.solve_gram(R.T @ R, R.T @ qty)
    elif rank < R.shape[1]:
        theta = closed_form.minimum_norm(R, qty)
    else:
        theta = np.linalg.solve(R, qty)
    return closed_form.Solution(theta, rank, closed_form.condition_number(R))


def residual_sum(factor: Factor, theta: np.ndarray) -> float:
    """Σ(y − Xθ)² for any θ: ‖Rθ − Qᵀy‖² + ‖r‖² (the part of y no θ can reach)."""
    return float(np.sum((factor.R @ theta - factor.qty) ** 2) + factor.residual**2)


def refinement_needed(factor: Factor, theta: np.ndarray) -> bool:
    """Whether QR's answer may have lost more than REFINE_DIGITS digits as a whole, or left some
    coefficient with fewer than KEEP_DIGITS: the normwise error of QR least squares is about
    ε·(κ + κ²·‖r‖/(‖X‖‖θ‖)), κ the condition number of the column-scaled design; a small coefficient
    beside large ones (an intercept beside features far from zero, as in NIST's Norris) can lose more
    than the normwise bound says (`coefficient_digits`)."""
    R = factor.R
    kappa = closed_form.condition_number(closed_form.unit_columns(R)[0])
    if R.shape[1] == 0 or not np.isfinite(kappa):
        return False
    size = np.linalg.norm(R, 2) * np.linalg.norm(theta)
    normwise = kappa + kappa**2 * (factor.residual / size if size > 0 else 0.0) > 10.0**REFINE_DIGITS
    return normwise or coefficient_digits(factor, theta) < KEEP_DIGITS


def coefficient_digits(factor: Factor, theta: np.ndarray) -> float:
    """The fewest significant digits any coefficient may keep, by the componentwise first-order bound
    |δθ| ≲ ε·|R⁻¹|·(|R|·|θ| + |Qᵀy|) for a backward-stable triangular factor and solve."""
    R = factor.R
    try:
        inverse = np.abs(np.linalg.solve(R, np.eye(len(R))))
    except np.linalg.LinAlgError:  # singular: rank-deficient, never refined
        return 0.0
    bound = np.finfo(float).eps * inverse @ (np.abs(R) @ np.abs(theta) + np.abs(factor.qty))
    size = np.abs(theta)
    if np.any(size == 0) or not np.all(np.isfinite(bound)):
        return 0.0
    return float(-np.log10(np.max(bound / size)))


def design_rows(X: np.ndarray, fill: np.ndarray, center: np.ndarray, scale: np.ndarray,
                intercept: bool) -> np.ndarray:
    """The design's rows for raw feature rows: [1,] (X̃ − c)/s, as the in-memory fit builds them. Built in
    its one array, with no other copy of the rows. It is laid out as X (column-major when X is): a matrix
    product may sum in another order for another layout, and the design's rows must be the same numbers
    however they were built."""
    n, p = X.shape
    first = 1 if intercept else 0
    design = np.empty((n, first + p), order="F" if n > 1 and p > 1 and X.strides[0] < X.strides[1] else "C")
    if intercept:
        design[:, 0] = 1.0
    Xs = design[:, first:]
    np.copyto(Xs, X)
    np.copyto(Xs, np.asarray(fill, dtype=float), where=np.isnan(X))
    if center.any() or np.signbit(center).any():  # x − (+0) is x itself: a pass saved without a scaler
        np.subtract(Xs, center, out=Xs)
    if (scale != 1).any():
        np.divide(Xs, scale, out=Xs)
    return design


# Refinement by corrected semi-normal equations: one pass over the rows per step -----------------

def correction_start(q: int) -> np.ndarray:
    return np.zeros(q, dtype=np.longdouble)


def correction_update(g: np.ndarray, design: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """g + Xᵀ(y − Xθ) over a chunk, in extended precision (the residual is a small difference)."""
    wide = design.astype(np.longdouble)
    return g + wide.T @ (y.astype(np.longdouble) - wide @ theta.astype(np.longdouble))


def correction_solve(R: np.ndarray, g: np.ndarray) -> np.ndarray:
    """δ with RᵀRδ = g (two triangular solves)."""
    return np.linalg.solve(R, np.linalg.solve(R.T, g.astype(float)))


def centred_factor(R_with_ones: np.ndarray) -> np.ndarray:
    """The factor of the centred features, from that of [1, X]: eliminating the ones column centres."""
    return R_with_ones[1:, 1:]
