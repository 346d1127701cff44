"""design.fit_design builds the record a model file holds, here on a small WHO-like table with a known truth."""

from __future__ import annotations

import pytest
from conftest import WHO_LIKE_TRUTH

from lifeexp_cli.data import dataset
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit import solvers
from lifeexp_cli.model.spec import Spec

FEATURES = ["status", "schooling", "hiv_aids", "bmi"]


@pytest.fixture(scope="module")
def design(who_like_table):
    return dataset.design(who_like_table, FEATURES, "life_expectancy")


def test_the_record_names_what_it_learned_from(design, who_like_table, who_like_csv):
    record = fit_design(design, Spec(), data_sha256=who_like_table.sha256, source=str(who_like_csv))
    assert record["kind"] == "linear" and record["target"] == "life_expectancy"
    assert record["features"] == FEATURES
    assert list(record["coefficients"]) == ["intercept", *FEATURES]
    assert record["rows"]["train"] == len(design.y)
    assert set(record["means"]) == set(record["ranges"]) == set(FEATURES)
    assert record["data"]["sha256"] == who_like_table.sha256


def test_the_record_holds_the_fit(design):
    record = fit_design(design, Spec(scale="standard"))
    fit = in_memory.fit_arrays(design.X, design.y, design.features, Spec(scale="standard"))
    expected = solvers.coefficients(fit.params, design.features, True)
    assert record["coefficients"] == pytest.approx(expected, rel=1e-12)
    assert record["coefficients"]["schooling"] == pytest.approx(WHO_LIKE_TRUTH["Schooling"], rel=0.2)


def test_cross_validation_scores_every_fold(design):
    cv = fit_design(design, Spec(), cv=5, seed=0)["metrics"]["cv"]
    assert cv["k"] == 5 and cv["split"] == "country" and cv["seed"] == 0 and len(cv["folds"]) == 5
    assert cv["rmse"] == pytest.approx(sum(fold["rmse"] for fold in cv["folds"]) / 5, rel=1e-12)
    assert 0 < cv["rmse"] < float(design.y.std())
