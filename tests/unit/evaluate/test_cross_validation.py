"""Country-grouped folds, `lifeexp cv` against an independent computation, and the paired verdict of
`lifeexp compare`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import comparison as paired_comparison
from lifeexp_cli.prep import splits
from lifeexp_cli.cli.main import app

TIM = ["bmi", "adult_mortality", "hiv_aids"]
TOM = ["gdp", "income_composition_of_resources", "schooling"]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def who_design(data_path, features=TIM):
    return dataset.design(dataset.read_table(str(data_path)), features, "life_expectancy")


def test_every_country_is_in_exactly_one_test_fold(data_path):
    design = who_design(data_path)
    folds = splits.kfold(design.groups, 5, "country", seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(design.y)))
    fold_of = {}
    for i, test in enumerate(folds):
        for country in set(design.groups[test]):
            assert fold_of.setdefault(country, i) == i, f"{country} is in two test folds"
    assert len(fold_of) == len(set(design.groups)) == 183
    again = splits.kfold(design.groups, 5, "country", seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(folds, again))
    other = splits.kfold(design.groups, 5, "country", seed=1)
    assert not all(np.array_equal(a, b) for a, b in zip(folds, other))


def independent_grouped_cv(data_path, k=5, seed=0) -> list[float]:
    """Per-fold RMSE computed from the raw CSV with pandas and numpy.linalg.lstsq, mean imputation per fold."""
    raw = pd.read_csv(data_path)
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw[raw["Life expectancy"].notna()].reset_index(drop=True)
    X = raw[["BMI", "Adult Mortality", "HIV/AIDS"]]
    y = raw["Life expectancy"].to_numpy()
    countries = np.unique(raw["Country"].astype(str))  # the documented fold recipe: shuffle countries, cut in k
    order = np.random.default_rng(seed).permutation(len(countries))
    fold_of_country = {countries[i]: f for f, chunk in enumerate(np.array_split(order, k)) for i in chunk}
    fold = raw["Country"].astype(str).map(fold_of_country).to_numpy()
    rmses = []
    for f in range(k):
        train, test = fold != f, fold == f
        means = X[train].mean()
        A = np.column_stack([np.ones(train.sum()), X[train].fillna(means).to_numpy()])
        theta = np.linalg.lstsq(A, y[train], rcond=None)[0]
        pred = np.column_stack([np.ones(test.sum()), X[test].fillna(means).to_numpy()]) @ theta
        rmses.append(float(np.sqrt(np.mean((pred - y[test]) ** 2))))
    return rmses


def test_cv_matches_an_independent_computation(data_path):
    result = run("cv", "--features", "bmi,adult_mortality,hiv", "--solver", "lstsq", "--impute", "mean",
                 "--folds", "5", "--seed", "0", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    expected = independent_grouped_cv(data_path)
    assert doc["rmse"] == pytest.approx(np.mean(expected), abs=1e-9)
    assert [f["rmse"] for f in doc["folds"]] == pytest.approx(expected, abs=1e-9)
    assert doc["rmse_std"] == pytest.approx(np.std(expected, ddof=1), abs=1e-9)
    assert doc["features"] == TIM and doc["split"] == "country" and doc["k"] == 5
    assert sum(f["test_groups"] for f in doc["folds"]) == 183
    assert sum(f["test_rows"] for f in doc["folds"]) == doc["rows"] == 2928


def test_cv_takes_the_fit_options():
    base = json.loads(run("cv", "-F", "gdp,income,schooling", "--format", "json").stdout)
    scaled = json.loads(run("cv", "-F", "gdp,income,schooling", "--scale", "standard", "--solver", "normal",
                            "--format", "json").stdout)
    assert scaled["spec"]["scale"] == "standard" and scaled["spec"]["solver"] == "normal"
    assert scaled["rmse"] == pytest.approx(base["rmse"], rel=1e-9)  # scaling never changes OLS predictions
    origin = json.loads(run("cv", "-F", "gdp,income,schooling", "--no-intercept", "--impute", "median",
                            "--format", "json").stdout)
    assert origin["spec"]["intercept"] is False and origin["spec"]["impute"] == "median"
    assert origin["rmse"] > base["rmse"]
    rows = run("cv", "-F", "bmi", "--split", "random", "--format", "csv").stdout.splitlines()
    assert rows[0] == "fold,test_rows,test_groups,train_rows,rmse,mae,r2"
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3", "4", "5", "mean", "std"]
    table = run("cv", "-F", "bmi,adult_mortality,hiv")
    assert "CV RMSE 5.895 ±" in table.stdout


def test_more_folds_than_countries_is_a_usage_error(tmp_path, data_path):
    csv = tmp_path / "three.csv"
    csv.write_text("country,x,life_expectancy\n" + "".join(f"c{i % 3},{i},{2 * i + 1}\n" for i in range(12)))
    for args in (["cv", "-F", "x", "--data", str(csv), "--folds", "5"],
                 ["select", "--data", str(csv), "--folds", "5"],
                 ["compare", "-m", "tim", "-m", "tom", "--cv", "500", "--data", str(data_path)]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("Error:") and result.stderr.count("\n") == 1
        assert "countries" in result.stderr and "fewer folds" in result.stderr


def test_paired_verdict_tie_and_clear_cases():
    best = np.array([5.0, 6.0, 5.5, 7.0, 6.5])
    # Worse on average by 0.2 but the per-fold difference swings by much more: a tie.
    tie = best + np.array([0.9, -0.6, 0.8, -0.5, 0.4])
    # Worse by 0.5 in every fold give or take 0.05: clear, though the folds themselves spread by 0.8.
    clear = best + np.array([0.5, 0.55, 0.45, 0.5, 0.5])
    ranked = paired_comparison.rank({"a": best, "tie": tie, "clear": clear})
    assert ranked["best"] == "a" and ranked["order"] == ["a", "tie", "clear"]
    by = {v["model"]: v for v in ranked["versus"]}
    assert by["tie"]["difference"] == pytest.approx(0.2)
    assert by["tie"]["spread"] == pytest.approx(np.std([0.9, -0.6, 0.8, -0.5, 0.4], ddof=1))
    assert not by["tie"]["clear"] and by["clear"]["clear"]
    assert ranked["ties"] == ["tie"] and not ranked["clear"]
    # Unpaired, the same 0.5 gap is within the models' own fold-to-fold spread: no winner.
    assert not paired_comparison.difference(best, clear, paired=False)["clear"]
    assert paired_comparison.rank({"a": best, "clear": clear})["clear"]


def test_compare_cv_is_paired_and_declines_to_name_a_winner_between_tim_and_tom():
    result = run("compare", "--model", "tim", "--model", "tom", "--cv", "5", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    comparison = doc["comparison"]
    assert comparison["paired"] and comparison["best"] == "tim" and not comparison["clear"]
    tim, tom = doc["models"]
    gap = np.array(tom["cv_fold_rmse"]) - np.array(tim["cv_fold_rmse"])
    assert comparison["versus"][0]["difference"] == pytest.approx(gap.mean(), abs=1e-12)
    assert comparison["versus"][0]["spread"] == pytest.approx(gap.std(ddof=1), abs=1e-12)
    assert abs(gap.mean()) < gap.std(ddof=1)
    assert doc["verdict"].startswith("No clear winner between tim")
    assert tim["cv_rmse"] == pytest.approx(json.loads(run("cv", "-F", "bmi,adult_mortality,hiv", "--format",
                                                          "json").stdout)["rmse"], abs=1e-12)


def test_compare_names_a_winner_only_when_the_gap_beats_the_spread():
    doc = json.loads(run("compare", "--model", "tim", "--model", "tim-bmi", "--format", "json").stdout)
    assert doc["comparison"]["clear"] and doc["comparison"]["paired"]
    assert doc["verdict"].startswith("Most accurate: tim (")
    default = run("compare")
    assert default.exit_code == 0 and "No clear winner" in default.stdout


def test_compare_reads_data_only_with_cv():
    result = run("compare", "--data", "x.csv")
    assert result.exit_code == 2 and "--cv" in result.stderr


def test_compare_without_cv_does_not_load_pandas():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom lifeexp_cli.cli.main import app\n"
            "r = CliRunner().invoke(app, ['compare'])\nassert r.exit_code == 0, r.stderr\n"
            "print(sorted(m for m in ('pandas', 'joblib', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
