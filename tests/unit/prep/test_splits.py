"""Folds and hold-out splits that keep each country whole."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.errors import UsageError
from lifeexp_cli.evaluate import cross_validation
from lifeexp_cli.prep import splits


def test_grouped_folds_keep_each_country_in_one_fold():
    groups = np.repeat([f"c{i}" for i in range(23)], 16)
    folds = splits.kfold(groups, 5, "country", seed=7)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(groups)))
    for test in folds:
        inside = set(groups[test])
        outside = set(np.delete(groups, test))
        assert not inside & outside
    again = splits.kfold(groups, 5, "country", seed=7)
    assert all((a == b).all() for a, b in zip(folds, again))


def old_kfold(groups, k, method, seed):
    """kfold as it was written before the folds became a byte per row: each fold's rows from np.unique's
    units, shuffled and split in k."""
    units, index = np.unique(groups, return_inverse=True) if method == "country" else \
        (np.arange(len(groups)), np.arange(len(groups)))
    order = np.random.default_rng(seed).permutation(len(units))
    fold_of_unit = np.empty(len(units), dtype=int)
    for fold, chunk in enumerate(np.array_split(order, k)):
        fold_of_unit[chunk] = fold
    return [np.flatnonzero(fold_of_unit[index] == f) for f in range(k)]


@pytest.mark.parametrize("seed", range(40))
def test_fold_codes_and_fold_rows_give_the_old_folds(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(10, 400)), int(rng.integers(2, 8))
    coded = rng.integers(0, max(k, n // 3), size=n).astype(np.int32)
    coded[:k] = np.arange(k)  # at least k countries
    for groups, method in ((coded, "country"), (coded.astype(str).astype(object), "country"), (coded, "random"),
                           (rng.permutation(n).astype(np.int32), "country")):
        expected = old_kfold(groups, k, method, seed)
        fold = splits.fold_codes(groups, k, method, seed)
        assert fold.dtype == np.uint8
        rows = cross_validation.FoldRows(fold, k)
        assert len(rows) == k
        for a, b, c in zip(expected, rows, splits.kfold(groups, k, method, seed), strict=True):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)
        for f, test in enumerate(expected):
            assert (fold[test] == f).all()


@pytest.mark.parametrize("seed", range(40))
def test_distinct_and_distinct_count_are_np_uniques(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    values = rng.integers(-5, int(rng.integers(1, 2 * n + 2)), size=n)
    for dtype in (np.int8, np.int32, np.int64, np.uint8, np.uint64, bool):
        cast = np.abs(values).astype(dtype)
        np.testing.assert_array_equal(splits.distinct(cast), np.unique(cast))
        assert splits.distinct_count(cast) == len(np.unique(cast))
    floats = np.where(rng.random(n) < 0.1, np.nan, values.astype(float))
    np.testing.assert_array_equal(splits.distinct(floats), np.unique(floats))
    assert splits.distinct_count(floats) == len(np.unique(floats))
    texts = values.astype(str).astype(object)
    np.testing.assert_array_equal(splits.distinct(texts), np.unique(texts))
    assert splits.distinct_count(texts) == len(np.unique(texts))
    assert len(splits.distinct(rng.permutation(1000).astype(np.int32))) == 1000
    assert splits.distinct_count(rng.permutation(1000).astype(np.int32)) == 1000


def test_split_errors():
    groups = np.repeat(["a", "b", "c"], 4)
    with pytest.raises(UsageError, match="at least 2"):
        splits.kfold(groups, 1)
    with pytest.raises(UsageError, match="countries"):
        splits.kfold(groups, 5)
    with pytest.raises(UsageError, match="between 0 and 1"):
        splits.holdout(groups, 1.5)


def test_holdout_keeps_countries_whole():
    groups = np.repeat([f"c{i}" for i in range(50)], 4)
    held = splits.holdout(groups, 0.2, "country", seed=1)
    assert set(groups[held]).isdisjoint(groups[~held])
    assert held.sum() == 40


# Hashed folds (a streamed fit's calibration folds) -------------------------------------------------

def test_a_countrys_rows_share_a_fold_in_any_chunk_and_run():
    from lifeexp_cli.data import dataset

    names = np.array([f"Country {i}" for i in range(193)], dtype=object)
    keys = dataset.group_keys(names)
    again = dataset.group_keys(names[::-1])[::-1]  # another chunk, another order
    np.testing.assert_array_equal(keys, again)
    assert len(np.unique(keys)) == 193
    assert keys.max() < 2 ** splits.KEY_BITS  # exact in a float64 (the streamed domain sample stores it)
    np.testing.assert_array_equal(keys.astype(float).astype(np.uint64), keys)
    folds = splits.hashed_folds(keys, 5, seed=0)
    np.testing.assert_array_equal(folds, splits.hashed_folds(again, 5, seed=0))
    counts = np.bincount(folds, minlength=5)
    assert counts.min() >= 25 and counts.max() <= 55, counts  # 193 countries over 5 folds, none starved
    assert (folds != splits.hashed_folds(keys, 5, seed=1)).mean() > 0.5  # the seed draws other folds


def test_position_keys_depend_on_the_source_and_the_row_not_the_chunking():
    whole = splits.position_keys("a.csv", 0, 1000)
    np.testing.assert_array_equal(np.concatenate([splits.position_keys("a.csv", 0, 300),
                                                  splits.position_keys("a.csv", 300, 700)]), whole)
    assert len(np.unique(whole)) == 1000
    assert not np.isin(splits.position_keys("b.csv", 0, 1000), whole).any()
    counts = np.bincount(splits.hashed_folds(whole, 5), minlength=5)
    assert counts.min() > 150, counts


def test_hashed_folds_check_the_seed():
    with pytest.raises(UsageError, match="seed"):
        splits.hashed_folds(np.array([1], dtype=np.uint64), 5, seed=-1)


@pytest.mark.parametrize("seed", range(6))
def test_folds_of_integer_codes_are_np_uniques(seed):
    """Integer group codes go through a table over their range instead of np.unique's per-row index: the
    same folds as the codes as floats (which take np.unique's path), for dense, sparse, huge and negative
    codes and for rows split at random."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 3000))
    for codes in (rng.integers(0, 40, n).astype(np.int32), rng.integers(0, 10 * n, n), rng.integers(0, 2**40, n),
                  rng.integers(-20, 20, n), rng.integers(0, 30, n).astype(np.uint16)):
        for method in ("country", "random"):
            k = int(rng.integers(2, 7))
            found = splits.kfold(codes, k, method, seed)
            expected = splits.kfold(codes.astype(float), k, method, seed)
            assert len(found) == k and all(np.array_equal(a, b) for a, b in zip(found, expected))
            if method == "random":
                reference = np.empty(n, dtype=int)
                for fold, chunk in enumerate(np.array_split(splits.shuffled(n, seed), k)):
                    reference[chunk] = fold
                assert all(np.array_equal(test, np.flatnonzero(reference == f)) for f, test in enumerate(found))


@pytest.mark.parametrize("seed", range(6))
def test_distinct_values_and_fold_codes_are_np_uniques_and_kfolds(seed):
    """`distinct` (a table over integer codes' range) is np.unique; `fold_codes` are `kfold`'s folds, each
    row's, in a byte; `FoldRows` gives back kfold's index lists."""
    from lifeexp_cli.evaluate.cross_validation import FoldRows

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    for codes in (rng.integers(0, 40, n).astype(np.int32), rng.integers(0, 10 * n, n), rng.integers(0, 2**40, n),
                  rng.integers(-20, 20, n), rng.integers(0, 30, n).astype(np.uint8), rng.random(n).round(1),
                  rng.integers(0, 9, n).astype(str)):
        found, expected = splits.distinct(codes), np.unique(codes)
        assert np.array_equal(found, expected) and found.dtype == expected.dtype
    codes = rng.integers(0, 60, max(n, 10))
    for method in ("country", "random"):
        folds = splits.kfold(codes, 5, method, seed)
        fold = splits.fold_codes(codes, 5, method, seed)
        assert fold.dtype == np.uint8
        assert all(np.array_equal(np.flatnonzero(fold == f), test) for f, test in enumerate(folds))
        lazy = FoldRows(fold, 5)
        assert len(lazy) == 5 and all(np.array_equal(a, b) for a, b in zip(lazy, folds))


@pytest.mark.parametrize("size, side", [(0.001, "held out"), (0.999, "to train on")])
def test_a_test_size_that_empties_a_side_says_which_and_the_sizes_that_work(size, side):
    groups = np.repeat(np.arange(40), 3)
    with pytest.raises(UsageError) as caught:
        splits.holdout(groups, size)
    message = str(caught.value)
    assert f"leaves no countries {side} (of 40): give a size between 0.025 and 0.975" in message
    for edge in (0.025, 0.975):  # the sizes named work
        held = splits.holdout(groups, edge)
        assert 0 < len(np.unique(groups[held])) < 40
    with pytest.raises(UsageError, match="leaves no rows held out .of 3.: give a size between 0.3333 and 0.6667"):
        splits.holdout(np.arange(3), 0.01, "random")
    with pytest.raises(UsageError, match="of 1.: use data with more countries"):
        splits.holdout(np.zeros(5, int), 0.5)
