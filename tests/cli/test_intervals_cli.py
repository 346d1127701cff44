"""Prediction intervals on the command line: `predict --level` (single and batch, every format), the
interval in `compare`'s table, what `fit` says about its calibration, errors, and models without one."""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
from functools import partial

import pytest

from lifeexp_cli.model import store
from support.cli import run_cli

PERSON = ["--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"]
ROWS = "country,bmi,adult_mortality,hiv\nA,20,100,5\nB,,,\n"


run = partial(run_cli, code=None)  # the tests check the exit code


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def models(who_like_csv, tmp_path_factory):
    """A calibrated model, the same without its calibration (as files written before it existed), and a
    network fitted without --folds."""
    folder = tmp_path_factory.mktemp("interval-models")
    fitted = ok(run("fit", "--data", who_like_csv, "--features", "bmi,adult_mortality,hiv", "--out",
                    folder / "tim.joblib", "--format", "json", "--quiet"))
    record = store.load(folder / "tim.joblib")
    old = {k: v for k, v in record.items() if k not in ("calibration", "path")}
    (folder / "old.joblib").write_bytes(pickle.dumps(old, protocol=store.PICKLE_PROTOCOL))
    return {"tim": str(folder / "tim.joblib"), "old": str(folder / "old.joblib"), "fit": json.loads(fitted.stdout)}


def test_fit_reports_its_calibration(models):
    assert models["fit"]["calibration"] == {"method": "shift-conformal", "folds": 5, "split": "country", "groups": 25,
                                            "rows": 397}


def test_fit_table_says_how_the_intervals_were_calibrated(who_like_csv, tmp_path):
    result = ok(run("fit", "--data", who_like_csv, "--features", "bmi", "--out", tmp_path / "m.joblib"))
    assert ("Prediction intervals: calibrated on 397 out-of-fold residuals of 5 folds (25 countries, held out "
            "whole)") in result.stdout


def test_single_json_has_the_interval(models):
    result = ok(run("predict", "--model", models["tim"], *PERSON, "--format", "json"))
    (row,) = json.loads(result.stdout)
    interval = row["interval"]
    assert set(interval) == {"level", "lower", "upper", "method"} and interval["level"] == 0.9
    assert interval["lower"] < row["predicted_life_expectancy"] < interval["upper"] and interval["method"] == "shift-conformal"
    wider = json.loads(ok(run("predict", "--model", models["tim"], *PERSON, "--format", "json",
                              "--level", "0.95")).stdout)[0]["interval"]
    assert wider["lower"] < interval["lower"] and interval["upper"] < wider["upper"] and wider["level"] == 0.95
    assert result.stderr == ""


def test_single_table_shows_the_interval_in_brackets(models):
    result = ok(run("predict", "--model", models["tim"], *PERSON))
    assert re.search(r"│ \d+\.\d \[\d+\.\d, \d+\.\d\] +│", result.stdout), result.stdout


def test_single_csv_has_raw_bounds(models):
    result = ok(run("predict", "--model", models["tim"], *PERSON, "--format", "csv"))
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert float(row["lower_life_expectancy"]) < float(row["predicted_life_expectancy"]) < float(row["upper_life_expectancy"])


def test_level_zero_turns_intervals_off(models):
    (row,) = json.loads(ok(run("predict", "--model", models["tim"], *PERSON, "-f", "json", "--level", "0")).stdout)
    assert row["interval"] is None
    batch = ok(run("predict", "--model", models["tim"], "--input", "-", "--level", "0", input=ROWS))
    assert batch.stdout.splitlines()[0] == "country,bmi,adult_mortality,hiv,predicted_life_expectancy,in_domain"


def test_batch_csv_puts_the_bounds_right_after_the_prediction(models):
    result = ok(run("predict", "--model", models["tim"], "--input", "-", input=ROWS))
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert header == ["country", "bmi", "adult_mortality", "hiv", "predicted_life_expectancy",
                      "lower_life_expectancy", "upper_life_expectancy", "in_domain"]
    assert [r[:4] for r in rows] == [["A", "20", "100", "5"], ["B", "", "", ""]]
    for row in rows:
        assert float(row[5]) < float(row[4]) < float(row[6])


def test_batch_json_and_table_carry_the_same_bounds(models):
    as_csv = list(csv.DictReader(io.StringIO(ok(run("predict", "--model", models["tim"], "-i", "-",
                                                     input=ROWS)).stdout)))
    as_json = json.loads(ok(run("predict", "--model", models["tim"], "-i", "-", "-f", "json", input=ROWS)).stdout)
    for text, number in zip(as_csv, as_json):  # JSON as in single mode: prediction and interval
        assert float(text["predicted_life_expectancy"]) == number["predicted_life_expectancy"]
        assert float(text["lower_life_expectancy"]) == number["interval"]["lower"]
        assert float(text["upper_life_expectancy"]) == number["interval"]["upper"]
        assert number["interval"]["level"] == 0.9
    table = ok(run("predict", "--model", models["tim"], "-i", "-", "-f", "table", input=ROWS)).stdout
    first = as_json[0]
    assert f"{first['predicted_life_expectancy']:.1f} [{first['interval']['lower']:.1f}, {first['interval']['upper']:.1f}]" in table


@pytest.mark.parametrize("level", ["1", "1.5", "-0.1", "nan"])
def test_a_level_outside_zero_to_one_is_a_usage_error(models, level):
    result = run("predict", "--model", models["tim"], *PERSON, "--level", level)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--level must be between 0 and 1" in result.stderr
    assert result.stdout == ""


def test_a_model_without_calibration_predicts_and_says_so_once(models):
    single = ok(run("predict", "--model", models["old"], *PERSON, "--format", "json"))
    assert json.loads(single.stdout)[0]["interval"] is None
    assert single.stderr.count("no prediction-interval calibration") == 1
    batch = ok(run("predict", "--model", models["old"], "--input", "-", input=ROWS * 1))
    assert batch.stdout.splitlines()[0].endswith(",predicted_life_expectancy,in_domain")
    assert batch.stderr.count("no prediction-interval calibration") == 1
    quiet_about_it = ok(run("predict", "--model", models["old"], *PERSON, "--level", "0"))
    assert "calibration" not in quiet_about_it.stderr


def test_compare_shows_intervals_in_its_table(models):
    result = ok(run("compare", "--model", models["tim"], "--model", models["old"]))
    assert result.stderr.count("no prediction-interval calibration") == 1  # the old model's
    # `71.5 (62–81)` for the calibrated model's Tim and Tom, in whole years
    assert len(re.findall(r"\d+\.\d \(\d+–\d+\)", result.stdout)) == 2, result.stdout


def test_compare_refuses_a_bad_level(models):
    result = run("compare", "--model", models["tim"], "--level", "2")
    assert result.exit_code == 2 and "--level" in result.stderr


def test_a_streamed_fit_is_calibrated_and_its_model_predicts_intervals(who_like_csv, tmp_path):
    result = ok(run("fit", "--data", who_like_csv, "--features", "bmi", "--stream", "--out", tmp_path / "s.joblib"))
    assert "(2 passes over the data)" in result.stderr and "interval" not in result.stderr
    assert store.load(tmp_path / "s.joblib")["calibration"]["split"] == "country"
    predicted = json.loads(ok(run("predict", "--model", tmp_path / "s.joblib", "--bmi", "25", "-f", "json")).stdout)
    interval = predicted[0]["interval"]
    assert interval["lower"] < predicted[0]["predicted_life_expectancy"] < interval["upper"]


def test_a_streamed_fit_from_stdin_says_it_cannot_calibrate(who_like_csv, tmp_path):
    result = ok(run("fit", "--data", "-", "--features", "bmi", "--stream", "--out", tmp_path / "s.joblib",
                    input=who_like_csv.read_text()))
    assert "which can be read once: no prediction intervals" in result.stderr
    assert "calibration" not in store.load(tmp_path / "s.joblib")


@pytest.mark.parametrize("mode", ["--no-stream", "--stream"])
def test_no_intervals_skips_the_calibration_and_its_pass(who_like_csv, tmp_path, mode):
    result = ok(run("fit", "--data", who_like_csv, "--features", "bmi", mode, "--se", "classical",
                    "--no-intervals", "--out", tmp_path / "s.joblib", "--format", "json"))
    document = json.loads(result.stdout)
    assert document["calibration"] is None and "Warning" not in result.stderr
    if mode == "--stream":
        assert document["streamed"]["passes"] == 1
    predicted = run("predict", "--model", tmp_path / "s.joblib", "--bmi", "25")
    assert predicted.stderr.count("fitted with --no-intervals") == 1


def test_a_fit_without_calibration_says_so_and_how_to_get_one(who_like_csv, tmp_path):
    network = ok(run("fit", "--data", who_like_csv, "--features", "bmi", "--kind", "mlp", "--epochs", "2",
                     "--hidden", "3", "--out", tmp_path / "n.joblib"))
    assert "Prediction intervals: none stored (predict gives point predictions); add --folds 5" in network.stdout
    linear = ok(run("fit", "--data", who_like_csv, "--features", "bmi", "--no-intervals", "--out", tmp_path / "l.joblib"))
    assert "Prediction intervals: none stored (predict gives point predictions)\n" in linear.stdout


def test_a_streamed_fit_from_stdin_says_why_its_standard_errors_are_classical(who_like_csv, tmp_path):
    result = ok(run("fit", "--data", "-", "--features", "bmi", "--stream", "--out", tmp_path / "s.joblib",
                    input=who_like_csv.read_text()))
    assert "Standard errors: classical (independent errors of equal variance): the data came from stdin" in \
        result.stdout
    assert "no country column" not in result.stdout


SEVEN_ROWS = "size,rooms,price\n50,2,100\n80,3,180\n120,4,250\n65,2,130\n70,3,140\n90,3,170\n100,4,200\n"


def test_a_model_calibrated_on_too_few_rows_predicts_by_default_and_says_why_without_intervals(tmp_path):
    """`fit` on a 7-row CSV stores a calibration (90% needs 9 rows); `predict` with no option then stopped
    with exit 2 on "--level 0.9 needs at least 9 calibration rows", a level the user never typed."""
    data, model = tmp_path / "houses.csv", tmp_path / "houses.joblib"
    data.write_text(SEVEN_ROWS)
    ok(run("fit", "--data", data, "--target", "price", "--features", "size,rooms", "--out", model, "--quiet"))
    note = (f"no prediction intervals: model {model} was calibrated on 7 rows, a 90% interval needs at least 9; "
            "--level 0.87 or lower gives them")
    single = ok(run("predict", "--model", model, "--size", "60", "--rooms", "2", "--format", "json"))
    (row,) = json.loads(single.stdout)
    assert row["interval"] is None and row["predicted_price"] > 0
    assert single.stderr.count("Warning:") == 1 and note in single.stderr.replace("\n", " ")
    batch = ok(run("predict", "--model", model, "--input", "-", input="size,rooms\n60,2\n"))
    assert batch.stdout.splitlines()[0] == "size,rooms,predicted_price,in_domain" and note in batch.stderr
    asked = run("predict", "--model", model, "--size", "60", "--rooms", "2", "--level", "0.9")
    assert asked.exit_code == 2 and "--level 0.9 needs at least 9 calibration rows" in asked.stderr
    lower = json.loads(ok(run("predict", "--model", model, "--size", "60", "--rooms", "2", "--level", "0.8",
                              "--format", "json")).stdout)
    assert lower[0]["interval"]["level"] == 0.8


def test_compare_with_a_model_calibrated_on_too_few_rows_compares_without_its_intervals(tmp_path, monkeypatch):
    """`compare` with a model fitted on a 7-row CSV stopped with exit 2 on "--level 0.9 needs at least 9
    calibration rows", a level the user never typed: the other models keep their intervals, that one gives
    none and one warning says why (not that it has no calibration); --level 0.9 asked still stops."""
    monkeypatch.chdir(tmp_path)  # model names resolve to the shipped models
    data, model = tmp_path / "houses.csv", tmp_path / "houses.joblib"
    data.write_text(SEVEN_ROWS)
    ok(run("fit", "--data", data, "--target", "price", "--features", "size,rooms", "--out", model, "--quiet"))
    done = ok(run("compare", "--model", "tim", "--model", model, "--format", "json"))
    found = {m["model"]: m for m in json.loads(done.stdout)["models"]}
    assert not found[str(model)]["intervals"] and set(found[str(model)]["predictions"]) == {"Tim", "Tom"}
    assert all(interval["level"] == 0.9 for interval in found["tim"]["intervals"].values())
    said = done.stderr.replace("\n", " ")
    assert f"no prediction intervals: model {model} was calibrated on 7 rows" in said
    assert "no prediction-interval calibration" not in said
    asked = run("compare", "--model", "tim", "--model", model, "--level", "0.9")
    assert asked.exit_code == 2 and "--level 0.9 needs at least 9 calibration rows" in asked.stderr
