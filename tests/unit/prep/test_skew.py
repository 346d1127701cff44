"""log(1 + x) of skewed non-negative features for networks (prep/skew.py), and its place in fitting."""

from __future__ import annotations

import numpy as np

from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.spec import from_record, make_spec
from lifeexp_cli.prep import skew


def test_skewed_columns_are_non_negative_with_a_long_right_tail():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.lognormal(8, 2, 500), rng.uniform(15, 60, 500), -rng.lognormal(8, 2, 500),
                         np.zeros(500), rng.lognormal(8, 2, 500)])
    X[::7, 0] = np.nan
    X[0, 4] = -1.0  # one negative value: not a count-like column
    assert skew.skewed_columns(X).tolist() == [True, False, False, False, False]


def test_apply_log_touches_only_flagged_columns_and_clips_below_zero():
    X = np.array([[0.0, 5.0], [np.e - 1, np.nan], [-3.0, 1.0]])
    out = skew.apply_log(X, [True, False])
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(out[:, 1], X[:, 1])
    assert skew.apply_log(X, [False, False]) is X


def test_a_network_stores_the_flags_and_predicts_through_them():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.lognormal(8, 2, 300), rng.uniform(15, 60, 300)])
    y = 50 + 3 * np.log1p(X[:, 0]) + 0.1 * X[:, 1] + rng.normal(0, 0.5, 300)
    spec = make_spec("mlp", training={"epochs": 5, "val_size": 0}, network_options={"hidden": "4"})
    fitted = in_memory.fit_arrays(X, y, ["gdp", "bmi"], spec)
    assert fitted.params["log"] == [True, False]
    Xs = arrays.scaled_inputs(fitted.params, X[:3])
    expected = (np.column_stack([np.log1p(X[:3, 0]), X[:3, 1]]) - fitted.params["center"]) / fitted.params["scale"]
    np.testing.assert_allclose(Xs, expected, rtol=1e-12)
    off = in_memory.fit_arrays(X, y, ["gdp", "bmi"], make_spec("mlp", training={"epochs": 5, "val_size": 0},
                                                      network_options={"hidden": "4", "log_skewed": False}))
    assert "log" not in off.params


def test_networks_saved_before_the_option_refit_without_it():
    old = {"kind": "mlp", "solver": "adam", "scale": "standard", "impute": "mean", "intercept": True,
           "options": {"hidden": [4], "activation": "relu", "weight_decay": 0.03}}
    assert from_record(old).options["log_skewed"] is False
