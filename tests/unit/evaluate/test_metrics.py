"""RMSE, MAE, R² and their summary over folds, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import metrics


def test_metrics_by_hand():
    y, yhat = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0])
    assert metrics.rmse(y, yhat) == pytest.approx(np.sqrt(0.5))
    assert metrics.mae(y, yhat) == pytest.approx(0.5)
    assert metrics.r2(y, yhat) == pytest.approx(1 - 2 / 5)
    summary = metrics.summarize([{"rmse": 1.0, "mae": 1.0, "r2": 0.5}, {"rmse": 3.0, "mae": 2.0, "r2": 0.7}])
    assert summary["rmse"] == 2.0 and summary["rmse_std"] == pytest.approx(np.sqrt(2))


@pytest.mark.parametrize("seed", range(5))
def test_metrics_in_place_are_the_textbook_formulas_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    y, yhat = rng.normal(70, 9, size=1000), rng.normal(70, 9, size=1000)
    kept = y.copy(), yhat.copy()
    assert metrics.rmse(y, yhat) == float(np.sqrt(np.mean((yhat - y) ** 2)))
    assert metrics.mae(y, yhat) == float(np.mean(np.abs(yhat - y)))
    assert metrics.r2(y, yhat) == float(1.0 - np.sum((y - yhat) ** 2) / float(np.sum((y - y.mean()) ** 2)))
    assert np.array_equal(y, kept[0]) and np.array_equal(yhat, kept[1])  # the inputs are untouched


@pytest.mark.parametrize("seed", range(10))
def test_scores_of_residuals_in_place_are_the_scores_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(70, 9, size=1001) if seed else np.full(1001, 70.0)  # seed 0: constant y, R² undefined
    yhat = y + rng.normal(0, 3, size=1001) * (seed % 3)  # seed 3, 6, 9: exact predictions
    expected = metrics.score(y, yhat)
    found = metrics.score_residuals(yhat - y, metrics.total_squares(y))
    assert {k: repr(v) for k, v in found.items()} == {k: repr(v) for k, v in expected.items()}


@pytest.mark.parametrize("seed", range(4))
def test_fold_scores_are_each_folds_scores(seed):
    """`scores_on_folds` (lazy folds, each fold's residuals scored in place in its copy of y) gives each
    fold's `metrics.score` to the bit and leaves the fit's predictions as they were given."""
    from lifeexp_cli.evaluate import cross_validation
    from lifeexp_cli.prep import splits

    rng = np.random.default_rng(seed)
    n = 500
    y, groups = rng.normal(70, 9, n), rng.integers(0, 40, n)
    fold = splits.fold_codes(groups, 5, "country", seed)
    made = {}

    def fit_predict(train, test, on_epoch=None):
        assert not train[test].any() and train.sum() + len(test) == n
        made[len(made)] = predicted = y[test] + rng.normal(0, 3, len(test))
        return predicted

    predictions = np.full(n, np.nan)
    found = cross_validation.scores_on_folds(y, cross_validation.FoldRows(fold, 5), fit_predict,
                                             predictions=predictions)
    tests = splits.kfold(groups, 5, "country", seed)
    expected = [metrics.score(y[test], made[i]) for i, test in enumerate(tests)]
    assert [{k: repr(v) for k, v in f.items()} for f in found] == [{k: repr(v) for k, v in e.items()} for e in expected]
    assert all(np.array_equal(predictions[test], made[i]) for i, test in enumerate(tests))
