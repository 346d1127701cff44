"""Units the values contradict (`data/units.py`): computed from statistics, independent of any file."""

from __future__ import annotations

import pytest

from lifeexp_cli.data import catalog, units


def stats(low, median, high):
    return {"count": 3, "min": low, "50%": median, "max": high}


@pytest.mark.parametrize("name, unit, values, expected", [
    ("polio", "%", (3, 90, 99), None),
    ("percentage_expenditure", "%", (0, 64.9, 19479.9), "documented as %, yet values reach 19480: not a % value"),
    ("thinness_5_9_years", "%", (-1, 3, 20), "documented as %, yet values reach -1: not a % value"),
    ("measles", "per 1000 population", (0, 17, 212183), "yet values reach 212183"),
    ("adult_mortality", "per 1000 population", (1, 144, 723), None),
    ("hiv_aids", "per 1000 live births", (0.1, 0.1, 50.6), None),
    ("income_composition_of_resources", "index 0-1", (0, 0.68, 0.95), None),
    ("bmi", "kg/m²", (1, 43.5, 87.3), "yet the median is 43.5"),
    ("bmi", "kg/m²", (18, 25.1, 32), None),
    ("gdp", "USD", (1, 1766, 119172), None),
])
def test_contradiction(name, unit, values, expected):
    note = units.contradiction(name, unit, stats(*values))
    if expected is None:
        assert note is None
    else:
        assert expected in note


def test_no_values_no_note():
    assert units.contradiction("bmi", "kg/m²", {"count": 0, "min": None, "50%": None, "max": None}) is None


def test_who_notes_name_catalogue_columns_and_their_units():
    for name, note in units.WHO_NOTES.items():
        unit = catalog.describe(name)[1]
        assert unit and unit in note, name
