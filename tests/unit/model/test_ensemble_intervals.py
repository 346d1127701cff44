"""A network ensemble's prediction interval follows its members' spread (model/predict/intervals.py): the fit
stores the spread term from the fold ensembles' out-of-fold spreads, it is checked at load, and single,
batch and API intervals use the model's own spread. Data-free: the WHO-like table of tests/conftest.py."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import conformal, shift
from lifeexp_cli.model import record_checks
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.predict import intervals
from lifeexp_cli.model.record import from_plain
from lifeexp_cli.model.spec import make_spec

FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


def network(k: int):
    return make_spec("mlp", training={"epochs": 4}, network_options={"hidden": "4", "ensemble": k})


@pytest.fixture(scope="module")
def design(who_like_table):
    return dataset.design(who_like_table, FEATURES, "life_expectancy")


@pytest.fixture(scope="module")
def ensemble_record(design):
    return fit_design(design, network(3), cv=3)


def test_an_ensemble_calibration_has_a_spread_term(ensemble_record):
    calibration = ensemble_record["calibration"]
    assert calibration["normalizer"] == conformal.SPREAD_NORMALIZER
    assert set(calibration["spread"]) == {"center", "scale", "coef"}
    assert np.isfinite(list(calibration["spread"].values())).all()
    assert record_checks.problem(ensemble_record) is None


def test_a_single_network_has_none(design):
    record = fit_design(design, network(1), cv=3)
    assert "spread" not in record["calibration"]
    assert record["calibration"]["method"] == shift.METHOD and record["calibration"]["normalizer"] == shift.NORMALIZER


def test_single_batch_and_spread_agree(ensemble_record, design):
    X = design.X[:6]
    predicted, lower, upper = intervals.interval_for(from_plain(ensemble_record), X, 0.9)
    spread = arrays.prediction_spread("mlp", ensemble_record["params"], X)
    filled = np.where(np.isnan(X), ensemble_record["params"]["fill"], X)
    half = intervals.quantile(from_plain(ensemble_record), 0.9) * conformal.scale_of(ensemble_record["calibration"], filled,
                                                                       spread)
    np.testing.assert_allclose(upper - predicted, half, rtol=1e-12)
    for row, value, low, high in zip(X.tolist(), predicted, lower, upper):
        one = intervals.interval_one(from_plain(ensemble_record), row, float(value), 0.9)
        assert one["lower"] == pytest.approx(low, rel=1e-9) and one["upper"] == pytest.approx(high, rel=1e-9)


def test_the_spread_term_moves_the_width(ensemble_record, design):
    """A positive coefficient widens the interval where the members disagree more."""
    record = copy.deepcopy(ensemble_record)
    record["calibration"]["spread"]["coef"] = 0.5
    record["calibration"]["clip"] = [-50.0, 50.0]
    X = design.X[:40]
    spread = arrays.prediction_spread("mlp", record["params"], X)
    _, lower, upper = intervals.interval_for(from_plain(record), X, 0.9)
    disputed, calm = int(np.argmax(spread)), int(np.argmin(spread))
    same_x = conformal.scale_of({**record["calibration"], "spread": None}, np.nan_to_num(X[[disputed, calm]]))
    width = (upper - lower)[[disputed, calm]] / same_x  # the spread's part of the width only
    assert width[0] > width[1]


@pytest.mark.parametrize("damage, message", [
    ({"spread": {"center": 0.0, "scale": 0.0, "coef": 1.0}}, "calibration.spread.scale"),
    ({"spread": {"center": 0.0, "scale": 1.0, "coef": float("nan")}}, "calibration.spread.coef"),
    ({"spread": {"center": 0.0, "scale": 1.0}}, "calibration.spread.coef"),
    ({"spread": [1, 2, 3]}, "calibration.spread"),
])
def test_a_damaged_spread_term_is_refused(ensemble_record, damage, message):
    record = copy.deepcopy(ensemble_record)
    record["calibration"].update(damage)
    assert message in record_checks.problem(record)


def test_a_spread_term_on_a_single_network_is_refused(design, ensemble_record):
    record = fit_design(design, network(1), cv=3)
    record["calibration"]["spread"] = dict(ensemble_record["calibration"]["spread"])
    assert "calibration.spread" in record_checks.problem(record)


def test_an_older_ensemble_file_without_the_term_still_predicts(ensemble_record, design):
    record = copy.deepcopy(ensemble_record)
    del record["calibration"]["spread"]
    assert record_checks.problem(record) is None
    assert intervals.interval_for(from_plain(record), design.X[:3], 0.9) is not None
    assert intervals.interval_one(from_plain(record), design.X[0].tolist(), 70.0, 0.9) is not None
