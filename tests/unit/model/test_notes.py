"""The words of a fit's stored notes, from the training loop's facts: the words stored in model files."""

from __future__ import annotations

import numpy as np

from lifeexp_cli.model import notes
from lifeexp_cli.optim import loop


def test_not_converged_is_worded_as_model_files_store_it():
    assert notes.worded([loop.NotConverged("gd", 4, 1e-7)]) == [
        "gd did not converge within --epochs 4 (the loss was still improving by more than --tol 1e-07): "
        "raise --epochs, or --lr if the loss falls slowly"]


def test_range_spread_is_a_fact_and_its_words_name_the_flags():
    X = np.array([[0.0, 1.0, 5.0], [1000.0, 3.0, 5.0], [np.nan, 2.0, 5.0]])  # spans 1000, 2, 0 (constant)
    fact = loop.range_spread(X, ["gdp", "bmi", "flat"])
    assert fact == loop.RangeSpread(500.0, "gdp", 1000.0, "bmi", 2.0)
    assert notes.worded([fact, None]) == [
        "unscaled features differ in range by a factor of 500 (gdp spans 1000, bmi 2): gradient descent will "
        "converge slowly or need a tiny --lr; use --scale standard"]


def test_ranges_within_a_factor_of_100_are_no_fact():
    assert loop.range_spread(np.array([[0.0, 0.0], [99.0, 1.0]]), ["a", "b"]) is None
    assert loop.range_spread(np.array([[0.0, 0.0], [100.0, 1.0]]), ["a", "b"]).ratio == 100.0
    assert loop.range_spread(np.array([[0.0], [1e6]]), ["a"]) is None
    assert notes.worded([]) == []
