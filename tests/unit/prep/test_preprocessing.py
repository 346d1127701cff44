"""Scaling, imputation, metrics and splits against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.model import fitting
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import impute
from lifeexp_cli.evaluate import metrics
from lifeexp_cli.prep import scaling
from lifeexp_cli.prep import splits
from lifeexp_cli.errors import DataError, UsageError

X = np.array([[1.0, 10.0, 5.0], [2.0, 30.0, 5.0], [3.0, 20.0, 5.0], [6.0, 40.0, 5.0]])


@pytest.mark.parametrize("method", scaling.METHODS)
def test_scaling_round_trip_and_constant_column(method):
    center, scale = scaling.fit_scaler(X, method)
    Xs = scaling.transform(X, center, scale)
    assert_allclose(Xs * scale + center, X)
    assert scale[2] == 1.0  # constant column: nothing divided by zero
    assert np.isfinite(Xs).all()


def test_minmax_and_standard_by_hand():
    c, s = scaling.fit_scaler(X, "minmax")
    assert_allclose(scaling.transform(X, c, s)[:, 0], [0.0, 0.2, 0.4, 1.0])
    c, s = scaling.fit_scaler(X, "standard")
    assert_allclose(c[0], 3.0)
    assert_allclose(s[0], np.sqrt(((X[:, 0] - 3.0) ** 2).mean()))


def test_no_intercept_scaling_does_not_centre():
    c, s = scaling.fit_scaler(X, "standard", center=False)
    assert_allclose(c, 0.0)


def test_coefficients_back_in_original_units():
    rng = np.random.default_rng(1)
    A = rng.normal(5, 3, size=(40, 2))
    y = 1.5 + A @ [2.0, -0.5]
    for method in scaling.METHODS:
        fit = fitting.fit(A, y, ["a", "b"], Spec(scale=method))
        coef = fitting.coefficients(fit.params, ["a", "b"], True)
        assert_allclose([coef["intercept"], coef["a"], coef["b"]], [1.5, 2.0, -0.5], rtol=1e-10)


def test_unknown_scaler_is_usage_error():
    with pytest.raises(UsageError, match="--scale"):
        scaling.fit_scaler(X, "robust")


def test_imputation_uses_training_rows_only():
    train = np.array([[1.0], [np.nan], [3.0]])
    test = np.array([[np.nan], [100.0]])
    fill = impute.fit_imputer(train, "mean", ["a"])
    assert fill[0] == 2.0  # the 100 in the test rows never counts
    filled, counts = impute.apply_imputer(test, fill)
    assert_allclose(filled[:, 0], [2.0, 100.0])
    assert counts.tolist() == [1]
    assert impute.fit_imputer(np.array([[1.0], [2.0], [10.0]]), "median", ["a"])[0] == 2.0


def test_imputation_errors():
    with pytest.raises(DataError, match="no values"):
        impute.fit_imputer(np.array([[np.nan], [np.nan]]), "mean", ["empty"])
    with pytest.raises(UsageError, match="--impute"):
        impute.fit_imputer(X, "zero", ["a", "b", "c"])


def test_drop_imputation_drops_rows():
    A = np.array([[1.0], [np.nan], [3.0], [4.0]])
    fit = fitting.fit(A, np.array([2.0, 9.0, 6.0, 8.0]), ["a"], Spec(impute="drop"))
    assert fit.rows_used == 3 and fit.rows_dropped == 1
    assert_allclose(fit.params["weights"], [2.0], atol=1e-12)


def test_metrics_by_hand():
    y, yhat = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0])
    assert metrics.rmse(y, yhat) == pytest.approx(np.sqrt(0.5))
    assert metrics.mae(y, yhat) == pytest.approx(0.5)
    assert metrics.r2(y, yhat) == pytest.approx(1 - 2 / 5)
    summary = metrics.summarize([{"rmse": 1.0, "mae": 1.0, "r2": 0.5}, {"rmse": 3.0, "mae": 2.0, "r2": 0.7}])
    assert summary["rmse"] == 2.0 and summary["rmse_std"] == pytest.approx(np.sqrt(2))


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
