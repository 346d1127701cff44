"""The numbers behind `plot --kind lr` and `plot --kind landscape` (usecases/plot_data.py), checked against
direct computation on small data: no dataset needed."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.errors import ModelError, ParameterError
from lifeexp_cli.usecases import plot_data
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.record import from_plain, plain
from lifeexp_cli.model.spec import make_spec


def line_data(n=200, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(15, 60, n)
    return x[:, None], 50 + 0.3 * x + rng.normal(0, 2, n)


def test_loss_grid_equals_the_direct_mean_of_squares():
    X, y = line_data()
    theta0, theta1 = np.linspace(40, 70, 7), np.linspace(-1, 2, 5)
    grid = plot_data.loss_grid(X[:, 0], y, theta0, theta1)
    direct = np.array([[np.mean((a + b * X[:, 0] - y) ** 2) for a in theta0] for b in theta1])
    assert_allclose(grid, direct, rtol=1e-10)


def test_curves_per_rate_match_a_plain_fit_and_keep_a_diverged_history():
    X, y = line_data()
    spec = make_spec("linear", "gd", training={"epochs": 300})
    curves = plot_data.learning_rate_curves(spec, X, y, ["bmi"], [0.1, 0.02, 3.0])
    assert [c.lr for c in curves] == [0.02, 0.1, 3.0]
    for curve in curves[:2]:
        alone = in_memory.fit_arrays(X, y, ["bmi"], make_spec("linear", "gd", training={"epochs": 300, "lr": curve.lr}))
        assert curve.history == alone.extra["training"]["loss_history"] and curve.diverged_at is None
    diverged = curves[2]
    assert diverged.diverged_at == len(diverged.history) + 1 and not diverged.converged
    assert diverged.history and all(b > a for a, b in zip(diverged.history, diverged.history[1:]))


@pytest.mark.parametrize("rates", [[], [0.1, -1.0], [float("inf")], [0.1] * 13])
def test_rates_are_checked(rates):
    with pytest.raises(ParameterError):
        plot_data.check_rates(rates)


def record_for(spec, X, y, **changed):
    """A typed record of `spec` fitted on X, y, with the keys `plot` reads (and those `changed`)."""
    fitted = in_memory.fit_arrays(X, y, ["bmi"], spec)
    return from_plain(plain({"kind": "linear", "target": "life_expectancy", "features": ["bmi"], "intercept": True,
                             "solver": spec.solver, "spec": spec.describe(), "params": fitted.params,
                             "ranges": {}, "means": {}, "metrics": {"train": {"rmse": 0.0}}, "data": {},
                             "path": "m.joblib", **changed}))


def test_landscape_path_starts_at_the_initial_theta_and_ends_at_the_minimum():
    X, y = line_data()
    spec = make_spec("linear", "gd", training={"init": "zeros", "lr": 0.1})
    view = plot_data.landscape(record_for(spec, X, y), X, y)
    assert_allclose(view.path[0], [0.0, 0.0])
    assert_allclose(view.path[-1], view.minimum, rtol=1e-3)
    standardized = (X[:, 0] - X[:, 0].mean()) / X[:, 0].std(ddof=0)
    best = np.polyfit(standardized, y, 1)[::-1]
    assert_allclose(view.minimum, best, rtol=1e-6)
    assert view.scaled and view.loss.shape == (len(view.theta1), len(view.theta0))
    assert view.theta0.min() <= view.path[:, 0].min() and view.theta0.max() >= view.path[:, 0].max()
    assert view.loss.min() >= np.mean((best[0] + best[1] * standardized - y) ** 2) - 1e-9


def test_an_exact_model_is_explored_with_gradient_descent_on_standardized_features():
    X, y = line_data()
    spec, swapped = plot_data.training_spec(record_for(make_spec("linear", "lstsq"), X, y))
    assert swapped and spec.solver == "gd" and spec.scale == "standard"
    assert plot_data.default_rates(spec) == [0.01, 0.1, 0.5, 1.2]


def test_landscape_needs_one_feature_and_an_intercept():
    X, y = line_data()
    spec = make_spec("linear", "gd")
    with pytest.raises(ModelError):
        plot_data.landscape(record_for(spec, X, y, features=["bmi", "hiv"]), X, y)
    with pytest.raises(ModelError):
        plot_data.landscape(record_for(spec, X, y, intercept=False), X, y)
