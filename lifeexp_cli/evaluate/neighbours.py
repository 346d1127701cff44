"""The k nearest rows: the mean Euclidean distance from each row of Z to its k nearest rows of R.

Found in blocks of bounded memory by one matrix product per block (BLAS), since

    ‖z − r‖² = ‖z‖² − s(z, r),   s(z, r) = 2 z·r − ‖r‖²,

and s for a block of rows against every row of R is one product [Z 1]·[2R −‖r‖²]ᵀ: the nearest rows
are those with the largest s. The expansion loses digits when z is near r (‖z − r‖² is a small
difference of large numbers), so it only chooses CANDIDATES: the k + EXTRA largest s of each row
(`np.argpartition`). Their distances are then computed directly from the differences z − r, and the k
smallest of those are averaged: the distance is the direct formula's, not the expansion's.

A row of R left out of the candidates has ‖z − r‖² ≥ ‖z‖² − s_c − e, with s_c the smallest candidate s
and e a bound on the expansion's rounding (`rounding`). When that is at least the k-th smallest
direct distance, no row of R outside the candidates is nearer; otherwise (ties or near-ties at the
k-th distance; values so large that s is not finite) the row's distances to all of R are computed
directly. So the result is always exact, and fast when the k-th nearest row stands apart.

With few features a k-d tree (scipy's cKDTree) finds the k nearest faster than comparing with every
row; with many it degenerates towards comparing with every row, and the product wins. `searcher`
picks by the number of features, up to TREE_FEATURES (bench/domain.py measures both).
"""

from __future__ import annotations

from typing import NamedTuple

BLOCK_CELLS = 250_000  # s values in one block (2 MB: in cache, measured faster than 16 MB)
EXTRA = 5  # candidates beyond the k nearest, measured directly
TREE_FEATURES = 9  # up to this many features a k-d tree, above it the product: measured faster (bench/domain.py)
EPS = 2.0 ** -52


class Rows(NamedTuple):
    """R prepared for `nearest`: the rows, [2R −‖r‖²] for the product, and the largest ‖r‖²."""

    rows: object
    product: object
    largest: float


def prepare(R) -> Rows:
    import numpy as np

    R = np.asarray(R, dtype=float)
    norms = np.einsum("ij,ij->i", R, R)
    return Rows(R, np.column_stack([2.0 * R, -norms]), float(norms.max(initial=0.0)))


def rounding(p: int, zz, largest: float):
    """A bound on the rounding of ‖z‖² − ŝ against the direct ‖z − r‖², at least twice the worst case:
    ŝ, ‖z‖² and ‖r‖² are sums of at most p + 1 terms of total size at most ‖z‖² + 2 max‖r‖², each
    computed with a relative error of at most (p + 1)·2⁻⁵³ in any order of summation (Higham, Accuracy
    and Stability of Numerical Algorithms, §3.1), and the direct ‖z − r‖² ≤ 2‖z‖² + 2 max‖r‖² with
    (p + 2)·2⁻⁵³."""
    return 4.0 * (p + 2) * EPS * (2.0 * zz + 2.0 * largest)


def nearest(Z, R, k: int, exclude=None):
    """Mean distance from each row of Z to its k nearest rows of R (an array or `prepare(R)`); k is at
    most the number of rows of R. exclude(start, stop) -> boolean (stop − start) × len(R) mask of rows
    of R each row of Z[start:stop] may not use (a row with fewer than k rows to use gets inf)."""
    import numpy as np

    prepared = R if isinstance(R, Rows) else prepare(R)
    R = prepared.rows
    Z = np.asarray(Z, dtype=float)
    m, p = R.shape
    k = min(k, m)
    c = min(m, k + EXTRA)
    out = np.empty(len(Z))
    step = max(1, min(BLOCK_CELLS // max(m, 1), len(Z)))
    # One [Z 1] and one s for every block: a block's s (2 MB) allocated afresh went back to the system
    # when freed and faulted its pages in again in the next block, at more CPU time than the product
    # (in a fresh process, as a fit calls it: 38,000 page faults in the WHO fit's two calls, 4,000 now).
    work = Work(np.ones((step, p + 1)), np.empty((step, m)))
    with np.errstate(over="ignore", invalid="ignore"):  # values too large for the expansion: measured directly
        for start in range(0, len(Z), step):
            blocked(Z, prepared, k, c, exclude, start, min(start + step, len(Z)), out, work)
    return out


class Work(NamedTuple):
    """The arrays `blocked` writes into, made once per `nearest`: [Z 1] and s for a block of rows."""

    rows: object
    s: object


def blocked(Z, prepared: Rows, k: int, c: int, exclude, start: int, stop: int, out, work: Work) -> None:
    """`nearest` for the rows start:stop of Z, into out[start:stop]."""
    import numpy as np

    R, Z = prepared.rows, Z[start:stop]
    m, p = R.shape
    rows = work.rows[:len(Z)]
    rows[:, :p] = Z
    s = np.matmul(rows, prepared.product.T, out=work.s[:len(Z)])
    mask = None if exclude is None else exclude(start, stop)
    if mask is not None:
        s[mask] = -np.inf
    chosen = np.argpartition(s, m - c, axis=1)[:, m - c:] if c < m else np.arange(m)[None, :]
    d2 = squared(Z, R, chosen)
    if mask is not None:
        d2[np.take_along_axis(mask, np.broadcast_to(chosen, d2.shape), axis=1)] = np.inf
    d2 = np.sort(d2, axis=1)[:, :k]
    if c < m:  # is a row outside the candidates nearer than the k-th? Then measure that row directly.
        zz = np.einsum("ij,ij->i", Z, Z)
        floor = zz - np.take_along_axis(s, chosen, axis=1).min(axis=1) - rounding(p, zz, prepared.largest)
        unsure = np.flatnonzero(~(floor >= d2[:, k - 1]))  # NaN-safe: a row too large to expand is unsure
        if len(unsure):
            d2[unsure] = every_row(Z[unsure], R, k, None if mask is None else mask[unsure])
    out[start:stop] = np.sqrt(d2).mean(axis=1)


def squared(Z, R, chosen):
    """‖z − r‖² of each row of Z and its chosen rows of R, from the differences."""
    import numpy as np

    differences = Z[:, None, :] - R[chosen]
    return np.einsum("ijk,ijk->ij", differences, differences)


def every_row(Z, R, k: int, mask=None):
    """The k smallest ‖z − r‖² of each row of Z over all of R, from the differences (sorted)."""
    import numpy as np

    m = len(R)
    out = np.empty((len(Z), k))
    step = max(1, BLOCK_CELLS // max(R.size, 1))
    for start in range(0, len(Z), step):
        stop = min(start + step, len(Z))
        d2 = squared(Z[start:stop], R, np.arange(m)[None, :])
        if mask is not None:
            d2[mask[start:stop]] = np.inf
        out[start:stop] = np.sort(np.partition(d2, k - 1, axis=1)[:, :k], axis=1)
    return out


def searcher(R, method: str | None = None):
    """What `mean_distance` searches R with, built once and reused block after block: a k-d tree
    ("tree") up to TREE_FEATURES features, else R prepared for the product ("product")."""
    import numpy as np

    R = np.asarray(R, dtype=float)
    if (method or ("tree" if R.shape[1] <= TREE_FEATURES else "product")) == "tree":
        from scipy.spatial import cKDTree

        return cKDTree(R)
    return prepare(R)


def mean_distance(Z, found, k: int):
    """Mean distance from each row of Z to its k nearest rows of the `searcher`'s R."""
    import numpy as np

    if isinstance(found, Rows):
        return nearest(Z, found, k)
    k = min(k, found.n)
    distances, _ = found.query(np.asarray(Z, dtype=float), k=k)
    return distances.reshape(len(Z), -1).mean(axis=1)


def candidates(Z, found, c: int):
    """The c nearest rows of the `searcher`'s R to each row of Z, nearest first: (distances, rows), both
    len(Z) × c; the distances as the k-d tree or the differences z − r give them (not to the last digit
    of the direct formula: candidates, to be measured again)."""
    import numpy as np

    Z = np.asarray(Z, dtype=float)
    if not isinstance(found, Rows):
        distances, rows = found.query(Z, k=c)
        return distances.reshape(len(Z), c), rows.reshape(len(Z), c)
    R = found.rows
    distances, rows = np.empty((len(Z), c)), np.empty((len(Z), c), dtype=np.intp)
    step = max(1, BLOCK_CELLS // max(R.size, 1))
    for start in range(0, len(Z), step):
        stop = min(start + step, len(Z))
        with np.errstate(over="ignore", invalid="ignore"):
            d2 = squared(Z[start:stop], R, np.arange(len(R))[None, :])
        part = np.argpartition(d2, c - 1, axis=1)[:, :c] if c < len(R) else np.broadcast_to(np.arange(len(R)), d2.shape)
        taken = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(taken, axis=1, kind="stable")
        rows[start:stop] = np.take_along_axis(part, order, axis=1)
        distances[start:stop] = np.sqrt(np.take_along_axis(taken, order, axis=1))
    return distances, rows
