"""Exact medians from parts counted apart: histograms of disjoint rows merged, against np.nanmedian."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.linear.stream import median


def medians_from_parts(parts: list[np.ndarray]) -> np.ndarray:
    counts = sum((~np.isnan(p)).sum(axis=0) for p in parts)
    searches = median.start(counts)
    while True:
        found = []
        for part in parts:  # each part counted on its own, then merged pairwise (as a tree would)
            mine = median.accumulators(searches)
            median.update(searches, mine, part)
            found.append(mine)
        while len(found) > 1:
            found = [median.merge(*found[i:i + 2]) if i + 1 < len(found) else found[i]
                     for i in range(0, len(found), 2)]
        if median.narrow(searches, found[0]):
            return median.values(searches, parts[0].shape[1])


@pytest.mark.parametrize("collect", [median.COLLECT, 16])  # keys gathered at once, or histograms first
def test_merged_parts_give_the_exact_median(collect, monkeypatch):
    monkeypatch.setattr(median, "COLLECT", collect)
    rng = np.random.default_rng(11)
    X = np.column_stack([rng.normal(0, 1, 1001), rng.integers(0, 5, 1001).astype(float),
                         rng.lognormal(3, 2, 1001), -rng.exponential(1, 1001)])
    X[rng.random(X.shape) < 0.1] = np.nan
    parts = np.array_split(X, 5)
    assert medians_from_parts(parts) == pytest.approx(np.nanmedian(X, axis=0), rel=0, abs=0)


def test_merge_keeps_settled_searches():
    a = [None, np.array([1, 2]), [np.array([3])]]
    b = [None, np.array([10, 20]), [np.array([4])]]
    merged = median.merge(a, b)
    assert merged[0] is None and merged[1].tolist() == [11, 22] and [k.tolist() for k in merged[2]] == [[3], [4]]
