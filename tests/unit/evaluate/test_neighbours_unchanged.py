"""evaluate/neighbours.py `nearest` gives, bit for bit, what it gave before it was made faster: the
implementation of commit 754fb0e is kept below as the reference (a fresh product array per block, the
exclusion mask applied to it, argpartition, the direct recheck). A model record stores these
distances (the domain check's threshold, the shift calibration's distance term), so a faster nearest
must not move one of them by an ulp: random rows with exact ties (values on a coarse grid, duplicated
rows), NaN and infinite cells in the inputs or the reference, values too large for the expansion,
rows left out by group or by position, k up to the number of rows, one block or many."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import neighbours

# --- the reference: evaluate/neighbours.py as of 754fb0e, unchanged but for the names ---------------

OLD_BLOCK_CELLS = 250_000
OLD_EXTRA = 5
OLD_EPS = 2.0 ** -52


def old_prepare(R):
    R = np.asarray(R, dtype=float)
    norms = np.einsum("ij,ij->i", R, R)
    return R, np.column_stack([2.0 * R, -norms]), float(norms.max(initial=0.0))


def old_rounding(p, zz, largest):
    return 4.0 * (p + 2) * OLD_EPS * (2.0 * zz + 2.0 * largest)


def old_nearest(Z, R, k, exclude=None, block_cells=OLD_BLOCK_CELLS):
    prepared = old_prepare(R)
    R = prepared[0]
    Z = np.asarray(Z, dtype=float)
    m, p = R.shape
    k = min(k, m)
    c = min(m, k + OLD_EXTRA)
    out = np.empty(len(Z))
    step = max(1, block_cells // max(m, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(Z), step):
            old_blocked(Z, prepared, k, c, exclude, start, min(start + step, len(Z)), out)
    return out


def old_blocked(Z, prepared, k, c, exclude, start, stop, out):
    (R, product, largest), Z = prepared, Z[start:stop]
    m, p = R.shape
    rows = np.ones((len(Z), p + 1))
    rows[:, :p] = Z
    s = rows @ product.T
    mask = None if exclude is None else exclude(start, stop)
    if mask is not None:
        s[mask] = -np.inf
    chosen = np.argpartition(s, m - c, axis=1)[:, m - c:] if c < m else np.arange(m)[None, :]
    d2 = old_squared(Z, R, chosen)
    if mask is not None:
        d2[np.take_along_axis(mask, np.broadcast_to(chosen, d2.shape), axis=1)] = np.inf
    d2 = np.sort(d2, axis=1)[:, :k]
    if c < m:
        zz = np.einsum("ij,ij->i", Z, Z)
        floor = zz - np.take_along_axis(s, chosen, axis=1).min(axis=1) - old_rounding(p, zz, largest)
        unsure = np.flatnonzero(~(floor >= d2[:, k - 1]))
        if len(unsure):
            d2[unsure] = old_every_row(Z[unsure], R, k, None if mask is None else mask[unsure])
    out[start:stop] = np.sqrt(d2).mean(axis=1)


def old_squared(Z, R, chosen):
    differences = Z[:, None, :] - R[chosen]
    return np.einsum("ijk,ijk->ij", differences, differences)


def old_every_row(Z, R, k, mask=None):
    m = len(R)
    out = np.empty((len(Z), k))
    step = max(1, OLD_BLOCK_CELLS // max(R.size, 1))
    for start in range(0, len(Z), step):
        stop = min(start + step, len(Z))
        d2 = old_squared(Z[start:stop], R, np.arange(m)[None, :])
        if mask is not None:
            d2[mask[start:stop]] = np.inf
        out[start:stop] = np.sort(np.partition(d2, k - 1, axis=1)[:, :k], axis=1)
    return out


# --- random cases --------------------------------------------------------------------------------

def case(seed: int):
    """(Z, R, k, groups of Z, groups of R or None, leave-out kind): rows on a coarse grid (exact ties
    between distances), a third of the reference rows duplicated, clusters of rows per group, and
    now and then NaN, ±inf or huge cells."""
    rng = np.random.default_rng([20261207, seed])
    p = int(rng.choice([1, 2, 3, 4, 5, 7, 9, 12, 20]))
    m = int(rng.choice([rng.integers(1, 40), rng.integers(40, 700)]))
    grid = float(rng.choice([0.5, 1.0, 0.25]))
    groups_r = np.sort(rng.integers(0, max(1, m // int(rng.integers(1, 12))) + 1, m))
    centres = rng.normal(size=(groups_r.max() + 1, p)) * 3
    R = np.round((centres[groups_r] + rng.normal(size=(m, p))) / grid) * grid
    twins = np.arange(0, m - 1, 3)
    R[twins] = R[twins + 1]
    kind = rng.choice(["inputs", "self-group", "self-row"])
    if kind == "inputs":
        n = int(rng.integers(1, 120))
        Z = np.round(rng.normal(size=(n, p)) * 3 / grid) * grid
        Z[: n // 3] = R[rng.integers(0, m, n // 3)]  # reference rows themselves: distance 0, ties
        groups_z = rng.integers(0, groups_r.max() + 2, n)
    else:
        Z, groups_z = R.copy(), groups_r
    for target in (Z, R):
        if rng.random() < 0.3:  # NaN, ±inf or huge cells, somewhere
            cells = rng.random(target.shape) < rng.choice([0.01, 0.05])
            target[cells] = rng.choice([np.nan, np.inf, -np.inf, 1e200, -1e160, 1e-300], cells.sum())
    k = int(rng.integers(1, 12))
    return Z, R, k, groups_z, groups_r, kind


def exclusion(kind, groups_z, groups_r):
    if kind == "self-row":
        return lambda start, stop: np.arange(start, stop)[:, None] == np.arange(len(groups_r))[None, :]
    if kind == "self-group" or np.random.default_rng(len(groups_z)).random() < 0.7:
        return lambda start, stop: groups_z[start:stop, None] == groups_r[None, :]
    return None


@pytest.mark.parametrize("block", [250_000, 997, 1])
@pytest.mark.parametrize("seed", range(60))
def test_nearest_is_bit_for_bit_the_reference(seed, block, monkeypatch):
    monkeypatch.setattr(neighbours, "BLOCK_CELLS", block)
    Z, R, k, groups_z, groups_r, kind = case(seed)
    exclude = exclusion(kind, groups_z, groups_r)
    with np.errstate(all="ignore"):
        expected = old_nearest(Z, R, k, exclude)
        found = neighbours.nearest(Z, R, k, exclude)
        prepared = neighbours.nearest(Z, neighbours.prepare(R), k, exclude)
    for got in (found, prepared):
        np.testing.assert_array_equal(got, expected)  # NaN where NaN, every other value equal
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))  # and 0.0 is not -0.0
