"""The shipped models are what `make models` produces from the dataset."""

from __future__ import annotations

import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.model import store
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.spec import Spec

SHIPPED = {"tim-bmi": ["bmi"], "tom-gdp": ["gdp"], "tim": ["bmi", "adult_mortality", "hiv_aids"],
           "tom": ["gdp", "income_composition_of_resources", "schooling"]}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_model_matches_a_refit(name, data_path):
    shipped = store.load(str(store.shipped_dir() / f"{name}.joblib"))
    table = dataset.read_table(str(data_path))
    assert shipped["features"] == SHIPPED[name]
    assert shipped["data"]["sha256"] == table.sha256
    design = dataset.design(table, SHIPPED[name], "life_expectancy")
    refit = fit_design(design, Spec(), cv=5, split="country", seed=0)
    for term, value in refit["coefficients"].items():
        assert shipped["coefficients"][term] == pytest.approx(value, rel=1e-12), term
    assert shipped["metrics"]["cv"]["rmse"] == pytest.approx(refit["metrics"]["cv"]["rmse"], rel=1e-12)
