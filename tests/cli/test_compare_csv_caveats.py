"""`compare --format csv` carries what compare JSON says stands behind each prediction: the interval
(`level`, `lower`, `upper`), the domain check (`in_domain`) and the inputs filled with training means
(`imputed`, `imputed_features`), as raw cells, on the shipped models (no dataset needed)."""

from __future__ import annotations

import csv
import io
import json
import pickle

import pytest

from lifeexp_cli.model import store
from support.cli import run_cli

PEOPLE = ["--person", "odd:bmi=70,mortality=20,hiv=40", "--person", "tim:bmi=24.15,mortality=53,hiv=0.1"]
CAVEATS = ["level", "lower", "upper", "in_domain", "imputed", "imputed_features"]


def rows_of(*args) -> list[dict]:
    return list(csv.DictReader(io.StringIO(run_cli("compare", *args, "--format", "csv").stdout)))


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """The shipped `tim` as a file written before calibrations and the domain check existed."""
    record = {k: v for k, v in store.load("tim").items() if k not in ("calibration", "domain", "path")}
    path = tmp_path_factory.mktemp("bare") / "bare.joblib"
    path.write_bytes(pickle.dumps(record, protocol=store.PICKLE_PROTOCOL))
    return str(path)


def test_csv_caveat_columns_match_compare_json():
    rows = rows_of("--model", "tim", "--model", "tom", *PEOPLE)
    assert list(rows[0])[-len(CAVEATS):] == CAVEATS
    document = json.loads(run_cli("compare", "--model", "tim", "--model", "tom", *PEOPLE, "--format", "json").stdout)
    assert len(rows) == 4
    for row in rows:
        model = next(m for m in document["models"] if m["model"] == row["model"])
        interval, who = model["intervals"][row["person"]], row["person"]
        assert (float(row["level"]), float(row["lower"]), float(row["upper"])) == (
            interval["level"], interval["lower"], interval["upper"])
        assert row["in_domain"] == str(model["domain"][who]["in_domain"]).lower()
        assert int(row["imputed"]) == len(model["imputed"][who])
        assert (row["imputed_features"].split(";") if row["imputed_features"] else []) == model["imputed"][who]
    by = {(r["model"], r["person"]): r for r in rows}
    assert by["tim", "odd"]["in_domain"] == "false" and by["tim", "tim"]["in_domain"] == "true"
    assert by["tim", "odd"]["imputed"] == "0" and by["tim", "odd"]["imputed_features"] == ""
    assert by["tom", "odd"]["imputed"] == "3"
    assert sorted(by["tom", "odd"]["imputed_features"].split(";")) == [
        "gdp", "income_composition_of_resources", "schooling"]
    assert all(float(r["lower"]) < float(r["prediction"]) < float(r["upper"]) for r in rows)


def test_level_follows_the_option():
    rows = rows_of("--model", "tim", "--level", "0.5")
    wide = rows_of("--model", "tim")
    assert {r["level"] for r in rows} == {"0.5"} and {r["level"] for r in wide} == {"0.9"}
    for narrow, broad in zip(rows, wide):
        assert float(broad["lower"]) < float(narrow["lower"]) < float(narrow["upper"]) < float(broad["upper"])


def test_a_model_without_calibration_or_domain_check_leaves_those_cells_empty(bare):
    rows = rows_of("--model", "tim", "--model", bare, *PEOPLE)
    old = [r for r in rows if r["model"] == bare]
    assert len(old) == 2
    assert all(r[key] == "" for r in old for key in ("level", "lower", "upper", "in_domain"))
    assert all(r["imputed"] == "0" and r["prediction"] != "" for r in old)
    assert all(r["level"] == "0.9" and r["in_domain"] in ("false", "true") for r in rows if r["model"] == "tim")


def test_no_header_drops_only_the_header():
    with_header = run_cli("compare", "--model", "tim", *PEOPLE, "--format", "csv").stdout.splitlines()
    without = run_cli("compare", "--model", "tim", *PEOPLE, "--format", "csv", "--no-header").stdout.splitlines()
    assert with_header[0].split(",")[-len(CAVEATS):] == CAVEATS
    assert without == with_header[1:]
