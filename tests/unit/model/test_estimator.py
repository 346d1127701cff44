"""The scikit-learn estimator: clone, fit, predict, and cross_val_score with GroupKFold."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GroupKFold, cross_val_score  # noqa: E402

from lifeexp_cli import api  # noqa: E402
from lifeexp_cli.estimator import LifeexpRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
TRUE_WEIGHTS, TRUE_BIAS = np.array([0.4, -2.0, 0.001]), 50.0


@pytest.fixture
def who_like():
    """60 rows from 12 countries: life ≈ 50 + 0.4·bmi − 2·hiv + 0.001·gdp + noise (σ = 0.5)."""
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.uniform(18, 30, 60), rng.uniform(0.1, 5, 60), rng.uniform(500, 9000, 60)])
    y = TRUE_BIAS + X @ TRUE_WEIGHTS + rng.normal(0, 0.5, 60)
    groups = np.repeat([f"country{i}" for i in range(12)], 5)
    return X, y, groups


def test_fit_learns_the_weights_in_the_units_of_x(who_like):
    X, y, _ = who_like
    estimator = LifeexpRegressor().fit(X, y)
    np.testing.assert_allclose(estimator.coef_, TRUE_WEIGHTS, rtol=0.1)
    assert estimator.intercept_ == pytest.approx(TRUE_BIAS, abs=1.5)
    assert estimator.n_features_in_ == 3 and estimator.record_["features"] == ["x0", "x1", "x2"]
    np.testing.assert_array_equal(estimator.predict(X), api.predict(estimator.record_, X))
    assert estimator.score(X, y) > 0.95


def test_clone_keeps_hyperparameters_and_drops_what_was_learned(who_like):
    X, y, _ = who_like
    estimator = LifeexpRegressor(solver="adam", options={"lr": 0.05, "epochs": 50}).fit(X, y)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params() and not hasattr(copy, "record_")
    assert estimator.record_["solver"] == "adam" and estimator.record_["spec"]["options"]["epochs"] == 50


def test_cross_val_score_with_group_k_fold(who_like):
    X, y, groups = who_like
    scores = cross_val_score(LifeexpRegressor(scale="standard"), X, y, groups=groups, cv=GroupKFold(4),
                             scoring="neg_root_mean_squared_error")
    assert scores.shape == (4,) and np.all(-scores < 1.0)  # the noise is σ = 0.5


def test_a_network_and_a_data_frame(who_like):
    pd = pytest.importorskip("pandas")
    X, y, groups = who_like
    frame = pd.DataFrame(X, columns=["BMI", "hiv", "gdp"])
    estimator = LifeexpRegressor(model="mlp", options={"hidden": [4], "epochs": 20}).fit(frame, y, groups=groups)
    assert list(estimator.feature_names_in_) == ["BMI", "hiv", "gdp"] and not hasattr(estimator, "coef_")
    assert estimator.predict(frame).shape == (60,)
    with pytest.raises(ValueError, match="X has 2 features"):
        estimator.predict(X[:, :2])
