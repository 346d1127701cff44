"""Inputs unlike the training data (predict single, batch, compare) and the verdict's caveats, on the
shipped models (fitted on the WHO data; no dataset needed)."""

from __future__ import annotations

import csv
import io
import json
import pickle
from functools import partial

import pytest

from lifeexp_cli.model import store
from support.cli import run_cli

# Each value inside its training range (bmi 1–87.3, adult_mortality 1–723, hiv_aids 0.1–50.6), but no
# country has had high HIV/AIDS with the lowest adult mortality and a BMI of 70.
UNUSUAL = {"bmi": "70", "adult-mortality": "20", "hiv": "40"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "2000")  # wide enough that no table and no message wraps


run = partial(run_cli, code=None)  # the tests check the exit code


def options(values: dict) -> list[str]:
    return [item for name, value in values.items() for item in (f"--{name}", value)]


def test_an_unusual_combination_is_flagged_and_named():
    tim = store.load("tim")
    for name, value in {"bmi": 70, "adult_mortality": 20, "hiv_aids": 40}.items():
        low, high = tim["ranges"][name]
        assert low <= value <= high  # no per-feature range warning can catch it
    result = run("predict", "--model", "tim", *options(UNUSUAL), "--format", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["domain"]["in_domain"] is False
    assert row["domain"]["distance"] > 2 * row["domain"]["threshold"]
    assert set(row["domain"]["features"]) >= {"hiv_aids"}
    warning = [line for line in result.stderr.splitlines() if "unlike the training data" in line]
    assert len(warning) == 1 and "hiv_aids=40" in warning[0] and "outside the training range" not in result.stderr


def test_the_training_mean_and_tim_are_in_domain_without_a_warning():
    tim = store.load("tim")
    mean = {name.replace("_", "-"): str(value) for name, value in tim["means"].items()}
    for given in (mean, {"height": "1.82", "weight": "80", "adult-mortality": "53", "hiv": "0.1"}):
        result = run("predict", "--model", "tim", *options(given), "--format", "json")
        assert result.exit_code == 0 and result.stderr == ""
        (row,) = json.loads(result.stdout)
        assert row["domain"]["in_domain"] is True and row["domain"]["features"] == []


def test_batch_predict_appends_in_domain_after_the_prediction():
    rows = "bmi,adult_mortality,hiv_aids\n24.1,53,0.1\n70,20,40\n"
    result = run("predict", "--model", "tim", "--input", "-", input=rows)
    assert result.exit_code == 0
    header, *body = list(csv.reader(io.StringIO(result.stdout)))
    assert header[-4:] == ["predicted_life_expectancy", "lower_life_expectancy", "upper_life_expectancy",
                           "in_domain"]
    assert [r[-1] for r in body] == ["true", "false"]
    assert "1 row combines its values unlike any training rows" in result.stderr
    assert "its prediction is an extrapolation" in result.stderr


def test_an_old_model_file_without_the_reference_is_not_checked_and_says_so_only_in_json(tmp_path):
    record = store.load("tim")
    del record["domain"], record["path"]
    store.save(record, tmp_path / "old.joblib")
    result = run("predict", "--model", tmp_path / "old.joblib", *options(UNUSUAL), "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)[0]["domain"] is None
    batch = run("predict", "--model", tmp_path / "old.joblib", "--input", "-", input="bmi,adult_mortality,hiv\n1,2,3\n")
    assert batch.stdout.splitlines()[0].endswith(",upper_life_expectancy")


def test_a_damaged_reference_is_a_one_line_error_naming_the_file(tmp_path):
    record = store.load("tim")
    del record["path"]
    record["domain"]["rows"] = [[0.0, 1.0] for _ in range(3)]
    path = tmp_path / "bad.joblib"
    path.write_bytes(pickle.dumps(record, protocol=4))
    for args in (["predict", "--model", path, "--bmi", "20"], ["compare", "--model", path]):
        result = run(*args)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.startswith("Error: ") and str(path) in result.stderr and "field domain.rows" in result.stderr


def test_compare_json_shows_per_model_what_stands_behind_each_prediction():
    result = run("compare", "--model", "tim", "--model", "tom", "--person", "odd:bmi=70,mortality=20,hiv=40",
                 "--person", "tim:bmi=24.15,mortality=53,hiv=0.1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    tim, tom = doc["models"]
    assert {"intervals", "imputed", "domain", "difference"} <= set(tim)
    assert tim["imputed"] == {"odd": [], "tim": []}
    assert sorted(tom["imputed"]["odd"]) == ["gdp", "income_composition_of_resources", "schooling"]
    assert tim["domain"]["odd"]["in_domain"] is False and tim["domain"]["tim"]["in_domain"] is True
    difference = tim["difference"]
    assert {difference["first"], difference["second"]} == {"odd", "tim"}
    assert difference["difference"] == pytest.approx(
        tim["predictions"][difference["first"]] - tim["predictions"][difference["second"]])
    caveats = doc["caveats"]  # what --explain words, always in JSON
    assert any(line.startswith("tom: 3 of odd's 3 inputs are training means") for line in caveats)
    assert any(line.startswith("tim: odd's inputs are unlike the training data") for line in caveats)
    assert doc["verdict"].startswith(doc["answer"]["text"])
