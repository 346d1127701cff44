"""Closed-form least squares: the accurate default and the lecture's normal equation, with diagnostics.

lstsq (default): scale each column of the design X to unit 2-norm (D), factor A = XD⁻¹ = QR (Householder,
LAPACK), solve Rz = Qᵀy, then refine (x, r) on the augmented system [[I, A], [Aᵀ, 0]] with residuals
in extended precision (Björck's refinement); θ = D⁻¹z. This fixes both the cond(A) and the
cond(A)²·|r| error terms, which is what the hard NIST StRD problems (Filip, Wampler4/5) need.

normal: θ = (XᵀX)⁻¹XᵀY as in the lecture, computed as the solution of (XᵀX)θ = XᵀY (no explicit
inverse). It squares the condition number, so it loses twice as many digits on ill-conditioned data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lifeexp_cli.errors import DesignError, ParameterError
from lifeexp_cli.linear.stream import tsqr

SOLVERS = ("lstsq", "normal")
RESIDUAL_ROWS = 1 << 16  # rows per block of the long-double residuals (4 MB of long doubles at 4 columns)
REFINEMENT_STEPS = 5  # at most; refinement stops as soon as a correction no longer changes θ


def converged(correction: np.ndarray, theta: np.ndarray) -> bool:
    """Whether a refinement step's correction is below θ's own rounding (further steps change nothing)."""
    return bool(np.linalg.norm(correction) <= np.finfo(float).eps * np.linalg.norm(theta))
# Belsley, Kuh & Welsch: a condition index above 10 (moderate; 30 is strong) with two or more
# variance-decomposition proportions above 0.5 marks a near-dependency between those features.
# For two features the index is √((1+r)/(1−r)), so 10 means |r| above about 0.98.
COLLINEAR_INDEX = 10.0
COLLINEAR_SHARE = 0.5
ILL_CONDITIONED = 1e5


@dataclass
class Solution:
    """A least-squares answer and how far to trust it."""

    theta: np.ndarray  # coefficients, one per column of the design
    rank: int  # numerical rank of the column-scaled design
    condition_number: float  # cond₂ of the design as given


def unit_columns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X with each column scaled to about unit 2-norm (a zero column is left as is), and the scales.

    The scales are the powers of two nearest the norms: dividing by a power of two is exact, so the
    scaled design is the user's design, not a rounded copy of it. (Dividing by the norms themselves
    perturbs every entry by up to half an ulp, and refinement then converges to the answer of that
    perturbed problem: 11.7 instead of 14.5 digits on Longley.)"""
    norms = np.linalg.norm(X, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    scales = np.exp2(np.round(np.log2(norms)))
    return X / scales, scales


def condition_number(X: np.ndarray) -> float:
    """cond₂ of the design as given (ratio of largest to smallest singular value); the same from the
    design's triangular factor R, which has the design's singular values."""
    if X.shape[1] == 0:
        return 1.0
    s = np.linalg.svd(X, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else math.inf


def numerical_rank(A: np.ndarray, rows: int | None = None) -> int:
    """Rank of A (columns of unit length) at LAPACK's usual tolerance. rows: the number of rows of the
    design when A is its triangular factor (which has the design's singular values, not its rows)."""
    s = np.linalg.svd(A, compute_uv=False)
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.sum(s > s[0] * max(rows or len(A), A.shape[1]) * np.finfo(float).eps))


def minimum_norm(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least-squares θ of least norm in column-scaled units, for a rank-deficient X (SVD)."""
    A, norms = unit_columns(X)
    return np.linalg.lstsq(A, y, rcond=None)[0] / norms


def solve_gram(gram: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """θ from (XᵀX)θ = Xᵀy, given XᵀX and Xᵀy: the lecture's normal equation, by a linear solve."""
    try:
        return np.linalg.solve(gram, moment)
    except np.linalg.LinAlgError:
        raise DesignError("XᵀX is singular (features exactly collinear): drop one of them, "
                          "or use {solver} lstsq", "solver", "normal") from None


def _refine(A: np.ndarray, y: np.ndarray, Q: np.ndarray, R: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Björck's iterative refinement of the augmented system, residuals accumulated in long double."""
    r = y - A @ z
    for _ in range(REFINEMENT_STEPS):
        f, g = _augmented_residual(A, y, r, z)
        u = np.linalg.solve(R.T, g)
        dz = np.linalg.solve(R, Q.T @ f - u)
        z, r = z + dz, r + f - A @ dz
        if converged(dz, z):
            break
    return z


def _augmented_residual(A: np.ndarray, y: np.ndarray, r: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y − r − Az, −Aᵀr) in long double, rounded to float64; RESIDUAL_ROWS rows at a time, so that the
    wide copies stay small whatever the number of rows."""
    wide = np.longdouble
    f, g, z_wide = np.empty(len(y)), np.zeros(A.shape[1], dtype=wide), z.astype(wide)
    for start in range(0, len(y), RESIDUAL_ROWS):
        rows = slice(start, start + RESIDUAL_ROWS)
        A_rows, r_rows = A[rows].astype(wide), r[rows].astype(wide)
        f[rows] = (y[rows].astype(wide) - r_rows - A_rows @ z_wide).astype(float)
        g -= A_rows.T @ r_rows
    return f, g.astype(float)


def lstsq(X: np.ndarray, y: np.ndarray) -> Solution:
    """Least squares via QR of the column-scaled design, refined; minimum-norm SVD answer if rank-deficient."""
    A, norms = unit_columns(X)
    rank = numerical_rank(A)
    if rank < A.shape[1]:
        return Solution(minimum_norm(X, y), rank, condition_number(X))
    Q, R = np.linalg.qr(A)
    z = _refine(A, y, Q, R, np.linalg.solve(R, Q.T @ y))
    return Solution(z / norms, rank, condition_number(X))


def normal_equation(X: np.ndarray, y: np.ndarray) -> Solution:
    """θ from (XᵀX)θ = XᵀY, the lecture's normal equation, by a linear solve."""
    rank = numerical_rank(unit_columns(X)[0])
    return Solution(solve_gram(X.T @ X, X.T @ y), rank, condition_number(X))


def solve(X: np.ndarray, y: np.ndarray, solver: str = "lstsq") -> Solution:
    if solver == "lstsq":
        return lstsq(X, y)
    if solver == "normal":
        return normal_equation(X, y)
    raise ParameterError(f"unknown closed-form {{solver}} {{value!r}}: use one of {', '.join(SOLVERS)}",
                         "solver", solver)


def digits_at_risk(cond: float, solver: str) -> float:
    """Rough count of the 16 significant digits of float64 that rounding may destroy."""
    if not math.isfinite(cond):
        return 16.0
    return min(16.0, math.log10(cond) * (2 if solver == "normal" else 1))


def collinear_groups(X: np.ndarray, names: list[str]) -> list[tuple[list[str], float]]:
    """Sets of features in a near-linear dependency (Belsley diagnostics on centred, unit-length columns).

    Returns (feature names, condition index) per dependency; an exact dependency has an infinite index.
    """
    if X.shape[1] < 2:
        return []
    # The triangular factor of the centred features has their ZᵀZ, so it serves in their place; built a
    # block of rows at a time, it never holds a centred copy of X.
    mean = X.mean(axis=0)
    R = tsqr.empty(X.shape[1])
    for start in range(0, len(X), RESIDUAL_ROWS):
        R = tsqr.update(R, X[start:start + RESIDUAL_ROWS] - mean)
    return centred_collinear_groups(R, names, np.linalg.norm(R, axis=0) > 0, len(X))


def centred_collinear_groups(Z: np.ndarray, names: list[str], varying: np.ndarray,
                             rows: int) -> list[tuple[list[str], float]]:
    """`collinear_groups` from the centred features Z, or from any matrix with the same ZᵀZ (such as
    the triangular factor of the centred features, as a streamed fit has); `rows` is the number of rows."""
    norms = np.linalg.norm(Z, axis=0)
    Z, kept = Z[:, varying] / norms[varying], [n for n, v in zip(names, varying) if v]
    if Z.shape[1] < 2:
        return []
    _, s, Vt = np.linalg.svd(Z, full_matrices=False)
    tiny = s[0] * max(rows, Z.shape[1]) * np.finfo(float).eps
    safe = np.maximum(s, tiny)
    phi = (Vt.T ** 2) / safe**2  # phi[j, k]: share of feature j's variance from component k
    shares = phi / phi.sum(axis=1, keepdims=True)
    groups = []
    for k in range(len(s)):
        index = s[0] / s[k] if s[k] > tiny else math.inf
        involved = [kept[j] for j in np.flatnonzero(shares[:, k] > COLLINEAR_SHARE)]
        if index > COLLINEAR_INDEX and len(involved) >= 2:
            groups.append((involved, index))
    return groups
