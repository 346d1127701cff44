"""Exact medians of streamed columns in bounded memory: a radix select over the order-preserving bits
of float64.

Each pass over the data narrows the search for a given rank by DIGIT bits of the sortable key (a
histogram of 2^DIGIT bins per search), until few enough candidates remain to be collected and sorted
outright. Memory stays bounded (a histogram, or at most COLLECT keys, per search); the answer is exact.
np.nanmedian's answer for an even count is the mean of the two middle values, so there are up to two
searches per feature.

A pass: `accumulators(searches)`, then `update(searches, found, X)` for every chunk, then
`narrow(searches, found)`, which says whether every median is known (`values`). Accumulators of
disjoint rows `merge` exactly, so each part of the data can be counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLLECT = 1 << 18
DIGIT = 16


@dataclass
class Search:
    """The search for the value of one rank among one feature's present values."""

    feature: int
    rank: int  # among the keys that start with `prefix`
    prefix: int = 0  # the key's leading `bits` bits, found so far
    bits: int = 0
    count: int = 0  # how many keys start with `prefix`
    value: float | None = None


def sortable(x: np.ndarray) -> np.ndarray:
    """uint64 keys that sort like the floats (IEEE 754: flip all bits of negatives, the sign of others)."""
    u = np.ascontiguousarray(x, dtype=float).view(np.uint64)
    return np.where(u >> np.uint64(63), ~u, u | np.uint64(1 << 63))


def from_sortable(k: np.ndarray) -> np.ndarray:
    k = np.asarray(k, dtype=np.uint64)
    return np.where(k >> np.uint64(63), k & ~np.uint64(1 << 63), ~k).view(np.float64)


def start(counts: np.ndarray) -> list[Search]:
    """The searches: per feature, the lower and upper middle ranks of its present values."""
    return [Search(j, rank, count=int(n))
            for j, n in enumerate(counts.astype(int)) for rank in sorted({(n - 1) // 2, n // 2})]


def accumulators(searches: list[Search]) -> list:
    """What one pass accumulates per open search: a histogram of the next digit, or the keys themselves."""
    return [None if s.value is not None else [] if 0 < s.count <= COLLECT
            else np.zeros(1 << DIGIT, dtype=np.int64) for s in searches]


def update(searches: list[Search], found: list, X: np.ndarray) -> None:
    """Add a chunk (rows of raw features) to this pass's histograms or collections (in place)."""
    keys: dict[int, np.ndarray] = {}
    for search, acc in zip(searches, found):
        if acc is None:
            continue
        j = search.feature
        if j not in keys:
            column = X[:, j]
            keys[j] = sortable(column[~np.isnan(column)])
        k = keys[j]
        if search.bits:
            k = k[(k >> np.uint64(64 - search.bits)) == np.uint64(search.prefix)]
        if isinstance(acc, list):
            acc.append(k)
        else:
            digit = (k >> np.uint64(64 - search.bits - DIGIT)) & np.uint64((1 << DIGIT) - 1)
            acc += np.bincount(digit.astype(np.int64), minlength=1 << DIGIT)


def merge(a: list, b: list) -> list:
    """One pass's accumulators over two disjoint sets of rows, together: histograms add, keys gather.
    (So that parts of the data can be counted apart, e.g. on several machines, and merged in any tree.)"""
    return [x if x is None else x + y for x, y in zip(a, b)]


def narrow(searches: list[Search], found: list) -> bool:
    """After a pass: settle or narrow each open search (in place). True when every median is known."""
    for search, acc in zip(searches, found):
        if acc is None:
            continue
        if isinstance(acc, list):
            keys = np.sort(np.concatenate(acc))
            search.value = float(from_sortable(keys[search.rank]))
            continue
        below = np.cumsum(acc)
        digit = int(np.searchsorted(below, search.rank, side="right"))
        search.rank -= int(below[digit - 1]) if digit else 0
        search.count = int(acc[digit])
        search.prefix = (search.prefix << DIGIT) | digit
        search.bits += DIGIT
        if search.bits == 64:
            search.value = float(from_sortable(np.array([search.prefix], dtype=np.uint64))[0])
    return all(s.value is not None for s in searches)


def values(searches: list[Search], p: int) -> np.ndarray:
    """Each feature's median: the mean of its two middle values (the middle one when the count is odd)."""
    found: list[list[float]] = [[] for _ in range(p)]
    for search in searches:
        found[search.feature].append(search.value)
    return np.array([(v[0] + v[-1]) / 2 for v in found])
