"""`lifeexp compare` at 80 columns: the answer is the first line under the table, the verdict at most 8
lines, one table line per model; JSON's answer and the intervals of the accuracy differences; --explain
holds the rest; --png draws the picture; a six-feature model makes the models disagree."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from lifeexp_cli.cli import render, verdict
from lifeexp_cli.model import store
from support.cli import run_cli

PNG = b"\x89PNG\r\n\x1a\n"
SIX = "bmi,adult_mortality,hiv,gdp,income_composition_of_resources,schooling"


def compare(*args: str, code: int = 0, columns: int = 80):
    """compare at `columns` columns (the consoles take their width from $COLUMNS when they are made)."""
    before = dict(render._consoles)
    render._consoles.clear()
    try:
        return run_cli("compare", *args, env={"COLUMNS": str(columns)}, code=code)
    finally:
        render._consoles.clear()
        render._consoles.update(before)


def split(stdout: str) -> tuple[list[str], list[str]]:
    """The table's lines (title to bottom border) and the lines under it."""
    lines = stdout.splitlines()
    bottom = next(i for i, line in enumerate(lines) if line.startswith("└"))
    return lines[: bottom + 1], lines[bottom + 1:]


def body(table: list[str]) -> list[str]:
    return [line for line in table if line.startswith("│")]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_shipped_models_answer_cannot_tell_first_within_8_lines_of_80_columns():
    done = compare()
    assert done.stderr == ""  # no caveat for Tim and Tom, and every shipped model has intervals
    table, below = split(done.stdout)
    assert all(len(line) <= 80 for line in done.stdout.splitlines())
    assert [line.split("│")[1].strip() for line in body(table)] == ["tim-bmi", "tom-gdp", "tim", "tom"]
    assert "±" not in done.stdout and "(52–79)" in table[4]  # tim-bmi's Tim: 65.4 (52–79)
    assert below[0].startswith("Cannot tell who lives longer") and len(below[0]) <= 100
    assert len(below) <= 8 and below[-1] == verdict.EXPLAIN_LINE
    assert any("country-year averages" in line for line in below)
    assert "+0.44 [-0.49, 1.37] tie" in done.stdout  # vs best: the interval of the mean difference


def test_json_carries_the_answer_and_every_versus_interval():
    doc = json.loads(compare("--format", "json").stdout)
    assert doc["answer"]["longer"] is None and doc["answer"]["reason"] == "disagree"
    assert doc["answer"]["text"].startswith("Cannot tell who lives longer")
    versus = doc["comparison"]["versus"]
    assert len(versus) == 3
    for v in versus:
        assert v["lower"] < v["difference"] < v["upper"] and v["method"] == "paired-t" and v["df"] == 4
    assert doc["verdict"].startswith(doc["answer"]["text"]) and isinstance(doc["caveats"], list)
    rows = list(csv.DictReader(io.StringIO(compare("--format", "csv").stdout)))
    tom = next(row for row in rows if row["model"] == "tom")
    by = {v["model"]: v for v in versus}
    assert float(tom["worse_lower"]) == pytest.approx(by["tom"]["lower"], rel=1e-12)
    assert float(tom["worse_upper"]) == pytest.approx(by["tom"]["upper"], rel=1e-12)


def test_three_models_with_a_long_path_keep_one_line_each(tmp_path):
    folder = tmp_path / "a-folder-with-a-rather-long-name" / "and-another-one-below-it"
    folder.mkdir(parents=True)
    path = folder / "six-features.joblib"
    shutil.copyfile(store.resolve("tom"), path)
    done = compare("-m", "tim", "-m", "tom-gdp", "-m", str(path))
    table, below = split(done.stdout)
    assert all(len(line) <= 80 for line in done.stdout.splitlines())
    assert [line.split("│")[1].strip() for line in body(table)] == ["tim", "tom-gdp", "six-features"]
    assert below[0].startswith("Cannot tell who lives longer") and len(below) <= 8
    wide = compare("-m", "tim", "-m", "tom-gdp", "-m", str(path), "--explain", columns=2000)  # the path whole
    explained = " ".join(wide.stdout.split())
    assert f"- six-features ({path}): gdp, income_composition_of_resources, schooling." in explained


def test_explain_adds_the_rest_and_stderr_sums_up_the_caveats():
    people = ["--person", "ann:bmi=22,hiv=0.1", "--person", "bob:bmi=70,hiv=30"]
    plain = compare("-m", "tim", "-m", "tom", *people)
    warnings = [" ".join(w.split()) for w in ("\n" + plain.stderr).split("\nWarning: ")[1:]]  # wrapped at 80
    assert len(warnings) == 3 and plain.stderr.startswith("Warning: ")
    # tom takes neither bmi nor hiv: it cannot tell ann from bob, and has no say in who lives longer
    assert warnings[0] == ("tom takes none of the inputs in which ann and bob differ: it predicts the same for "
                           "both, and is left out of who lives longer")
    assert "ann, bob" in warnings[1] and "training means" in warnings[1] and "--explain" in warnings[1]
    assert "bob" in warnings[2] and "unlike the training data" in warnings[2]
    assert "per fold" not in plain.stdout and "Caveats" not in plain.stdout
    explained = compare("-m", "tim", "-m", "tom", *people, "--explain")
    assert explained.stderr == ""  # --explain words every caveat on stdout instead
    text = " ".join(explained.stdout.split())
    assert "per fold" in text and "tom: 3 of ann's 3 inputs are training means" in text
    assert "tim: bob's inputs are unlike the training data" in text
    _, below = split(explained.stdout)
    assert below[0] == split(plain.stdout)[1][0]  # the answer stays first


def test_png_draws_the_picture_titled_with_the_answer(tmp_path):
    done = compare("--png", "compare.png", "--format", "json")
    assert (tmp_path / "compare.png").read_bytes()[:8] == PNG
    assert done.stderr.strip() == "Wrote compare.png"
    assert json.loads(done.stdout)["answer"]["longer"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare.png"]
    for wrong, says in ((str(tmp_path), "is a directory"), ("compare.txt", "must name a .png file")):
        refused = compare("--png", wrong, code=2)  # one error line, nothing on stdout
        said = " ".join(refused.stderr.split())  # one error, wrapped at 80 columns
        assert refused.stdout == "" and said.startswith(f"Error: --png {wrong} {says}")


def test_a_model_on_all_six_features_makes_the_models_disagree(who_env, tmp_path):
    run_cli("fit", "--features", SIX, "--folds", "5", "--out", tmp_path / "six.joblib", "--quiet")
    done = compare("-m", "tim", "-m", "tom", "-m", str(tmp_path / "six.joblib"), "--format", "json")
    doc = json.loads(done.stdout)
    assert doc["answer"]["longer"] is None and doc["answer"]["reason"] == "disagree"
    assert doc["answer"]["text"] == verdict.DISAGREE
    views = {v["model"]: v for v in doc["answer"]["views"]}
    six = views[str(tmp_path / "six.joblib")]
    assert six["upper"] < 0 < views["tim"]["lower"]  # Tom longer under six, Tim under tim: opposite sides
    table = compare("-m", "tim", "-m", "tom", "-m", str(tmp_path / "six.joblib")).stdout
    assert split(table)[1][0] == verdict.DISAGREE
