"""The command line, driven in-process through Typer's CliRunner (stdout and stderr kept apart).

Every invocation goes through `run` (tests/support/cli.py: run_cli), which fails the test on an uncaught
exception or a traceback in any output: a user must only ever see one `Error: ...` line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lifeexp_cli import __version__
from lifeexp_cli.model import store
from support.cli import run_cli

COMMANDS = ["fit", "eval", "predict", "compare", "features"]
SHIPPED = ["tim-bmi", "tom-gdp", "tim", "tom"]
WHO_ROWS, WHO_ROWS_WITHOUT_TARGET = 2938, 10


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run in an empty folder (nothing lands in the repo's models/) with wide tables (one line per row) and whole lines of prose."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "2000")  # wide enough that no table and no message wraps


run = partial(run_cli, code=None)  # ok() and fails() check the exit code


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def fails(result, code: int) -> str:
    """The one `Error:` line a failed command prints on stderr, after checking its exit code."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == ""
    return lines[0]


def fit_json(data_path, out, *args) -> dict:
    result = ok(run("fit", "--data", data_path, "--out", out, "--format", "json", *args))
    return json.loads(result.stdout)


def by_hand(coefficients: dict, values: dict) -> float:
    return coefficients["intercept"] + sum(coefficients[name] * value for name, value in values.items())


@pytest.fixture(scope="module")
def who(data_path) -> pd.DataFrame:
    """The WHO rows that have a target, read independently of lifeexp (headers stripped of spaces)."""
    frame = pd.read_csv(data_path)
    frame.columns = [c.strip() for c in frame.columns]
    return frame[frame["Life expectancy"].notna()].reset_index(drop=True)


@pytest.fixture(scope="module")
def models(tmp_path_factory, data_path) -> dict:
    """Two models fitted once for the eval and predict tests: name -> (path, fit document)."""
    folder = tmp_path_factory.mktemp("models")
    fitted = {}
    for key, args in {"tim3": ["--features", "bmi,adult_mortality,hiv"],
                      "held": ["--features", "bmi,hiv", "--test-size", "0.2"]}.items():
        path = folder / f"{key}.joblib"
        fitted[key] = (path, fit_json(data_path, path, *args))
    return fitted


# --- help and version -----------------------------------------------------------------------

def test_app_help_lists_every_command():
    result = ok(run("--help"))
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_has_an_example(command):
    result = ok(run(command, "--help"))
    assert "Example" in result.stdout
    assert f"lifeexp {command}" in result.stdout


def test_version():
    assert ok(run("--version")).stdout.strip() == f"lifeexp {__version__}"


# --- fit: success ---------------------------------------------------------------------------

def test_fit_table_shows_the_equation_and_saves(data_path):
    result = ok(run("fit", "--data", data_path, "--features", "bmi", "--out", "m.joblib"))
    assert re.search(r"^life_expectancy = \S+·bmi [+−] \S+$", result.stdout, re.MULTILINE), result.stdout
    assert "Saved m.joblib" in result.stderr and "Saved" not in result.stdout
    assert Path("m.joblib").is_file()


def test_fit_json_is_one_document_with_every_key(data_path):
    doc = fit_json(data_path, "m.joblib", "--features", "bmi,hiv")
    assert {"model", "target", "features", "solver", "coefficients", "metrics", "rows", "condition_number",
            "warnings"} <= set(doc)
    assert doc["model"] == "m.joblib" and doc["target"] == "life_expectancy" and doc["solver"] == "lstsq"
    assert doc["features"] == ["bmi", "hiv_aids"]
    assert set(doc["coefficients"]) == {"intercept", "bmi", "hiv_aids"}
    assert set(doc["metrics"]) == {"train", "test", "cv"}
    assert set(doc["metrics"]["train"]) == {"rmse", "mae", "r2"}
    assert all(math.isfinite(v) for v in doc["metrics"]["train"].values())
    assert doc["metrics"]["test"] is None and doc["metrics"]["cv"] is None
    assert doc["rows"]["train"] == WHO_ROWS - WHO_ROWS_WITHOUT_TARGET
    assert doc["rows"]["test"] == 0 and doc["rows"]["dropped"] == WHO_ROWS_WITHOUT_TARGET
    assert doc["condition_number"] > 1 and doc["warnings"] == []


def test_fit_matches_an_independent_least_squares_fit(data_path, who):
    doc = fit_json(data_path, "m.joblib", "--features", "bmi,adult_mortality,hiv")
    X = who[["BMI", "Adult Mortality", "HIV/AIDS"]].astype(float)
    X = X.fillna(X.mean())  # --impute mean (the default)
    A = np.column_stack([np.ones(len(X)), X.to_numpy()])
    theta, *_ = np.linalg.lstsq(A, who["Life expectancy"].to_numpy(float), rcond=None)
    got = [doc["coefficients"][k] for k in ("intercept", "bmi", "adult_mortality", "hiv_aids")]
    np.testing.assert_allclose(got, theta, rtol=1e-9)
    residual = who["Life expectancy"].to_numpy(float) - A @ theta
    assert doc["metrics"]["train"]["rmse"] == pytest.approx(np.sqrt(np.mean(residual**2)), rel=1e-9)


def test_fit_cv_reports_mean_and_spread(data_path):
    doc = fit_json(data_path, "m.joblib", "--features", "bmi", "--folds", "5")
    cv = doc["metrics"]["cv"]
    assert cv["k"] == 5 and doc["metrics"]["test"] is None
    for key in ("rmse", "mae", "r2"):
        assert math.isfinite(cv[key]) and cv[f"{key}_std"] > 0
    assert cv["rmse"] == pytest.approx(np.mean([f["rmse"] for f in cv["folds"]]))


def test_fit_test_size_scores_held_out_rows(data_path):
    result = ok(run("fit", "--data", data_path, "--features", "bmi", "--out", "m.joblib", "--test-size", "0.2"))
    assert "held-out rows" in result.stdout
    doc = fit_json(data_path, "m.joblib", "--features", "bmi", "--test-size", "0.2")
    assert set(doc["metrics"]["test"]) == {"rmse", "mae", "r2"} and doc["metrics"]["cv"] is None
    rows = doc["rows"]
    assert 0 < rows["test"] < rows["train"]
    assert rows["train"] + rows["test"] + rows["dropped"] == WHO_ROWS


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_fit_scaling_gives_the_same_model_in_original_units(data_path, scale):
    features = ["--features", "bmi,adult_mortality,hiv,gdp,schooling"]
    plain = fit_json(data_path, "plain.joblib", *features)
    scaled = fit_json(data_path, "scaled.joblib", *features, "--scale", scale)
    for term, value in plain["coefficients"].items():
        assert scaled["coefficients"][term] == pytest.approx(value, rel=1e-8), term
    assert scaled["coefficients_scaled"] is not None
    assert scaled["metrics"]["train"]["rmse"] == pytest.approx(plain["metrics"]["train"]["rmse"], rel=1e-12)
    assert scaled["condition_number"] < plain["condition_number"]


def test_fit_impute_median_fills_and_drop_removes_rows(data_path, who):
    missing_bmi = int(who["BMI"].isna().sum())
    assert missing_bmi > 0
    mean = fit_json(data_path, "mean.joblib", "--features", "bmi")
    median = fit_json(data_path, "median.joblib", "--features", "bmi", "--impute", "median")
    assert median["rows"]["imputed"]["bmi"] == missing_bmi == mean["rows"]["imputed"]["bmi"]
    assert median["rows"]["train"] == mean["rows"]["train"] == len(who)
    assert median["coefficients"]["bmi"] != pytest.approx(mean["coefficients"]["bmi"], rel=1e-9)
    dropped = fit_json(data_path, "drop.joblib", "--features", "bmi", "--impute", "drop")
    assert dropped["rows"]["train"] == len(who) - missing_bmi
    assert dropped["rows"]["dropped"] == WHO_ROWS_WITHOUT_TARGET + missing_bmi
    assert dropped["rows"]["imputed"]["bmi"] == 0


def test_fit_no_intercept_goes_through_the_origin(data_path, who):
    doc = fit_json(data_path, "m.joblib", "--features", "bmi,hiv", "--no-intercept")
    assert doc["coefficients"]["intercept"] is None
    X = who[["BMI", "HIV/AIDS"]].astype(float)
    theta, *_ = np.linalg.lstsq(X.fillna(X.mean()).to_numpy(), who["Life expectancy"].to_numpy(float), rcond=None)
    np.testing.assert_allclose([doc["coefficients"]["bmi"], doc["coefficients"]["hiv_aids"]], theta, rtol=1e-9)
    table = ok(run("fit", "--data", data_path, "--features", "bmi,hiv", "--no-intercept", "--out", "m.joblib"))
    assert re.search(r"^life_expectancy = \S+·bmi [+−] \S+·hiv_aids$", table.stdout, re.MULTILINE), table.stdout


def test_fit_accepts_aliases(data_path):
    doc = fit_json(data_path, "m.joblib", "--features", "hiv,income")
    assert doc["features"] == ["hiv_aids", "income_composition_of_resources"]


def test_fit_all_features(data_path):
    doc = fit_json(data_path, "m.joblib", "--features", "all")
    assert len(doc["features"]) == 20
    assert "status" in doc["features"]
    assert "country" not in doc["features"] and "life_expectancy" not in doc["features"]


def test_fit_normal_equation_equals_lstsq(data_path):
    lstsq = fit_json(data_path, "a.joblib", "--features", "bmi,hiv")
    normal = fit_json(data_path, "b.joblib", "--features", "bmi,hiv", "--solver", "normal")
    assert normal["solver"] == "normal"
    for term, value in lstsq["coefficients"].items():
        assert normal["coefficients"][term] == pytest.approx(value, rel=1e-9), term


# --- fit: errors ----------------------------------------------------------------------------

def test_fit_unknown_feature_suggests_the_close_name(data_path):
    message = fails(run("fit", "--data", data_path, "--features", "bmii", "--out", "m.joblib"), 2)
    assert "'bmii'" in message and "did you mean bmi" in message


def test_fit_without_data_names_both_ways_to_give_it(monkeypatch):
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)
    message = fails(run("fit", "--features", "bmi", "--out", "m.joblib"), 2)
    assert "--data" in message and "LIFEEXP_DATA" in message


def test_fit_missing_data_file():
    message = fails(run("fit", "--data", "nowhere.csv", "--features", "bmi", "--out", "m.joblib"), 1)
    assert "nowhere.csv" in message and "does not exist" in message


@pytest.mark.parametrize("args, words", [
    (["--name", "x", "--out", "m.joblib"], ["--name", "--out"]),
    (["--folds", "5", "--test-size", "0.2", "--out", "m.joblib"], ["--folds", "--test-size"]),
    (["--folds", "1", "--out", "m.joblib"], ["--folds", "1"]),
    (["--test-size", "1.5", "--out", "m.joblib"], ["--test-size", "1.5"]),
    (["--solver", "qr", "--out", "m.joblib"], ["--solver", "lstsq", "normal"]),
    # Zero is as invalid as 1 or 1.5, but `if cv:` / `if test_size:` treat it as "not given".
    (["--folds", "0", "--out", "m.joblib"], ["--folds", "0"]),
    (["--test-size", "0", "--out", "m.joblib"], ["--test-size", "0"]),
], ids=["name-and-out", "cv-and-test-size", "cv-1", "test-size-1.5", "bad-solver", "cv-0", "test-size-0"])
def test_fit_usage_errors_exit_2_naming_the_flag(data_path, args, words):
    message = fails(run("fit", "--data", data_path, "--features", "bmi", *args), 2)
    for word in words:
        assert word in message
    assert not Path("m.joblib").exists()


def test_fit_feature_that_is_the_target_says_so(data_path):
    message = fails(run("fit", "--data", data_path, "--features", "bmi", "--target", "bmi", "--out", "m.joblib"), 2)
    assert "target" in message


def test_fit_warns_about_collinear_features(data_path):
    result = ok(run("fit", "--data", data_path, "--features", "infant_deaths,under_five_deaths",
                    "--out", "m.joblib", "--format", "json"))
    warning = [line for line in result.stderr.splitlines() if "collinear" in line]
    assert len(warning) == 1 and warning[0].startswith("Warning:")
    assert "infant_deaths" in warning[0] and "under_five_deaths" in warning[0]
    assert any("collinear" in note for note in json.loads(result.stdout)["warnings"])


@pytest.mark.parametrize("args", [
    ["--features", "bmii"], ["--features", "bmi", "--folds", "1"], ["--features", "bmi", "--data", "nowhere.csv"],
], ids=["unknown-feature", "bad-cv", "missing-data"])
def test_failed_fit_leaves_the_previous_model_untouched(data_path, tmp_path, args):
    path = tmp_path / "kept" / "model.joblib"
    ok(run("fit", "--data", data_path, "--features", "bmi", "--out", path, "--quiet"))
    before = path.read_bytes()
    result = run("fit", "--data", data_path, *args, "--out", path)
    assert result.exit_code != 0
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.joblib"]  # no temporary file left


# --- eval -----------------------------------------------------------------------------------

def test_eval_on_all_rows_reproduces_the_training_score(data_path, models):
    path, doc = models["tim3"]
    result = ok(run("eval", "--model", path, "--data", data_path, "--format", "json"))
    scored = json.loads(result.stdout)
    assert set(scored) >= {"model", "metrics", "rows"} and set(scored["metrics"]) == {"rmse", "mae", "r2"}
    assert scored["on"] == "all rows" and scored["model"] == str(path)
    assert scored["rows"]["scored"] == doc["rows"]["train"]
    for key, value in doc["metrics"]["train"].items():
        assert scored["metrics"][key] == pytest.approx(value, rel=1e-12)


def test_eval_scores_the_models_own_held_out_rows(data_path, models):
    path, doc = models["held"]
    scored = json.loads(ok(run("eval", "--model", path, "--data", data_path, "--format", "json")).stdout)
    assert scored["on"] == "held-out rows"
    assert scored["rows"]["scored"] == doc["rows"]["test"]
    for key, value in doc["metrics"]["test"].items():
        assert scored["metrics"][key] == pytest.approx(value, rel=1e-12)
    everything = json.loads(ok(run("eval", "--model", path, "--data", data_path, "--all-rows", "-f", "json")).stdout)
    assert everything["on"] == "all rows" and everything["rows"]["scored"] == WHO_ROWS - WHO_ROWS_WITHOUT_TARGET
    table = ok(run("eval", "--model", path, "--data", data_path))
    assert "held-out rows" in table.stdout and "RMSE" in table.stdout


def table_cells(stdout: str) -> list[list[str]]:
    """The cells of a bordered table's body rows."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in stdout.splitlines() if line.startswith("│")]


def test_eval_names_the_model_as_the_user_did(data_path, models, tmp_path):
    """The table names the model as --model did (`tim`, not models/tim.joblib; a file by its stem, as
    compare's table does); JSON and CSV give the file that was read."""
    path, _ = models["tim3"]
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mine.joblib").write_bytes(path.read_bytes())
    for given, label, read in [("mine", "mine", "models/mine.joblib"), ("tim", "tim", str(store.resolve("tim"))),
                               (str(path), "tim3", str(path))]:
        table = ok(run("eval", "--model", given, "--data", data_path))
        assert table_cells(table.stdout)[0][:2] == [label, "all rows"]
        assert json.loads(ok(run("eval", "-m", given, "--data", data_path, "-f", "json")).stdout)["model"] == read
        rows = list(csv.DictReader(io.StringIO(ok(run("eval", "-m", given, "--data", data_path, "-f", "csv")).stdout)))
        assert rows[0]["model"] == read
    compared = ok(run("compare", "--model", "mine", "--model", str(path)))
    assert [row[0] for row in table_cells(compared.stdout)] == ["mine", "tim3"]


def test_eval_on_data_without_the_models_features(models, tmp_path):
    path, _ = models["tim3"]
    small = tmp_path / "small.csv"
    small.write_text("Country,Life expectancy,BMI\nA,70,22\nB,60,18\n")
    message = fails(run("eval", "--model", path, "--data", small), 1)
    assert "adult_mortality" in message and "hiv_aids" in message


# --- predict --------------------------------------------------------------------------------

def predict_json(*args) -> tuple[dict, str]:
    result = ok(run("predict", *args, "--format", "json"))
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 1 and "predicted_life_expectancy" in rows[0]
    return rows[0], result.stderr


def test_predict_equals_the_hand_computation(models):
    path, doc = models["tim3"]
    row, stderr = predict_json("--model", path, "--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1")
    values = {"bmi": 24.1, "adult_mortality": 53.0, "hiv_aids": 0.1}
    assert row["predicted_life_expectancy"] == pytest.approx(by_hand(doc["coefficients"], values), rel=1e-12)
    assert {k: row[k] for k in values} == values
    assert stderr == ""


def test_predict_bmi_from_height_and_weight(models):
    path, doc = models["tim3"]
    common = ["--model", path, "--adult-mortality", "53", "--hiv", "0.1"]
    from_body, _ = predict_json(*common, "--height", "1.82", "--weight", "80")
    from_bmi, _ = predict_json(*common, "--bmi", repr(80 / 1.82**2))
    assert from_body["bmi"] == pytest.approx(80 / 1.82**2, rel=1e-15)
    assert from_body["predicted_life_expectancy"] == pytest.approx(from_bmi["predicted_life_expectancy"], rel=1e-15)


def test_predict_fills_a_left_out_feature_with_the_training_mean(models, who):
    path, doc = models["tim3"]
    row, stderr = predict_json("--model", path, "--bmi", "24.1", "--hiv", "0.1")
    training_mean = who["Adult Mortality"].mean()
    assert row["adult_mortality"] == pytest.approx(training_mean, rel=1e-12)
    assert "adult_mortality" in stderr and "training mean" in stderr
    expected = by_hand(doc["coefficients"], {"bmi": 24.1, "adult_mortality": training_mean, "hiv_aids": 0.1})
    assert row["predicted_life_expectancy"] == pytest.approx(expected, rel=1e-12)


def test_predict_strict_refuses_a_left_out_feature(models):
    path, _ = models["tim3"]
    message = fails(run("predict", "--model", path, "--bmi", "24.1", "--hiv", "0.1", "--strict"), 2)
    assert "--adult-mortality" in message


def test_predict_non_number(models):
    path, _ = models["tim3"]
    message = fails(run("predict", "--model", path, "--bmi", "abc"), 2)
    assert "--bmi" in message and "'abc'" in message


def test_predict_feature_given_twice_is_a_usage_error(models):
    # `--hiv 1 --hiv-aids 2` is refused; the same flag twice must not silently keep the last value.
    path, _ = models["tim3"]
    message = fails(run("predict", "--model", path, "--bmi", "24", "--bmi", "25", "--adult-mortality", "53",
                        "--hiv", "0.1"), 2)
    assert "bmi" in message


def test_predict_warns_outside_the_training_range(models):
    path, doc = models["tim3"]
    row, stderr = predict_json("--model", path, "--bmi", "500", "--adult-mortality", "53", "--hiv", "0.1")
    assert "bmi=500" in stderr and "outside the training range" in stderr
    assert row["predicted_life_expectancy"] == pytest.approx(
        by_hand(doc["coefficients"], {"bmi": 500.0, "adult_mortality": 53.0, "hiv_aids": 0.1}), rel=1e-12)


BATCH = ('name,BMI,Adult Mortality,HIV/AIDS,note\n'
         'ann,22,100,0.1,"x, y"\n'
         'bob,30,,0.5,  spaced  \n')


def test_predict_batch_writes_csv_and_passes_other_columns_through(models, tmp_path, who):
    path, doc = models["tim3"]
    source = tmp_path / "rows.csv"
    source.write_text(BATCH)
    result = ok(run("predict", "--model", path, "--input", source))
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    given_header, *given = list(csv.reader(io.StringIO(BATCH)))
    assert header == [*given_header, "predicted_life_expectancy", "lower_life_expectancy", "upper_life_expectancy",
                      "in_domain"]
    assert [r[:-4] for r in rows] == given and [r[-1] for r in rows] == ["true", "true"]
    mean_mortality = who["Adult Mortality"].mean()
    expected = [by_hand(doc["coefficients"], {"bmi": 22, "adult_mortality": 100, "hiv_aids": 0.1}),
                by_hand(doc["coefficients"], {"bmi": 30, "adult_mortality": mean_mortality, "hiv_aids": 0.5})]
    np.testing.assert_allclose([float(r[-4]) for r in rows], expected, rtol=1e-12)
    for row in rows:  # the interval around the prediction
        assert float(row[-3]) < float(row[-4]) < float(row[-2])
    assert "1 blank feature cell was filled" in result.stderr and "Predicted 2 rows" in result.stderr


def test_predict_batch_from_stdin_equals_from_file(models, tmp_path):
    path, _ = models["tim3"]
    source = tmp_path / "rows.csv"
    source.write_text(BATCH)
    from_file = ok(run("predict", "--model", path, "--input", source, "--quiet")).stdout
    from_stdin = ok(run("predict", "--model", path, "--input", "-", "--quiet", input=BATCH)).stdout
    assert from_stdin == from_file and from_file.count("\n") == 3


def test_predict_batch_missing_a_model_feature_takes_the_training_mean_like_single_mode(models):
    path, record = models["tim3"]
    batch = ok(run("predict", "--model", path, "--input", "-", input="bmi,hiv\n22,0.1\n"))
    assert "no column for adult_mortality" in batch.stderr and "--strict" in batch.stderr
    single = ok(run("predict", "--model", path, "--bmi", "22", "--hiv", "0.1", "--format", "json"))
    predicted = dict(zip(*[line.split(",") for line in batch.stdout.splitlines()]))["predicted_life_expectancy"]
    assert float(predicted) == json.loads(single.stdout)[0]["predicted_life_expectancy"]
    message = fails(run("predict", "--model", path, "--input", "-", "--strict", input="bmi,hiv\n22,0.1\n"), 1)
    assert "adult_mortality" in message and "--strict" in message


def test_predict_missing_model_names_it():
    message = fails(run("predict", "--model", "no-such-model", "--bmi", "24"), 1)
    assert "no-such-model" in message


# --- compare --------------------------------------------------------------------------------

def table_row(stdout: str, first_cell: str) -> list[str]:
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split("[│┃]", line)[1:-1]]  # body rows │, header row ┃
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row for {first_cell!r} in:\n{stdout}")


def shows(cell: str, value: float) -> bool:
    """The cell is `value` rounded to the decimals it shows."""
    cell = cell.strip()
    decimals = len(cell.split(".")[1]) if "." in cell else 0
    return abs(float(cell) - value) <= 0.5 * 10**-decimals + 1e-9


def test_compare_default_shows_tim_and_tom_with_accuracy_and_the_answer():
    table = ok(run("compare")).stdout
    doc = json.loads(ok(run("compare", "--format", "json")).stdout)
    assert "Tim" in table_row(table, "model") and "Tom" in table_row(table, "model")
    assert "train RMSE" in table and "CV RMSE" in table  # 250 columns: room for the training RMSE too
    header = table_row(table, "model")
    for model in doc["models"]:
        cells = dict(zip(header, table_row(table, model["model"])))
        for person in ("Tim", "Tom"):  # 65.4 (52–79): the prediction, its interval in whole years
            value, interval = cells[person].split(" (")
            found = model["intervals"][person]
            assert shows(value, model["predictions"][person])
            assert interval == f"{found['lower']:.0f}–{found['upper']:.0f})"
        assert shows(cells["train RMSE"], model["train_rmse"]) and shows(cells["CV RMSE"], model["cv_rmse"])
    assert "±" not in table
    below = table.split("┘\n", 1)[1].splitlines()
    assert below[0] == doc["answer"]["text"] and below[0].startswith("Cannot tell who lives longer")


def test_compare_json(data_path):
    doc = json.loads(ok(run("compare", "--format", "json")).stdout)
    assert set(doc) == {"people", "answer", "models", "comparison", "verdict", "caveats"}
    assert doc["people"] == ["Tim", "Tom"]
    assert [m["model"] for m in doc["models"]] == SHIPPED
    best = min(doc["models"], key=lambda m: m["cv_rmse"])
    assert doc["comparison"]["best"] == best["model"]
    # The shipped `tim` model predicts for Tim what `predict` does for the lecture's Tim.
    tim = next(m for m in doc["models"] if m["model"] == "tim")
    row, _ = predict_json("--model", "tim", "--height", "1.82", "--weight", "80", "--adult-mortality", "53",
                          "--hiv", "0.1")
    assert tim["predictions"]["Tim"] == pytest.approx(row["predicted_life_expectancy"], rel=1e-12)


def test_compare_person_option():
    result = ok(run("compare", "--person", "ann:bmi=22,hiv=0.1", "--format", "json"))
    doc = json.loads(result.stdout)
    assert doc["people"] == ["ann"]
    tim_bmi = next(m for m in doc["models"] if m["model"] == "tim-bmi")
    expected = by_hand(store.load("tim-bmi")["coefficients"], {"bmi": 22.0})
    assert tim_bmi["predictions"]["ann"] == pytest.approx(expected, rel=1e-12)
    assert "ann" in result.stderr and "training mean" in result.stderr  # tom-gdp has no gdp for ann


def test_compare_people_from_csv_and_json_files(tmp_path):
    (tmp_path / "people.csv").write_text("name,bmi,hiv,gdp\nann,22,0.1,900\nbob,30,0.5,20000\n")
    (tmp_path / "people.json").write_text(json.dumps(
        {"ann": {"bmi": 22, "hiv": 0.1, "gdp": 900}, "bob": {"bmi": 30, "hiv": 0.5, "gdp": 20000}}))
    from_csv = json.loads(ok(run("compare", "--people", "people.csv", "-f", "json")).stdout)
    from_json = json.loads(ok(run("compare", "--people", "people.json", "-f", "json")).stdout)
    assert from_csv["people"] == from_json["people"] == ["ann", "bob"]
    assert [m["predictions"] for m in from_csv["models"]] == [m["predictions"] for m in from_json["models"]]
    tom_gdp = next(m for m in from_csv["models"] if m["model"] == "tom-gdp")
    coefficients = store.load("tom-gdp")["coefficients"]
    assert tom_gdp["predictions"]["bob"] == pytest.approx(by_hand(coefficients, {"gdp": 20000.0}), rel=1e-12)


# --- features -------------------------------------------------------------------------------

def test_features_lists_bmi_with_meaning_and_unit():
    cells = table_row(ok(run("features")).stdout, "bmi")
    assert "average body mass index of the population" in cells and "kg/m² !" in cells  # ! : the data contradicts it


def test_features_json():
    rows = json.loads(ok(run("features", "--format", "json")).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["bmi"]["unit"] == "kg/m²" and by_name["bmi"]["role"] == "feature"
    assert "hiv" in by_name["hiv_aids"]["aliases"]
    assert by_name["life_expectancy"]["role"] == "target"


def test_features_help_says_it_does_not_read_lifeexp_data(who_env, tmp_path):
    """--data's help said "Default: $LIFEEXP_DATA, else the installed copy", but without --data features lists
    the documented WHO features and reads no file: a user who set $LIFEEXP_DATA to their own CSV was misled."""
    (tmp_path / "mine.csv").write_text("Life expectancy,BMI,note\n70,22,hello\n")
    names = [r["name"] for r in json.loads(ok(run("features", "-f", "json", env={"LIFEEXP_DATA": str(tmp_path / "mine.csv")})).stdout)]
    assert len(names) == 21 and "note" not in names
    help_text = " ".join(ok(run("features", "--help")).stdout.split())
    assert "$LIFEEXP_DATA is not read" in help_text and "installed copy" not in help_text


def test_features_of_a_data_file(data_path, tmp_path):
    rows = json.loads(ok(run("features", "--data", data_path, "--format", "json")).stdout)
    roles = {r["name"]: r["role"] for r in rows}
    assert len(roles) == 22
    assert roles["country"] == "group key" and roles["life_expectancy"] == "target"
    assert roles["bmi"] == roles["status"] == "feature"
    (tmp_path / "mine.csv").write_text("Life expectancy,BMI,note\n70,22,hello\n")
    roles = {r["name"]: r["role"] for r in json.loads(ok(run("features", "--data", "mine.csv", "-f", "json")).stdout)}
    assert roles == {"life_expectancy": "target", "bmi": "feature", "note": "not numeric"}
