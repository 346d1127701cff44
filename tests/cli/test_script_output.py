"""Output scripts can rely on: every command's CSV and JSON carry raw values (numbers unrounded, no "±",
"—" or display aliases), parse with the csv and json modules, and `--no-header` drops exactly CSV's
header line. Display strings belong to tables only (cli/render.py: rows_output)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from support.cli import run_cli

DISPLAY = ("±", "—", "…")
PROSE = {"verdict", "warnings"}  # sentences for people, which may well say "5.90 ± 0.49"

COMMANDS = {
    "fit": ["fit", "-F", "bmi,hiv", "--out", "{tmp}/m.joblib", "--folds", "3", "-q"],
    "eval": ["eval", "-m", "tim"],
    "cv": ["cv", "-F", "bmi", "-k", "3"],
    "select": ["select", "-F", "bmi,hiv,gdp", "-k", "3", "-q"],
    "compare": ["compare"],
    "predict": ["predict", "-m", "tim-bmi", "--bmi", "22"],
    "predict batch": ["predict", "-m", "tim", "--input", "{tmp}/rows.csv", "-q"],
    "features": ["features"],
    "data info": ["data", "info"],
    "data describe": ["data", "describe", "-F", "bmi,hiv,gdp"],
    "data where": ["data", "where"],
    "corr": ["corr", "-F", "bmi,hiv,gdp"],
    "corr matrix": ["corr", "-F", "bmi,hiv,gdp", "--matrix"],
    "backprop": ["backprop", "--steps", "3", "--lr", "0.2"],
}
ROWS = "country,year,bmi,adult_mortality,hiv\nPeru,2015,22.5,120,0.1\nChad,2014,,300,5\n"


def reject(constant: str):
    raise AssertionError(f"JSON carries {constant}, which JSON does not have")


def run(name: str, tmp_path, *extra: str):
    (tmp_path / "rows.csv").write_text(ROWS)
    args = [a.format(tmp=tmp_path) for a in COMMANDS[name]] + list(extra)
    return run_cli(*args).stdout


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            if key not in PROSE:
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_csv_is_raw_and_no_header_drops_only_the_header(name, who_env, tmp_path):
    text = run(name, tmp_path, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows), text
    for cell in (c for row in rows for c in row):
        assert not any(mark in cell for mark in DISPLAY), (name, cell)
    bare = run(name, tmp_path, "--format", "csv", "--no-header")
    if name == "fit":  # a refit writes the same numbers
        assert bare.splitlines() == text.splitlines()[1:]
    else:
        assert bare == "".join(text.splitlines(keepends=True)[1:])


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_is_one_document_of_raw_values(name, who_env, tmp_path):
    document = json.loads(run(name, tmp_path, "--format", "json"), parse_constant=reject)
    for text in strings(document):
        assert not any(mark in text for mark in DISPLAY), (name, text)


def test_compare_csv_is_one_row_per_model_and_person(who_env, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run("compare", tmp_path, "--format", "csv"))))
    assert [(r["model"], r["person"]) for r in rows] == [(m, p) for m in ("tim-bmi", "tom-gdp", "tim", "tom")
                                                          for p in ("Tim", "Tom")]
    document = json.loads(run("compare", tmp_path, "--format", "json"))
    for row in rows:
        model = next(m for m in document["models"] if m["model"] == row["model"])
        assert float(row["prediction"]) == model["predictions"][row["person"]]
        assert float(row["cv_rmse"]) == model["cv_rmse"] and float(row["train_rmse"]) == model["train_rmse"]
        assert row["features"].split(";") == model["features"]
    assert sum(r["best"] == "true" for r in rows) == 2  # one model, two people
    assert all(r["worse_by"] == "" for r in rows if r["best"] == "true")
    assert all(float(r["worse_by"]) > 0 for r in rows if r["best"] == "false")


def test_cv_csv_is_the_folds_only(who_env, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run("cv", tmp_path, "--format", "csv"))))
    assert [r["fold"] for r in rows] == ["1", "2", "3"]


def test_batch_predict_json_has_numbers_and_the_key_predicted_target(who_env, tmp_path):
    rows = json.loads(run("predict batch", tmp_path, "--format", "json"), parse_constant=reject)
    assert rows[0]["country"] == "Peru" and rows[0]["year"] == 2015 and rows[0]["bmi"] == 22.5
    assert rows[1]["bmi"] is None and rows[1]["hiv"] == 5
    single = json.loads(run_cli("predict", "-m", "tim", "--bmi", "22.5", "--adult-mortality", "120", "--hiv", "0.1",
                                "-f", "json").stdout)
    assert rows[0]["predicted_life_expectancy"] == single[0]["predicted_life_expectancy"]
