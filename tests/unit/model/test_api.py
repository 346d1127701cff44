"""The Python API (`from lifeexp_cli import fit, ...`) on a small WHO-like CSV: no dataset needed."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lifeexp_cli
from lifeexp_cli import cross_validate, fit, load_data, load_model, predict, save_model
from lifeexp_cli.cli.main import app
from lifeexp_cli.errors import DataError, LifeexpError, ModelError, ParameterError, UsageError

# Range and conditioning notes are UserWarnings; the tests that expect one use pytest.warns.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

COUNTRIES = ["Avalon", "Brigadoon", "Cockaigne", "Duloc", "Erewhon", "Freedonia", "Genovia", "Hy-Brasil"]
YEARS = range(2000, 2006)


@pytest.fixture
def who_csv(tmp_path):
    """Countries × years with life expectancy ≈ 50 + 0.4·bmi − 2·hiv + 0.001·gdp, a few blanks, WHO headers."""
    rng = np.random.default_rng(7)
    rows = []
    for i, country in enumerate(COUNTRIES):
        for year in YEARS:
            bmi, hiv, gdp = rng.uniform(18, 30), rng.uniform(0.1, 5), rng.uniform(500, 9000)
            life = 50 + 0.4 * bmi - 2 * hiv + 0.001 * gdp + rng.normal(0, 0.5)
            rows.append([country, year, "Developed" if i % 3 == 0 else "Developing", f"{life:.2f}",
                         f"{bmi:.1f}", f"{hiv:.2f}", f"{gdp:.0f}"])
    rows[3][4] = ""  # a missing BMI, imputed
    rows[5][3] = ""  # a missing target, dropped
    lines = ["Country,Year,Status,Life expectancy , BMI , HIV/AIDS,GDP"] + [",".join(map(str, r)) for r in rows]
    path = tmp_path / "who.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_package_imports_the_api_lazily():
    code = ("import sys, lifeexp_cli; heavy = {'numpy', 'pandas', 'joblib'} & set(sys.modules); "
            "assert not heavy, heavy; assert 'fit' in dir(lifeexp_cli); lifeexp_cli.fit; "
            "assert 'numpy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        lifeexp_cli.nothing  # noqa: B018


def test_load_data_reads_aliases_and_drops_rows_without_target(who_csv):
    design = load_data(who_csv, features="bmi,hiv,gdp")
    assert design.features == ["bmi", "hiv_aids", "gdp"] and design.target == "life_expectancy"
    assert design.X.shape == (len(COUNTRIES) * len(YEARS) - 1, 3) and design.dropped_target == 1
    assert design.group_texts()[0] == "Avalon" and np.isnan(design.X).sum() == 1
    assert load_data(who_csv).features == ["year", "status", "bmi", "hiv_aids", "gdp"]


def test_load_data_reads_lifeexp_data_when_no_path_is_given(who_csv, monkeypatch):
    monkeypatch.setenv("LIFEEXP_DATA", str(who_csv))
    assert load_data(features="gdp").features == ["gdp"]


def saved_by_the_command(tmp_path, *args) -> dict:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return load_model(tmp_path / "cli.joblib")


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("created_at", "path")}


def test_fit_returns_what_the_fit_command_saves(who_csv, tmp_path):
    record = fit(who_csv, "bmi,hiv,gdp", scale="standard", cv=3)
    saved = saved_by_the_command(tmp_path, "fit", "--data", who_csv, "-F", "bmi,hiv,gdp", "--scale", "standard",
                                 "--folds", "3", "--out", tmp_path / "cli.joblib", "--quiet")
    assert comparable(record) == comparable(saved)
    assert record["metrics"]["train"]["r2"] > 0.9 and record["metrics"]["cv"]["k"] == 3


def test_fit_takes_training_and_network_options(who_csv, tmp_path):
    record = fit(who_csv, "bmi,hiv", solver="adam", lr=0.05, epochs=30, seed=1)
    assert record["solver"] == "adam" and record["spec"]["options"]["lr"] == 0.05
    saved = saved_by_the_command(tmp_path, "fit", "--data", who_csv, "-F", "bmi,hiv", "--solver", "adam", "--lr",
                                 "0.05", "--epochs", "30", "--seed", "1", "--out", tmp_path / "cli.joblib",
                                 "--quiet")
    assert record["params"] == saved["params"]
    net = fit(who_csv, "bmi,hiv", model="mlp", hidden=[4], epochs=5)
    assert net["kind"] == "mlp" and net["params"]["network"]["sizes"] == [2, 4, 1]


def test_fit_on_a_design_and_a_subset_of_its_features(who_csv):
    design = load_data(who_csv, features="all")
    record = fit(design, "hiv,gdp")
    assert record["features"] == ["hiv_aids", "gdp"]
    assert record["params"] == fit(who_csv, "hiv_aids,gdp")["params"]
    assert fit(design)["features"] == design.features


def test_predict_takes_people_lists_arrays_and_frames(who_csv):
    record = fit(who_csv, "bmi,hiv,gdp")
    tim = {"bmi": 24.0, "hiv": 0.1, "gdp": 5000}
    one = predict(record, tim)
    assert one.shape == (1,)
    both = predict(record, [tim, {"BMI": 30, "HIV/AIDS": 2, "gdp": 100}])
    assert both[0] == one[0]
    np.testing.assert_allclose(predict(record, np.array([[24.0, 0.1, 5000], [30, 2, 100]])), both, rtol=1e-12)
    frame = pd.DataFrame({"GDP": [5000, 100], " BMI ": [24.0, 30], "hiv": [0.1, 2], "other": [1, 2]})
    np.testing.assert_allclose(predict(record, frame), both, rtol=1e-12)
    assert predict(record, {"height": 1.82, "weight": 80.0, "hiv": 0.1, "gdp": 5000})[0] == \
        pytest.approx(predict(record, {"bmi": 80 / 1.82**2, "hiv": 0.1, "gdp": 5000})[0])


def test_predict_fills_a_left_out_feature_with_its_mean_and_says_so(who_csv):
    record = fit(who_csv, "bmi,hiv,gdp")
    with pytest.warns(UserWarning, match="filled with the training mean: gdp="):
        value = predict(record, {"bmi": 24.0, "hiv": 0.1})
    assert value[0] == predict(record, {"bmi": 24.0, "hiv": 0.1, "gdp": record["means"]["gdp"]})[0]


def test_predict_errors_are_typed_and_name_the_parameter(who_csv):
    record = fit(who_csv, "bmi,hiv")
    with pytest.raises(ParameterError, match=r"^rows must be .* 2 column\(s\) \(bmi, hiv_aids\), got shape \(1, 3\)"):
        predict(record, [[1.0, 2.0, 3.0]])
    with pytest.raises(UsageError, match="unknown feature for model in memory 'bni': did you mean bmi"):
        predict(record, {"bni": 24})
    with pytest.raises(DataError, match="lack column.*hiv_aids"):
        predict(record, pd.DataFrame({"bmi": [24.0]}))


def test_predict_interval_brackets_the_prediction_as_predict_level_does(who_csv):
    from lifeexp_cli import predict_interval
    from lifeexp_cli.model.predict import intervals
    from lifeexp_cli.model.record import from_plain

    record = fit(who_csv, "bmi,hiv,gdp")
    people = [{"bmi": 24.0, "hiv": 0.1, "gdp": 5000}, {"bmi": 30, "hiv": 2, "gdp": 100}]
    years, lower, upper = predict_interval(record, people, level=0.9)
    np.testing.assert_allclose(years, predict(record, people), rtol=1e-12)
    for i, row in enumerate([[24.0, 0.1, 5000], [30, 2, 100]]):
        one = intervals.interval_one(from_plain(record), row, years[i], 0.9)
        assert (one["lower"], one["upper"]) == pytest.approx((lower[i], upper[i]), rel=1e-12)
    wide = predict_interval(record, people, level=0.95)
    # 8 countries: a fold's 6-12 rows are too few for the 0.95 quantile, which falls back to the pooled
    # scores (evaluate/shift.py group_quantile) and here lands on the same order statistic as 0.9's
    assert np.all(wide[1] <= lower) and np.all(upper <= wide[2])
    with pytest.raises(ParameterError, match="level"):
        predict_interval(record, people, level=0)
    with pytest.raises(ModelError, match="no prediction-interval calibration"):
        predict_interval({k: v for k, v in record.items() if k != "calibration"}, people)


def test_save_load_and_predict_by_path(who_csv, tmp_path):
    record = fit(who_csv, "bmi,hiv")
    path = save_model(record, tmp_path / "models" / "mine.joblib")
    loaded = load_model(path)
    assert loaded["path"] == str(path) and comparable(loaded) == comparable(record)
    assert predict(str(path), {"bmi": 24, "hiv": 1})[0] == predict(record, {"bmi": 24, "hiv": 1})[0]


def test_cross_validate_reports_what_cv_json_reports(who_csv):
    document = cross_validate(who_csv, "bmi,hiv,gdp", k=4, seed=3)
    result = CliRunner().invoke(app, ["cv", "--data", str(who_csv), "-F", "bmi,hiv,gdp", "--folds", "4",
                                      "--seed", "3", "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads(json.dumps(document)) == json.loads(result.stdout)
    assert len(document["folds"]) == 4 and sum(f["test_groups"] for f in document["folds"]) == len(COUNTRIES)


def test_library_errors_stay_typed(who_csv):
    with pytest.raises(UsageError, match="unknown feature 'nope'"):
        fit(who_csv, "nope")
    with pytest.raises(LifeexpError):
        fit(who_csv, "bmi", solver="nope")
    with pytest.raises(DataError, match="does not exist"):
        load_data(who_csv.parent / "missing.csv")
