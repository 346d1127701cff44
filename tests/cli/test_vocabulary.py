"""One vocabulary across commands (issue 22): --kind for the kind of model, --model only for a saved model,
--folds (-k) for the fold count; the old spellings still work for one release with a one-line note. Errors
that help: a feature the model does not take, a misspelt option, the default save name. One set of column
names for single and batch predict, booleans true/false in every CSV."""

import csv
import io
import json

import pytest

from lifeexp_cli.model import store
from support.cli import run_cli

NETWORK = ["--hidden", "2", "--epochs", "2"]


def note(old: str, new: str) -> str:
    return f"{old} is now {new}; the old spelling goes in the next release"


@pytest.mark.parametrize("command", [["fit", "--out", "{tmp}/n.joblib"], ["cv", "--folds", "2"],
                                     ["select", "--candidates", "bmi,hiv", "--max-features", "1", "--folds", "2"]])
def test_the_old_model_kind_spelling_still_works_with_a_note(command, who_like_csv, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    features = [] if command[0] == "select" else ["--features", "bmi"]
    old = run_cli(*args, *features, "--data", who_like_csv, "--model", "mlp", *NETWORK, "--quiet")
    assert old.stderr.count(note("--model mlp", "--kind mlp")) == 1
    new = run_cli(*args, *features, "--data", who_like_csv, "--kind", "mlp", *NETWORK, "--quiet")
    assert "old spelling" not in new.stderr
    if command[0] == "fit":
        assert store.load(tmp_path / "n.joblib")["kind"] == "mlp"
    else:
        assert old.stdout == new.stdout


def test_the_old_fold_spelling_of_fit_still_works_with_a_note(who_like_csv, tmp_path):
    old = run_cli("fit", "-F", "bmi", "--data", who_like_csv, "--cv", "3", "--out", tmp_path / "a.joblib", "-q")
    assert note("--cv 3", "--folds 3") in old.stderr
    run_cli("fit", "-F", "bmi", "--data", who_like_csv, "-k", "3", "-o", tmp_path / "b.joblib", "-q")
    assert store.load(tmp_path / "a.joblib")["metrics"]["cv"] == store.load(tmp_path / "b.joblib")["metrics"]["cv"]


def test_compare_takes_folds_and_still_the_old_cv(who_like_csv):
    args = ["compare", "-m", "tim-bmi", "-m", "tom-gdp", "--data", who_like_csv, "--format", "json", "-q"]
    new = run_cli(*args, "--folds", "2")
    old = run_cli(*args, "--cv", "2")
    assert note("--cv 2", "--folds 2") in old.stderr and "old spelling" not in new.stderr
    assert json.loads(old.stdout) == json.loads(new.stdout)


def test_the_old_spellings_are_hidden_from_help():
    for command, hidden in (("fit", "--cv"), ("compare", "--cv"), ("cv", "--model"), ("select", "--model")):
        text = run_cli(command, "--help", env={"COLUMNS": "200"}).stdout
        listed = {word.rstrip(",") for line in text.splitlines() if line.lstrip().startswith("-")
                  for word in line.split()[:2]}
        assert hidden not in listed and "--folds" in listed, command
    assert "--kind" in run_cli("fit", "--help").stdout


def test_plot_takes_kind_and_still_the_old_short_option(tmp_path):
    result = run_cli("plot", "-m", "tim-bmi", "-k", "loss", "-o", tmp_path / "p.png", code=None)
    assert note("-k loss", "--kind loss") in result.stderr


def test_a_known_feature_the_model_does_not_take_is_refused_naming_the_ones_it_takes():
    result = run_cli("predict", "--model", "tim", "--gdp", "5000", code=2)
    assert "--gdp is not a feature of this model" in result.stderr
    assert "takes --bmi, --adult-mortality, --hiv-aids" in result.stderr


def test_a_misspelt_option_gets_did_you_mean():
    result = run_cli("predict", "--model", "tom", "--schoolin", "12", code=2)
    assert "no such option --schoolin: did you mean --schooling?" in result.stderr
    level = run_cli("predict", "--model", "tom", "--levl", "0.5", code=2)
    assert "did you mean --level" in level.stderr
    fit = run_cli("fit", "-F", "bmi", "--fold", "3", code=2)
    assert "--folds" in fit.stderr


def test_fit_under_the_default_name_says_predict_now_uses_it(who_like_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("LIFEEXP_MODELS", str(tmp_path))
    result = run_cli("fit", "-F", "bmi", "--data", who_like_csv)
    assert f"Saved {tmp_path / 'model.joblib'}: the default model, which `lifeexp predict` now uses" in result.stderr
    named = run_cli("fit", "-F", "bmi", "--data", who_like_csv, "--name", "mine")
    assert "default model" not in named.stderr


def test_single_and_batch_predict_name_their_columns_alike():
    person = ["--model", "tim", "--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"]
    single = list(csv.DictReader(io.StringIO(run_cli("predict", *person, "--format", "csv").stdout)))
    batch = list(csv.DictReader(io.StringIO(run_cli("predict", "--model", "tim", "--input", "-",
                                                    input="bmi,adult_mortality,hiv\n24.1,53,0.1\n").stdout)))
    added = ["predicted_life_expectancy", "lower_life_expectancy", "upper_life_expectancy", "in_domain"]
    assert list(single[0])[-4:] == added and list(batch[0])[-4:] == added
    assert {k: single[0][k] for k in added} == {k: batch[0][k] for k in added}
    assert single[0]["in_domain"] == "true"
    one = json.loads(run_cli("predict", *person, "--format", "json").stdout)[0]
    many = json.loads(run_cli("predict", "--model", "tim", "--input", "-", "--format", "json",
                              input="bmi,adult_mortality,hiv\n24.1,53,0.1\n").stdout)[0]
    assert one["predicted_life_expectancy"] == many["predicted_life_expectancy"]
    assert one["interval"] == many["interval"] and one["domain"] == many["domain"]


@pytest.mark.parametrize("values", [("24", "53", "0.1"), ("24.0", "+53", "1"), ("24.1", "53.50", "0")])
def test_single_predict_echoes_its_inputs_as_batch_predict_does(values):
    """A value written as an integer is echoed as one (JSON has one number type: `53`, not `53.0`), a
    decimal as a decimal, in JSON as in CSV; the prediction is the same number either way."""
    bmi, mortality, hiv = values
    person = ["--model", "tim", "--bmi", bmi, "--adult-mortality", mortality, "--hiv", hiv]
    rows = f"bmi,adult_mortality,hiv_aids\n{bmi},{mortality},{hiv}\n"
    one = run_cli("predict", *person, "--format", "json").stdout
    many = run_cli("predict", "--model", "tim", "--input", "-", "--format", "json", input=rows).stdout
    one, many = json.loads(one)[0], json.loads(many)[0]
    for name in ("bmi", "adult_mortality", "hiv_aids"):
        assert (one[name], type(one[name])) == (many[name], type(many[name])), name
    assert one["predicted_life_expectancy"] == many["predicted_life_expectancy"]
    single = run_cli("predict", *person, "--format", "csv").stdout.splitlines()[1]
    batch = run_cli("predict", "--model", "tim", "--input", "-", input=rows).stdout.splitlines()[1]
    assert single.split(",")[:3] == [json.dumps(one[name]) for name in ("bmi", "adult_mortality", "hiv_aids")]
    assert batch.split(",")[:3] == [bmi, mortality, hiv]  # batch CSV: the line as it came
    assert single.split(",")[3:] == batch.split(",")[3:]


def test_batch_json_names_the_features_that_make_a_row_unusual():
    single = json.loads(run_cli("predict", "--model", "tim", "--bmi", "70", "--adult-mortality", "20", "--hiv", "40",
                                "--format", "json").stdout)[0]
    batch = json.loads(run_cli("predict", "--model", "tim", "--input", "-", "--format", "json",
                               input="bmi,adult_mortality,hiv\n70,20,40\n24.1,53,0.1\n").stdout)
    assert batch[0]["domain"]["in_domain"] is False and batch[0]["domain"]["features"]
    assert batch[0]["domain"]["features"] == single["domain"]["features"]
    assert batch[1]["domain"]["features"] == []


def test_predict_help_lists_the_feature_options_of_the_model_given(tmp_path, who_like_csv):
    text = run_cli("predict", "--model", "tom", "--help", env={"COLUMNS": "80"}).stdout
    section = text.split("Features of model tom:", 1)[1]
    assert "--gdp FLOAT" in section and "unit: USD" in section and "Training range 1.681 to" in section
    assert "--schooling, --school, --education FLOAT" in section and "--bmi" not in section
    run_cli("fit", "-F", "bmi,hiv", "--data", who_like_csv, "--out", tmp_path / "mine.joblib", "-q")
    mine = run_cli("predict", "-m", tmp_path / "mine.joblib", "--help").stdout
    assert f"Features of model {tmp_path / 'mine.joblib'}:" in mine and "--hiv-aids, --hiv" in mine
    assert "predict --model M --help lists" in run_cli("predict", "--help").stdout
    assert "no model 'nope'" in run_cli("predict", "--model", "nope", "--help").stdout


def test_predict_help_reads_the_model_without_numpy():
    import subprocess
    import sys

    code = ("import sys\nfrom lifeexp_cli.cli.main import app\n"
            "try:\n    app(['predict', '--model', 'tom', '--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'pandas', 'joblib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "Features of model tom:" in done.stdout and done.stdout.splitlines()[-1] == "[]", done.stderr
