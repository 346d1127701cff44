"""Correlations against pandas' DataFrame.corr, constant columns, nearly collinear pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.evaluate import correlation


def test_average_ranks_by_hand():
    assert_allclose(correlation.average_ranks(np.array([10.0, 30.0, 20.0, 30.0, 5.0])), [2, 4.5, 3, 4.5, 1])


@pytest.mark.parametrize("method", correlation.METHODS)
def test_matrix_matches_pandas_with_missing_values_and_ties(method):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5))
    X[:, 1] = X[:, 0] * 2 + rng.normal(scale=0.1, size=200)
    X[:, 2] = np.round(X[:, 2])  # many ties
    X[rng.random((200, 5)) < 0.15] = np.nan  # different rows missing in each column
    r, n = correlation.matrix(X, method)
    expected = pd.DataFrame(X).corr(method=method).to_numpy()
    assert_allclose(r, expected, rtol=0, atol=1e-12)
    both = (~np.isnan(X[:, [0]]) & ~np.isnan(X[:, [3]])).sum()
    assert n[0, 3] == both


def test_constant_column_is_undefined_not_an_error():
    X = np.column_stack([np.arange(6.0), np.full(6, 2.0), [1.0, 3, 2, 5, 4, 6]])
    r, _ = correlation.matrix(X)
    assert np.isnan(r[1]).all() and np.isnan(r[:, 1]).all()
    assert r[0, 2] == pytest.approx(pd.Series(X[:, 0]).corr(pd.Series(X[:, 2])), abs=1e-12)
    assert correlation.constant_columns(X, ["a", "c", "b"]) == ["c"]


def test_collinear_pairs_over_the_threshold_strongest_first():
    r = np.array([[1.0, 0.97, -0.99], [0.97, 1.0, 0.2], [-0.99, 0.2, 1.0]])
    assert correlation.collinear_pairs(r, ["a", "b", "c"]) == [("a", "c", -0.99), ("a", "b", 0.97)]


@pytest.mark.parametrize("seed", range(20))
def test_vectorized_matrix_equals_pair_by_pair(seed):
    """Every pattern of missing cells, large offsets, columns constant on some pairs' rows: the matrix
    products give what `pair` gives one pair at a time (the former method, an independent computation)."""
    rng = np.random.default_rng(seed)
    rows, p = int(rng.integers(3, 40)), int(rng.integers(2, 12))
    X = rng.normal(size=(rows, p)) * 10.0 ** rng.integers(-3, 7, size=p) + 10.0 ** rng.integers(0, 9, size=p)
    X[:, 0] = np.round(X[:, 0], -int(np.log10(abs(X[0, 0]) + 1)))  # few distinct values: constant on subsets
    X[rng.random((rows, p)) < rng.uniform(0, 0.5)] = np.nan
    r, n = correlation.matrix(X)
    r_loop, n_loop = correlation.pairwise_matrix(X, "pearson")
    assert (n == n_loop).all()
    # NaN where the loop has NaN, and only there. Columns whose spread is 1e-11 of their size lose digits
    # in the sums: over 5000 such draws the largest difference measured was 4.5e-8.
    assert_allclose(r, r_loop, rtol=0, atol=1e-6)


def test_spearman_without_missing_values_ranks_each_column_once():
    rng = np.random.default_rng(4)
    X = np.round(rng.normal(size=(60, 6)), 1)
    r, _ = correlation.matrix(X, "spearman")
    assert_allclose(r, pd.DataFrame(X).corr(method="spearman").to_numpy(), rtol=0, atol=1e-12)


def test_wide_files_are_refused_past_the_caps():
    from lifeexp_cli.errors import ParameterError

    with pytest.raises(ParameterError, match="at most"):
        correlation.matrix(np.zeros((3, correlation.MAX_COLUMNS + 1)))
    X = np.ones((4, correlation.MAX_PAIRWISE_RANK_COLUMNS + 1))
    X[0, 0] = np.nan
    with pytest.raises(ParameterError, match="pearson"):
        correlation.matrix(X, "spearman")


def test_fill_means_uses_every_row_and_shrinks_r():
    nan = float("nan")
    X = np.array([[1.0, 2.0], [2.0, nan], [3.0, 6.0], [nan, 8.0]])
    filled = correlation.fill_means(X)
    np.testing.assert_array_equal(filled, [[1.0, 2.0], [2.0, 16 / 3], [3.0, 6.0], [2.0, 8.0]])
    assert np.isnan(correlation.fill_means(np.array([[nan], [nan]]))).all()  # nothing to average
    pairwise, _ = correlation.pair(X[:, 0], X[:, 1])
    r, n = correlation.matrix(filled)
    assert pairwise == pytest.approx(1.0) and abs(r[0, 1]) < pairwise and n[0, 1] == 4
