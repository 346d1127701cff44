"""Imputation: fitted on training rows only, errors named, rows dropped when asked."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import DataError, UsageError
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import impute

X = np.array([[1.0, 10.0, 5.0], [2.0, 30.0, 5.0], [3.0, 20.0, 5.0], [6.0, 40.0, 5.0]])


def test_imputation_uses_training_rows_only():
    train = np.array([[1.0], [np.nan], [3.0]])
    test = np.array([[np.nan], [100.0]])
    fill = impute.fit_imputer(train, "mean", ["a"])
    assert fill[0] == 2.0  # the 100 in the test rows never counts
    filled, counts = impute.apply_imputer(test, fill)
    assert_allclose(filled[:, 0], [2.0, 100.0])
    assert counts.tolist() == [1]
    assert impute.fit_imputer(np.array([[1.0], [2.0], [10.0]]), "median", ["a"])[0] == 2.0


def test_imputation_errors_name_the_parameter_the_command_line_words_as_a_flag():
    with pytest.raises(DataError, match="no values") as empty:
        impute.fit_imputer(np.array([[np.nan], [np.nan]]), "mean", ["empty"])
    assert empty.value.message(flag_of) == "feature empty has no values in the training rows: drop it from --features"
    with pytest.raises(UsageError, match="impute must be one of") as unknown:
        impute.fit_imputer(X, "zero", ["a", "b", "c"])
    assert unknown.value.message(flag_of) == "--impute must be one of mean, median, drop, got 'zero'"


def test_drop_imputation_drops_rows():
    A = np.array([[1.0], [np.nan], [3.0], [4.0]])
    fit = in_memory.fit_arrays(A, np.array([2.0, 9.0, 6.0, 8.0]), ["a"], Spec(impute="drop"))
    assert fit.rows_used == 3 and fit.rows_dropped == 1
    assert_allclose(fit.params["weights"], [2.0], atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_complete_rows_found_in_blocks_are_those_of_one_pass(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.normal(size=(203, 4)))
    X[rng.random(X.shape) < 0.1] = np.nan
    expected = ~np.isnan(X).any(axis=1)
    monkeypatch.setattr(impute, "BLOCK_ROWS", 10)
    np.testing.assert_array_equal(impute.complete_rows(X), expected)
    np.testing.assert_array_equal(impute.complete_rows(X[:0]), expected[:0])
