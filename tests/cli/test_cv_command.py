"""`lifeexp cv` against an independent computation on the WHO file, and the paired verdict of `lifeexp compare`."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest

from support.cli import run_cli


TIM = ["bmi", "adult_mortality", "hiv_aids"]


run = partial(run_cli, code=None)  # the tests check the exit code


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


def test_cv_matches_an_independent_computation(data_path, who_env):
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


def test_cv_takes_the_fit_options(who_env):
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
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]  # folds only
    table = run("cv", "-F", "bmi,adult_mortality,hiv")
    assert "CV RMSE 5.895 ±" in table.stdout


def test_more_folds_than_countries_is_a_usage_error(tmp_path, data_path):
    csv = tmp_path / "three.csv"
    csv.write_text("country,x,life_expectancy\n" + "".join(f"c{i % 3},{i},{2 * i + 1}\n" for i in range(12)))
    for args in (["cv", "-F", "x", "--data", str(csv), "--folds", "5"],
                 ["select", "--data", str(csv), "--folds", "5"],
                 ["compare", "-m", "tim", "-m", "tom", "--folds", "500", "--data", str(data_path)]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("Error:") and result.stderr.count("\n") == 1
        assert "countries" in result.stderr and "fewer folds" in result.stderr


def test_compare_cv_is_paired_and_declines_to_name_a_winner_between_tim_and_tom(who_env):
    result = run("compare", "--model", "tim", "--model", "tom", "--folds", "5", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    comparison = doc["comparison"]
    assert comparison["paired"] and comparison["best"] == "tim" and not comparison["clear"]
    tim, tom = doc["models"]
    gap = np.array(tom["cv_fold_rmse"]) - np.array(tim["cv_fold_rmse"])
    assert comparison["versus"][0]["difference"] == pytest.approx(gap.mean(), abs=1e-12)
    assert comparison["versus"][0]["spread"] == pytest.approx(gap.std(ddof=1), abs=1e-12)
    assert abs(gap.mean()) < gap.std(ddof=1)
    t = 2.7764451051977987  # Student's t, 0.975 quantile, 4 degrees of freedom (tables)
    half = t * gap.std(ddof=1) / np.sqrt(5)
    assert (comparison["versus"][0]["lower"], comparison["versus"][0]["upper"]) == pytest.approx(
        (gap.mean() - half, gap.mean() + half), abs=1e-9)
    assert "Cannot tell which is more accurate: tim (CV RMSE" in doc["verdict"]
    assert tim["cv_rmse"] == pytest.approx(json.loads(run("cv", "-F", "bmi,adult_mortality,hiv", "--format",
                                                          "json").stdout)["rmse"], abs=1e-12)


def test_compare_names_a_winner_only_when_the_gap_beats_the_spread():
    doc = json.loads(run("compare", "--model", "tim", "--model", "tim-bmi", "--format", "json").stdout)
    assert doc["comparison"]["clear"] and doc["comparison"]["paired"]
    assert "Most accurate: tim (CV RMSE" in doc["verdict"]
    default = run("compare")
    assert default.exit_code == 0 and "Cannot tell which is more accurate" in " ".join(default.stdout.split())


def test_compare_reads_data_only_with_cv():
    result = run("compare", "--data", "x.csv")
    assert result.exit_code == 2 and "--folds" in result.stderr


HOUSES = ("size_m2,rooms,age,price\n50,2,10,100\n,3,,150\n80,,5,180\n120,4,30,\n65,2,12,130\n70,3,8,140\n"
          "90,3,20,170\n100,4,25,200\n")


def test_cv_and_select_on_a_file_without_countries_say_rows_and_no_unit(tmp_path):
    """On a CSV with no country column and a target of its own, `cv` said "5-fold cross-validation by
    countries", counted "test countries", and gave the price's RMSE in years; `select` said "folds by
    countries" and "years" too."""
    data = tmp_path / "houses.csv"
    data.write_text(HOUSES)
    table = run_cli("cv", "--data", data, "--target", "price", "--features", "rooms,age").stdout
    assert "5-fold cross-validation by rows (the data has no country column): price ~ rooms, age" in table
    assert "countries" not in table.replace("no country column", "") and "years" not in table
    assert table.rstrip().splitlines()[-1].startswith("CV RMSE 35.527 ± 38.705 over 5 folds (seed 0;")
    doc = json.loads(run_cli("cv", "--data", data, "--target", "price", "--features", "rooms,age",
                             "--format", "json").stdout)
    assert doc["split"] == "country" and doc["folds_by"] == "row"
    chosen = run_cli("select", "--data", data, "--target", "price").stdout
    assert "folds by rows (the data has no country column)" in chosen and "years" not in chosen
    assert json.loads(run_cli("select", "--data", data, "--target", "price", "--format", "json").stdout)["folds_by"] \
        == "row"


def test_cv_on_the_who_file_holds_countries_and_speaks_in_years(who_env):
    out = run_cli("cv", "--features", "bmi").stdout
    assert "5-fold cross-validation by countries: life_expectancy ~ bmi" in out
    assert "CV RMSE 7.964 ± 0.277 years over 5 folds" in out
    assert json.loads(run_cli("cv", "--features", "bmi", "--format", "json").stdout)["folds_by"] == "country"
    assert json.loads(run_cli("cv", "--features", "bmi", "--split", "random", "--format", "json").stdout)[
        "folds_by"] == "row"


def test_an_r2_without_a_value_is_a_dash_in_the_table_as_null_in_json(tmp_path):
    """A fold of one row has no R² (no spread to explain): the table showed `nan`, and `nan ± nan` for the
    mean, where JSON has null."""
    data = tmp_path / "houses.csv"
    data.write_text(HOUSES)
    args = ("cv", "--data", data, "--target", "price", "--features", "rooms,age")
    doc = json.loads(run_cli(*args, "--format", "json").stdout)
    undefined = [f["fold"] for f in doc["folds"] if f["r2"] is None]
    assert undefined and doc["r2"] is None
    table = run_cli(*args).stdout
    assert "nan" not in table
    cells = {line.split("│")[1].strip(): line.split("│")[-2].strip() for line in table.splitlines() if "│" in line}
    assert all(cells[str(fold)] == "—" for fold in undefined) and cells["mean ± std"] == "—"
