"""`lifeexp fit --se`: the coefficient table with standard errors, the record's "inference", the default
(clustered by country when the data has countries), streamed fits, bad options and damaged files."""

from __future__ import annotations

import json
import pickle

import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app
from lifeexp_cli.errors import ModelError
from lifeexp_cli.model import store

TIM = "bmi,adult_mortality,hiv"


def fit(csv, tmp_path, *extra, code=0):
    result = CliRunner().invoke(app, ["fit", "--data", str(csv), "--features", TIM, "--out",
                                      str(tmp_path / "m.joblib"), *extra])
    assert result.exit_code == code, result.output
    return result


def fit_json(csv, tmp_path, *extra):
    return json.loads(fit(csv, tmp_path, "--format", "json", "--quiet", *extra).stdout)


@pytest.fixture
def no_country_csv(who_like_csv, tmp_path):
    lines = who_like_csv.read_text().splitlines()
    path = tmp_path / "no_country.csv"
    path.write_text("\n".join(",".join(line.split(",")[1:]) for line in lines) + "\n")
    return path


def test_default_is_clustered_by_country_and_the_table_says_why(who_like_csv, tmp_path):
    doc = fit_json(who_like_csv, tmp_path)
    inference = doc["inference"]
    assert inference["se_type"] == "cluster" and inference["clusters"] == 25 and inference["level"] == 0.95
    assert list(inference["coefficients"]) == ["intercept", "bmi", "adult_mortality", "hiv_aids"]
    for term, stats in inference["coefficients"].items():
        assert stats["estimate"] == pytest.approx(doc["coefficients"][term], rel=1e-12)
        assert stats["ci_low"] < stats["estimate"] < stats["ci_high"] and stats["se"] > 0 and 0 <= stats["p"] <= 1
    for key in ("r2_adj", "f_stat", "f_p", "log_likelihood", "aic", "bic"):
        assert isinstance(inference[key], float), key
    table = fit(who_like_csv, tmp_path).stdout
    assert "95% CI" in table and "Standard errors: clustered by country (25 countries" in table
    assert "classical SEs would be too small" in table
    saved = store.load(str(tmp_path / "m.joblib"))
    assert saved["inference"] == inference and saved["coefficient_covariance"]["df"] == 24


def test_csv_output_has_raw_numbers_per_term(who_like_csv, tmp_path):
    lines = fit(who_like_csv, tmp_path, "--format", "csv", "--se", "hc3").stdout.splitlines()
    assert lines[0] == "term,coefficient,se,t,p,ci_low,ci_high" and len(lines) == 5


def test_without_a_country_column_the_default_is_classical(no_country_csv, tmp_path):
    doc = fit_json(no_country_csv, tmp_path)
    assert doc["inference"]["se_type"] == "classical" and doc["inference"]["clusters"] is None
    assert "no country column" in fit(no_country_csv, tmp_path).stdout
    result = fit(no_country_csv, tmp_path, "--se", "cluster", code=2)
    assert "--se cluster needs a country column" in result.output


def test_bad_se_and_network_se_are_usage_errors_that_write_nothing(who_like_csv, tmp_path):
    result = fit(who_like_csv, tmp_path, "--se", "robust", code=2)
    assert result.output.strip().splitlines() == ["Error: --se must be one of cluster, classical, hc3, got 'robust'"]
    result = fit(who_like_csv, tmp_path, "--kind", "mlp", "--se", "hc3", code=2)
    assert "--se applies to linear models" in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_a_network_has_null_inference(who_like_csv, tmp_path):
    doc = fit_json(who_like_csv, tmp_path, "--kind", "mlp", "--epochs", "3", "--hidden", "4")
    assert doc["inference"] is None


@pytest.mark.parametrize("se", ["cluster", "classical", "hc3"])
def test_streamed_inference_equals_the_in_memory_one_and_counts_its_pass(who_like_csv, tmp_path, se):
    memory = fit_json(who_like_csv, tmp_path, "--se", se)
    streamed = fit_json(who_like_csv, tmp_path, "--se", se, "--stream", "--chunk-rows", "37")
    # classical SEs need no pass of their own; the interval calibration's pass serves hc3 and cluster too
    assert streamed["streamed"]["passes"] == 2
    a, b = memory["inference"], streamed["inference"]
    assert a["clusters"] == b["clusters"]
    for term in a["coefficients"]:
        for key, value in a["coefficients"][term].items():
            assert b["coefficients"][term][key] == pytest.approx(value, rel=1e-9, abs=1e-300), (term, key)
    for key in ("r2_adj", "f_stat", "f_p", "log_likelihood", "aic", "bic"):
        assert b[key] == pytest.approx(a[key], rel=1e-9), key


def test_streamed_from_stdin_falls_back_to_classical_or_refuses(who_like_csv, tmp_path):
    text = who_like_csv.read_text()
    out = str(tmp_path / "m.joblib")
    result = CliRunner().invoke(app, ["fit", "--data", "-", "--features", TIM, "--stream", "--out", out,
                                      "--format", "json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inference"]["se_type"] == "classical"
    assert "read once: the standard errors are classical" in result.stderr
    result = CliRunner().invoke(app, ["fit", "--data", "-", "--features", TIM, "--stream", "--se", "cluster",
                                      "--out", out], input=text)
    assert result.exit_code == 2 and "--se cluster with --stream reads the data a second time" in result.output


def damaged(record: dict, tmp_path, change) -> str:
    change(record)
    path = tmp_path / "damaged.joblib"
    path.write_bytes(pickle.dumps(record, protocol=4))
    return str(path)


@pytest.mark.parametrize("change", [
    lambda r: r["inference"].update(se_type="robust"),
    lambda r: r["inference"].update(level=1.5),
    lambda r: r["inference"].update(clusters=1),
    lambda r: r["inference"]["coefficients"].pop("bmi"),
    lambda r: r["inference"]["coefficients"]["bmi"].update(se=-1.0),
    lambda r: r["inference"]["coefficients"]["bmi"].update(p="0.5"),
    lambda r: r["inference"].update(aic=[1]),
    lambda r: r["coefficient_covariance"]["matrix"].pop(),
    lambda r: r["coefficient_covariance"].update(df=0),
    lambda r: r.update(inference="yes"),
], ids=range(10))
def test_a_damaged_inference_is_refused_at_load(who_like_csv, tmp_path, change):
    fit(who_like_csv, tmp_path, "--quiet")
    record = pickle.loads((tmp_path / "m.joblib").read_bytes())
    with pytest.raises(ModelError, match="damaged"):
        store.load(damaged(record, tmp_path, change))


def test_a_model_file_without_inference_still_loads(who_like_csv, tmp_path):
    fit(who_like_csv, tmp_path, "--quiet")
    record = pickle.loads((tmp_path / "m.joblib").read_bytes())
    path = damaged(record, tmp_path, lambda r: (r.pop("inference"), r.pop("coefficient_covariance")))
    assert "inference" not in store.load(path)
    result = CliRunner().invoke(app, ["predict", "--model", path, "--bmi", "22", "--format", "json"])
    assert result.exit_code == 0, result.output
