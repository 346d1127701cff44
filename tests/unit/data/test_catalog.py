"""Column names as published become canonical names."""

from __future__ import annotations

import pytest

from lifeexp_cli.data import catalog


@pytest.mark.parametrize("published, canonical", [
    ("Life expectancy ", "life_expectancy"), (" BMI ", "bmi"), (" HIV/AIDS", "hiv_aids"),
    (" thinness  1-19 years", "thinness_1_19_years"), ("under-five deaths ", "under_five_deaths"),
    ("Income composition of resources", "income_composition_of_resources"),
])
def test_canonical_names(published, canonical):
    assert catalog.canonical(published) == canonical
