"""Folds and hold-out splits that keep each country whole."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.errors import UsageError
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
