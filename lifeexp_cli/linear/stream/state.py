"""Least squares over data streamed in chunks, in bounded memory, with the in-memory fit's answer.

The state after any number of rows is small and exact:

- R, the triangular factor of Z = [1, X₀, y, M] over the rows seen (TSQR): each chunk is stacked under
  the previous R and re-factored, so R·Rᵀ-style sums of squares (XᵀX) are never formed and the accuracy
  of the QR solution holds. X₀ is X with missing values set to 0 and M holds one 0/1 column per feature
  that has had a missing value (added when the first one appears).
- per-feature moments of the present values (count, mean, M2 = Σ(x − mean)², min, max), merged with
  Chan's pairwise formulas, and the same for y.

Mean (or median) imputation needs the fill values before the design is known, which seems to need two
passes. It does not: the imputed design is X̃ = X₀ + M·diag(m), a linear map of Z's columns, and so is
the scaled design [1, (X̃ − c)/s] = Z·T. If Z = QR then Z·T = Q·(R·T), and the factor of the small
matrix R·T (one more QR) is the factor of the imputed, scaled design, whatever m, c and s turn out to
be. Only an exact median needs a second pass (see `median_*`). Two states merge exactly (`merge`), so
partitions of a file can be fitted apart and combined, as a map-reduce would.
"""

from __future__ import annotations

import math

import numpy as np

from lifeexp_cli.errors import DataError

BLOCK_ROWS = 2048  # 2048 x 12 doubles stay in cache: 0.13 s per million rows, 4096: 0.23 s
REFINE_DIGITS = 4  # refine (more passes) when QR may have lost more digits than this

# Moments of each column, ignoring NaN ------------------------------------------------------------

def moments_start(p: int) -> dict:
    return {"n": np.zeros(p), "mean": np.zeros(p), "m2": np.zeros(p),
            "min": np.full(p, np.inf), "max": np.full(p, -np.inf)}


def moments_of(X: np.ndarray) -> dict:
    """Moments of one chunk (n × p), NaN ignored (column by column: Fortran order is fastest)."""
    p = X.shape[1]
    out = {"n": np.zeros(p), "mean": np.zeros(p), "m2": np.zeros(p),
           "min": np.full(p, np.inf), "max": np.full(p, -np.inf)}
    for j in range(p):
        column = X[:, j]
        present = column[~np.isnan(column)]
        if present.size:
            mean = present.mean()
            deviation = present - mean
            out["n"][j], out["mean"][j], out["m2"][j] = present.size, mean, deviation @ deviation
            out["min"][j], out["max"][j] = present.min(), present.max()
    return out


def moments_merge(a: dict, b: dict) -> dict:
    """Chan et al.'s pairwise update: exact for counts and extremes, stable for mean and M2."""
    n = a["n"] + b["n"]
    safe = np.where(n > 0, n, 1.0)
    delta = b["mean"] - a["mean"]
    return {"n": n, "mean": a["mean"] + delta * b["n"] / safe,
            "m2": a["m2"] + b["m2"] + delta**2 * a["n"] * b["n"] / safe,
            "min": np.minimum(a["min"], b["min"]), "max": np.maximum(a["max"], b["max"])}


# The triangular factor ----------------------------------------------------------------------------

def triangular_update(R: np.ndarray, block: np.ndarray) -> np.ndarray:
    """The R factor of [R; block] (at most k × k): TSQR's step, also how two factors merge.

    Tall blocks are taken BLOCK_ROWS rows at a time, which keeps the work in cache.
    """
    for start in range(0, len(block), BLOCK_ROWS):
        R = np.linalg.qr(np.vstack([R, block[start:start + BLOCK_ROWS]]), mode="r")
    return R


def _pad(R: np.ndarray, width: int) -> np.ndarray:
    """R with zero columns appended: the factor of Z with new all-zero columns (indicators not yet seen)."""
    return np.hstack([R, np.zeros((len(R), width - R.shape[1]))]) if R.shape[1] < width else R


# The stream state -------------------------------------------------------------------------------

def start(p: int, impute: str) -> dict:
    """State before any row: Z has columns [1, x₁..x_p, y] and, later, one indicator per feature."""
    return {"p": p, "impute": impute, "R": np.zeros((0, p + 2)), "indicators": [], "rows": 0,
            "present": moments_start(p), "complete": moments_start(p), "y": moments_start(1)}


def update(state: dict, X: np.ndarray, y: np.ndarray) -> dict:
    """Add a chunk of rows (X with NaN for missing values, y all present). Returns the new state."""
    p = state["p"]
    missing = np.isnan(X)
    complete = ~missing.any(axis=1)
    state = {**state, "rows": state["rows"] + len(y),
             "present": moments_merge(state["present"], moments_of(X))}
    if state["impute"] == "drop":
        X, y, missing, complete = X[complete], y[complete], missing[complete], complete[complete]
        state["complete"] = moments_merge(state["complete"], moments_of(X))
    state["y"] = moments_merge(state["y"], moments_of(y[:, None]))
    new = [j for j in np.flatnonzero(missing.any(axis=0)) if j not in state["indicators"]]
    indicators = state["indicators"] + [int(j) for j in new]
    width = p + 2 + len(indicators)
    R = _pad(state["R"], width)
    # Complete rows (most of them, usually) have all indicators 0: factor them on the narrow columns
    # [1, x, y] first, which is cheaper, then merge with the rows that have a gap.
    Z = np.empty((len(y), p + 2))  # [1, X, y], row-major: taking rows out of it is fast
    Z[:, 0], Z[:, 1:p + 1], Z[:, p + 1] = 1.0, X, y
    everything = complete.all()
    narrow = Z if everything else Z.take(np.flatnonzero(complete), axis=0)
    R = triangular_update(R, _pad(triangular_update(np.zeros((0, p + 2)), narrow), width))
    if not everything:
        gaps = np.flatnonzero(~complete)
        holes = missing[gaps]
        wide = np.hstack([Z.take(gaps, axis=0), holes[:, indicators].astype(float)])
        wide[:, 1:p + 1][holes] = 0.0
        R = triangular_update(R, wide)
    return {**state, "R": R, "indicators": indicators}


def merge(a: dict, b: dict) -> dict:
    """The state of two disjoint sets of rows (e.g. two partitions of a file), exactly as if streamed."""
    indicators = a["indicators"] + [j for j in b["indicators"] if j not in a["indicators"]]
    width = a["p"] + 2 + len(indicators)
    # b's indicator columns are in b's order: move them to the merged order.
    order = list(range(a["p"] + 2)) + [a["p"] + 2 + b["indicators"].index(j) if j in b["indicators"] else -1
                                       for j in indicators]
    Rb = np.column_stack([b["R"][:, k] if k >= 0 else np.zeros(len(b["R"])) for k in order])
    return {**a, "rows": a["rows"] + b["rows"], "indicators": indicators,
            "R": triangular_update(_pad(a["R"], width), Rb.reshape(len(b["R"]), width)),
            "present": moments_merge(a["present"], b["present"]),
            "complete": moments_merge(a["complete"], b["complete"]), "y": moments_merge(a["y"], b["y"])}


# From the state to the design's factor ---------------------------------------------------------

def used_rows(state: dict) -> int:
    return int(state["y"]["n"][0])


def fill_values(state: dict, features: list[str], medians: np.ndarray | None = None) -> np.ndarray:
    """Per-feature fill: the mean of the present values, or the given medians (as `impute.fit_imputer`)."""
    if state["rows"] == 0:
        raise DataError("no rows left to fit on: check the target column and missing values")
    empty = [f for f, n in zip(features, state["present"]["n"]) if n == 0]
    if empty:
        raise DataError(f"feature {empty[0]} has no values in the training rows: drop it from --features")
    return medians if state["impute"] == "median" else state["present"]["mean"].copy()


def imputed_moments(state: dict, fill: np.ndarray) -> dict:
    """Mean, population std, min and max of each imputed column (the columns the scaler is fitted on)."""
    if state["impute"] == "drop":
        c = state["complete"]
        n = np.where(c["n"] > 0, c["n"], 1.0)
        return {"mean": c["mean"], "std": np.sqrt(c["m2"] / n), "min": c["min"], "max": c["max"]}
    pres, n = state["present"], float(state["rows"])
    gaps = n - pres["n"]
    filled = {"n": gaps, "mean": fill, "m2": np.zeros_like(fill),
              "min": np.where(gaps > 0, fill, np.inf), "max": np.where(gaps > 0, fill, -np.inf)}
    whole = moments_merge(pres, filled)
    return {"mean": whole["mean"], "std": np.sqrt(whole["m2"] / n), "min": whole["min"], "max": whole["max"]}


def design_map(state: dict, fill: np.ndarray, center: np.ndarray, scale: np.ndarray,
               intercept: bool) -> np.ndarray:
    """T with Z·T = [1 (if intercept), (X̃ − c)/s, y]: Z's columns to the scaled design's and y."""
    p, indicators = state["p"], state["indicators"]
    width = p + 2 + len(indicators)
    first = 1 if intercept else 0
    T = np.zeros((width, first + p + 1))
    if intercept:
        T[0, 0] = 1.0
    for j in range(p):
        T[1 + j, first + j] = 1.0 / scale[j]
        T[0, first + j] = -center[j] / scale[j]
        if j in indicators and state["impute"] != "drop":
            T[p + 2 + indicators.index(j), first + j] = fill[j] / scale[j]
    T[p + 1, first + p] = 1.0
    return T


def design_factor(state: dict, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(R, Qᵀy, residual norm) of the design Z·T's first columns against its last column, y.

    Z·T = Q·(R_Z·T); the triangular factor of the small R_Z·T is that of the design with y appended:
    [[R, Qᵀy], [0, ±‖r‖]].
    """
    q = T.shape[1] - 1
    F = np.linalg.qr(state["R"] @ T, mode="r")
    F = np.vstack([F, np.zeros((q + 1 - len(F), q + 1))]) if len(F) < q + 1 else F
    return F[:q, :q], F[:q, q], float(abs(F[q, q]))


# Solving from the factor -----------------------------------------------------------------------

def numerical_rank(R: np.ndarray, rows: int) -> int:
    """Rank of the design from its factor, with `closed_form.numerical_rank`'s tolerance (unit columns)."""
    norms = np.linalg.norm(R, axis=0)
    s = np.linalg.svd(R / np.where(norms > 0, norms, 1.0), compute_uv=False)
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.sum(s > s[0] * max(rows, R.shape[1]) * np.finfo(float).eps))


def condition_number(R: np.ndarray) -> float:
    """cond₂ of the design: the singular values of R are those of the design."""
    if R.shape[1] == 0:
        return 1.0
    s = np.linalg.svd(R, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else math.inf


def solve(R: np.ndarray, qty: np.ndarray, rows: int, solver: str) -> tuple[np.ndarray, int]:
    """θ and the rank. lstsq: back-substitution Rθ = Qᵀy (minimum-norm in column-scaled units when
    rank-deficient, as `closed_form.lstsq`); normal: the lecture's (XᵀX)θ = Xᵀy with XᵀX = RᵀR."""
    rank = numerical_rank(R, rows)
    if solver == "normal":
        try:
            return np.linalg.solve(R.T @ R, R.T @ qty), rank
        except np.linalg.LinAlgError:
            raise DataError("XᵀX is singular (features exactly collinear): drop one of them, "
                            "or use --solver lstsq") from None
    if rank < R.shape[1]:
        norms = np.linalg.norm(R, axis=0)
        norms = np.where(norms > 0, norms, 1.0)
        return np.linalg.lstsq(R / norms, qty, rcond=None)[0] / norms, rank
    return np.linalg.solve(R, qty), rank


def residual_sum(R: np.ndarray, qty: np.ndarray, residual: float, theta: np.ndarray) -> float:
    """Σ(y − Xθ)² for any θ: ‖Rθ − Qᵀy‖² + ‖r‖² (the part of y no θ can reach)."""
    return float(np.sum((R @ theta - qty) ** 2) + residual**2)


def refinement_needed(R: np.ndarray, residual: float, theta: np.ndarray) -> bool:
    """Whether QR's answer may have lost more than REFINE_DIGITS digits: the error of QR least squares
    is about ε·(κ + κ²·‖r‖/(‖X‖‖θ‖)), κ the condition number of the column-scaled design."""
    norms = np.linalg.norm(R, axis=0)
    s = np.linalg.svd(R / np.where(norms > 0, norms, 1.0), compute_uv=False)
    if s.size == 0 or s[-1] == 0:
        return False
    kappa = s[0] / s[-1]
    size = np.linalg.norm(R, 2) * np.linalg.norm(theta)
    return kappa + kappa**2 * (residual / size if size > 0 else 0.0) > 10.0**REFINE_DIGITS


def design_rows(X: np.ndarray, fill: np.ndarray, center: np.ndarray, scale: np.ndarray,
                intercept: bool) -> np.ndarray:
    """The design's rows for raw feature rows: [1,] (X̃ − c)/s, as the in-memory fit builds them."""
    Xs = (np.where(np.isnan(X), fill, X) - center) / scale
    return np.column_stack([np.ones(len(Xs)), Xs]) if intercept else Xs


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


# Exact medians in bounded memory: a radix select over the order-preserving bits of float64 --------
#
# Each pass over the data narrows the search for a given rank by 16 bits of the sortable key (a 65536-bin
# histogram per search), until few enough candidates remain to be collected and sorted outright. Memory
# stays bounded (a histogram, or at most COLLECT keys, per search); the answer is exact. np.nanmedian's
# answer for an even count is the mean of the two middle values, so there are up to two searches per
# feature.

COLLECT = 1 << 18
DIGIT = 16


def sortable(x: np.ndarray) -> np.ndarray:
    """uint64 keys that sort like the floats (IEEE 754: flip all bits of negatives, the sign of others)."""
    u = np.ascontiguousarray(x, dtype=float).view(np.uint64)
    return np.where(u >> np.uint64(63), ~u, u | np.uint64(1 << 63))


def from_sortable(k: np.ndarray) -> np.ndarray:
    k = np.asarray(k, dtype=np.uint64)
    return np.where(k >> np.uint64(63), k & ~np.uint64(1 << 63), ~k).view(np.float64)


def median_start(counts: np.ndarray) -> list[dict]:
    """The searches: per feature, the lower and upper middle ranks of its present values."""
    return [{"feature": j, "rank": rank, "prefix": 0, "bits": 0, "count": int(n), "value": None}
            for j, n in enumerate(counts.astype(int)) for rank in sorted({(n - 1) // 2, n // 2})]


def median_pass(searches: list[dict]) -> list:
    """What one pass accumulates per open search: a histogram of the next digit, or the keys themselves."""
    return [None if s["value"] is not None else [] if 0 < s["count"] <= COLLECT
            else np.zeros(1 << DIGIT, dtype=np.int64) for s in searches]


def median_update(searches: list[dict], found: list, X: np.ndarray) -> None:
    """Add a chunk (rows of raw features) to this pass's histograms or collections (in place)."""
    keys: dict[int, np.ndarray] = {}
    for search, acc in zip(searches, found):
        if acc is None:
            continue
        j = search["feature"]
        if j not in keys:
            column = X[:, j]
            keys[j] = sortable(column[~np.isnan(column)])
        k = keys[j]
        if search["bits"]:
            k = k[(k >> np.uint64(64 - search["bits"])) == np.uint64(search["prefix"])]
        if isinstance(acc, list):
            acc.append(k)
        else:
            digit = (k >> np.uint64(64 - search["bits"] - DIGIT)) & np.uint64((1 << DIGIT) - 1)
            acc += np.bincount(digit.astype(np.int64), minlength=1 << DIGIT)


def median_narrow(searches: list[dict], found: list) -> bool:
    """After a pass: settle or narrow each open search (in place). True when every median is known."""
    for search, acc in zip(searches, found):
        if acc is None:
            continue
        if isinstance(acc, list):
            keys = np.sort(np.concatenate(acc))
            search["value"] = float(from_sortable(keys[search["rank"]]))
            continue
        below = np.cumsum(acc)
        digit = int(np.searchsorted(below, search["rank"], side="right"))
        search["rank"] -= int(below[digit - 1]) if digit else 0
        search["count"] = int(acc[digit])
        search["prefix"] = (search["prefix"] << DIGIT) | digit
        search["bits"] += DIGIT
        if search["bits"] == 64:
            search["value"] = float(from_sortable(np.array([search["prefix"]], dtype=np.uint64))[0])
    return all(s["value"] is not None for s in searches)


def median_values(searches: list[dict], p: int) -> np.ndarray:
    """Each feature's median: the mean of its two middle values (the middle one when the count is odd)."""
    values: list[list[float]] = [[] for _ in range(p)]
    for search in searches:
        values[search["feature"]].append(search["value"])
    return np.array([(v[0] + v[-1]) / 2 for v in values])
