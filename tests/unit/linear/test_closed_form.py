"""Closed-form solvers against independent answers: exact solutions, NIST certified values, a second solve."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from conftest import NIST
from lifeexp_cli.linear import closed_form
from lifeexp_cli.data import dataset
from lifeexp_cli.model import fitting
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.cli.main import app

CERTIFIED = json.loads((NIST / "certified.json").read_text())["datasets"]


def lre(estimate: np.ndarray, certified: np.ndarray) -> float:
    """Log relative error: the number of agreeing significant digits (min over coefficients)."""
    err = np.abs(estimate - certified) / np.abs(certified)
    return float(np.min(-np.log10(np.maximum(err, 1e-16))))


@pytest.mark.parametrize("name", sorted(CERTIFIED))
def test_nist_certified_through_cli(name, tmp_path):
    spec = CERTIFIED[name]
    args = ["fit", "--data", str(NIST / spec["file"]), "--target", spec["target"],
            "--features", ",".join(spec["features"]), "--out", str(tmp_path / "m.joblib"), "--format", "json"]
    if not spec["intercept"]:
        args.append("--no-intercept")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    coef = json.loads(result.stdout)["coefficients"]
    estimate = ([coef["intercept"]] if spec["intercept"] else []) + [coef[f] for f in spec["features"]]
    certified = np.array([float(v) for v in spec["certified_beta"]])
    digits = lre(np.array(estimate), certified)
    assert digits >= (7 if name == "filip" else 6), f"{name}: {digits:.2f} digits"


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
    fit = fitting.fit(X, y, ["a", "twice_a"], Spec(intercept=False))
    w = np.asarray(fit.params["weights"])
    assert w[0] + 2 * w[1] == pytest.approx(3.0, rel=1e-12)  # any split of the one direction fits exactly
    assert_allclose(fitting.predict("linear", fit.params, X), y, atol=1e-12)
    assert any("exactly collinear" in w and "a" in w and "twice_a" in w for w in fit.warnings)
    assert any("rank 1" in w for w in fit.warnings)


def test_who_collinear_pair_is_named(data_path):
    table = dataset.read_table(str(data_path))
    design = dataset.design(table, ["infant_deaths", "under_five_deaths", "bmi"], "life_expectancy")
    fit = fitting.fit(design.X, design.y, design.features, Spec())
    collinear = [w for w in fit.warnings if "collinear" in w]
    assert collinear and "infant_deaths" in collinear[0] and "under_five_deaths" in collinear[0]
    assert "bmi" not in collinear[0]


def test_raw_gdp_and_hiv_warn_about_conditioning(data_path):
    table = dataset.read_table(str(data_path))
    design = dataset.design(table, ["gdp", "hiv_aids", "population"], "life_expectancy")
    fit = fitting.fit(design.X, design.y, design.features, Spec())
    assert any("ill-conditioned" in w and "digits" in w for w in fit.warnings)
    assert not any("ill-conditioned" in w for w in
                   fitting.fit(design.X, design.y, design.features, Spec(scale="standard")).warnings)


def test_raw_who_all_features_reach_the_exact_optimum(data_path):
    """Unscaled, every numeric feature: the training RMSE equals an independent least-squares solve."""
    table = dataset.read_table(str(data_path))
    names = dataset.resolve_features(table.frame, "all", "life_expectancy")
    design = dataset.design(table, names, "life_expectancy")
    fit = fitting.fit(design.X, design.y, names, Spec(scale="none"))
    X, _ = fitting.impute.apply_imputer(design.X, np.nanmean(design.X, axis=0))
    # Independent: SVD least squares on standardized columns (same column space, so the same optimum).
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    Z = np.column_stack([np.ones(len(Z)), Z])
    beta = np.linalg.lstsq(Z, design.y, rcond=None)[0]
    best = math.sqrt(np.mean((Z @ beta - design.y) ** 2))
    ours = math.sqrt(np.mean((fitting.predict("linear", fit.params, design.X) - design.y) ** 2))
    assert ours == pytest.approx(best, rel=1e-12)
