"""Closed-form solvers against independent answers: exact solutions, a second solve, the diagnostics.
(The NIST certified values are in tests/system/test_nist_certified.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import WHO_LIKE_TRUTH
from numpy.testing import assert_allclose

from lifeexp_cli.data import catalog, dataset
from lifeexp_cli.linear import closed_form
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit import prepared
from lifeexp_cli.model.fit import solvers
from lifeexp_cli.model.spec import Spec


def test_exact_line_is_recovered():
    x = np.linspace(-3, 7, 25)
    X = np.column_stack([np.ones_like(x), x])
    for solver in closed_form.SOLVERS:
        assert_allclose(closed_form.solve(X, 2.0 + 3.0 * x, solver).theta, [2.0, 3.0], rtol=1e-13)


def test_normal_equation_matches_lstsq_when_well_conditioned():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(200), rng.normal(size=(200, 3))])
    y = X @ [1.0, -2.0, 0.5, 4.0] + rng.normal(size=200)
    assert_allclose(closed_form.lstsq(X, y).theta, closed_form.normal_equation(X, y).theta, rtol=1e-10)


def test_condition_number_is_ratio_of_singular_values():
    X = np.diag([1000.0, 1.0, 0.1])
    assert closed_form.condition_number(X) == pytest.approx(1e4)


def test_rank_deficient_design_gives_min_norm_answer_and_says_so():
    rng = np.random.default_rng(0)
    a = rng.normal(size=50)
    X = np.column_stack([a, 2 * a])
    y = 3 * a
    fit = in_memory.fit_arrays(X, y, ["a", "twice_a"], Spec(intercept=False))
    w = np.asarray(fit.params["weights"])
    assert w[0] + 2 * w[1] == pytest.approx(3.0, rel=1e-12)  # any split of the one direction fits exactly
    assert_allclose(arrays.predict("linear", fit.params, X), y, atol=1e-12)
    assert any("exactly collinear" in w and "a" in w and "twice_a" in w for w in fit.warnings)
    assert any("rank 1" in w for w in fit.warnings)


# --- on a WHO-like table with a known truth -------------------------------------------------------

def test_the_known_coefficients_are_recovered(who_like_table):
    truth = {catalog.canonical(column): weight for column, weight in WHO_LIKE_TRUTH.items()}
    for twin in ("under_five_deaths", "thinness_5_9_years"):  # near-duplicates share their effect at random
        del truth[twin]
    design = dataset.design(who_like_table, ["status", *truth], "life_expectancy")
    fit = in_memory.fit_arrays(design.X, design.y, design.features, Spec(scale="standard"))
    coefficients = solvers.coefficients(fit.params, design.features, True)
    assert coefficients["status"] == pytest.approx(3.0, abs=0.3)
    for name, weight in truth.items():
        assert coefficients[name] == pytest.approx(weight, abs=0.1 * abs(weight) + 0.02), name


def test_near_duplicate_pair_is_named(who_like_table):
    design = dataset.design(who_like_table, ["infant_deaths", "under_five_deaths", "bmi"], "life_expectancy")
    fit = in_memory.fit_arrays(design.X, design.y, design.features, Spec())
    collinear = [w for w in fit.warnings if "collinear" in w]
    assert collinear and "infant_deaths" in collinear[0] and "under_five_deaths" in collinear[0]
    assert "bmi" not in collinear[0]


def test_columns_of_very_different_size_warn_about_conditioning_unless_scaled():
    rng = np.random.default_rng(5)
    X = np.column_stack([rng.lognormal(8, 1.2, 300), rng.exponential(1.5, 300), rng.lognormal(15, 1.5, 300)])
    y = 60 + X @ [1e-4, -0.6, 1e-8] + rng.normal(0, 1, 300)
    names = ["gdp", "hiv_aids", "population"]
    assert any("ill-conditioned" in w and "digits" in w for w in in_memory.fit_arrays(X, y, names, Spec()).warnings)
    assert not any("ill-conditioned" in w for w in in_memory.fit_arrays(X, y, names, Spec(scale="standard")).warnings)


def test_raw_all_features_reach_the_exact_optimum(who_like_table):
    """Unscaled, every numeric feature: the training RMSE equals an independent least-squares solve."""
    names = dataset.resolve_features(who_like_table.frame, "all", "life_expectancy")
    design = dataset.design(who_like_table, names, "life_expectancy")
    fit = in_memory.fit_arrays(design.X, design.y, names, Spec(scale="none"))
    X, _ = prepared.impute.apply_imputer(design.X, np.nanmean(design.X, axis=0))
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    Z = np.column_stack([np.ones(len(Z)), Z])
    beta = np.linalg.lstsq(Z, design.y, rcond=None)[0]
    best = math.sqrt(np.mean((Z @ beta - design.y) ** 2))
    ours = math.sqrt(np.mean((arrays.predict("linear", fit.params, design.X) - design.y) ** 2))
    assert ours == pytest.approx(best, rel=1e-12)
