"""An ensemble's prediction intervals follow its members' spread through `predict` (one row, a batch;
`compare` shares the one-row path), on the WHO-like data: the same interval as model/predict/intervals.py
computes from the record."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from lifeexp_cli.model import store
from lifeexp_cli.model.predict import intervals
from lifeexp_cli.model.record import from_plain
from support.cli import run_cli

QUICK = ["--kind", "mlp", "--hidden", "8", "--epochs", "15"]
FEATURES = ["--features", "bmi,adult_mortality,hiv"]
ROWS = [[22.0, 150.0, 0.1], [35.0, 300.0, 4.0]]


@pytest.fixture(scope="module")
def ensemble_model(who_like_csv, tmp_path_factory):
    path = tmp_path_factory.mktemp("spread") / "three.joblib"
    run_cli("fit", "--data", who_like_csv, *FEATURES, *QUICK, "--ensemble", 3, "--folds", 3, "--out", path, "--quiet")
    return path, store.load(path)


def test_the_saved_ensemble_keeps_a_spread_term(ensemble_model):
    assert "spread" in ensemble_model[1]["calibration"]


def test_single_and_batch_predict_use_the_spread(ensemble_model, tmp_path):
    path, record = ensemble_model
    _, lower, upper = intervals.interval_for(from_plain(record), np.array(ROWS), 0.9)
    for row, low, high in zip(ROWS, lower, upper):
        got = json.loads(run_cli("predict", "--model", path, "--bmi", row[0], "--adult-mortality", row[1],
                                 "--hiv", row[2], "--format", "json").stdout)
        got = got[0] if isinstance(got, list) else got
        assert got["interval"]["lower"] == pytest.approx(low, rel=1e-9)
        assert got["interval"]["upper"] == pytest.approx(high, rel=1e-9)
    source = tmp_path / "rows.csv"
    source.write_text("BMI,Adult Mortality,HIV/AIDS\n" + "".join(",".join(map(str, r)) + "\n" for r in ROWS))
    shown = run_cli("predict", "--model", path, "--input", source, "--quiet").stdout
    header, *rows = list(csv.reader(io.StringIO(shown)))
    got_lower = [float(r[header.index("lower_life_expectancy")]) for r in rows]
    got_upper = [float(r[header.index("upper_life_expectancy")]) for r in rows]
    np.testing.assert_allclose(got_lower, lower, rtol=1e-9)
    np.testing.assert_allclose(got_upper, upper, rtol=1e-9)
