"""A new user's first commands: `data install` and `data where`, the data order (--data, $LIFEEXP_DATA,
installed copy), `predict` without --model (the shipped model taking exactly the features given), and
where one's own models live (./models/ or $LIFEEXP_MODELS; a shipped model is never rewritten).

Data-free: a synthetic CSV shaped like the WHO file (its 22 columns, 2938 rows). XDG_DATA_HOME is a
temporary folder in every test (conftest), so nothing touches the real home.
"""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path

import pytest

from lifeexp_cli.data import catalog, location
from lifeexp_cli.model import shipped, store
from support.cli import run_cli


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)
    monkeypatch.setenv("COLUMNS", "2000")  # wide enough that no table and no message wraps


run = partial(run_cli, code=None)  # the tests check the exit code


def error_line(result, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def who_shaped(path: Path, rows: int = catalog.WHO_ROWS, drop: str | None = None, bmi: float = 20.0) -> Path:
    columns = [c for c in catalog.WHO_COLUMNS if c != drop]
    lines = [",".join(columns)]
    for i in range(rows):
        cells = {c: str(i % 7 + 1) for c in columns}
        cells.update(country=f"C{i // 16}", status="Developing", bmi=str(bmi + i % 5),
                     life_expectancy=str(60 + i % 11))
        lines.append(",".join(cells[c] for c in columns))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_install_copies_checks_and_records_the_sha256(tmp_path):
    source = who_shaped(tmp_path / "Life Expectancy Data.csv")
    result = run("data", "install", source)
    assert result.exit_code == 0, result.stderr
    installed = location.installed_path()
    assert result.stdout.strip() == str(installed)
    assert installed.read_bytes() == source.read_bytes()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert location.checksum_path(installed).read_text() == f"{digest}  {installed.name}\n"
    assert "2938 rows" in result.stderr and digest in result.stderr
    again = run("data", "install", source)
    assert again.exit_code == 0 and "Replaced" in again.stderr


def test_every_command_then_reads_the_installed_copy_unless_told_otherwise(tmp_path, monkeypatch):
    run("data", "install", who_shaped(tmp_path / "who.csv", bmi=20.0))
    mean = lambda *extra: json.loads(run("data", "describe", "-F", "bmi", "-f", "json", *extra).stdout)[0]["mean"]
    assert mean() == pytest.approx(22.0, abs=0.01)
    other = who_shaped(tmp_path / "other.csv", bmi=30.0)
    assert mean("--data", other) == pytest.approx(32.0, abs=0.01)
    monkeypatch.setenv("LIFEEXP_DATA", str(other))
    assert mean() == pytest.approx(32.0, abs=0.01)


def test_where_says_which_data_and_why(tmp_path, monkeypatch):
    nothing = run("data", "where")
    assert nothing.exit_code == 0
    assert "Data: none" in nothing.stdout and "lifeexp data install FILE" in nothing.stdout
    run("data", "install", who_shaped(tmp_path / "who.csv"))
    doc = json.loads(run("data", "where", "-f", "json").stdout)
    installed = location.installed_path()
    assert doc["source"] == str(installed) and doc["from"] == "installed copy"
    assert doc["installed"] == {"path": str(installed), "present": True, "sha256_matches": True,
                                "sha256": hashlib.sha256(installed.read_bytes()).hexdigest()}
    text = run("data", "where").stdout
    assert f"Data: {installed}" in text and "the installed copy" in text and "still matches" in text
    monkeypatch.setenv("LIFEEXP_DATA", "mine.csv")
    assert json.loads(run("data", "where", "-f", "json").stdout)["from"] == "$LIFEEXP_DATA"
    assert "Why: given with --data" in run("data", "where", "--data", "x.csv").stdout
    installed.write_text(installed.read_text() + "extra,row\n")
    assert "CHANGED" in run("data", "where").stdout


@pytest.mark.parametrize("make, words", [
    (lambda p: who_shaped(p / "short.csv", rows=100), "has 100 rows, the WHO Life Expectancy dataset has 2938"),
    (lambda p: who_shaped(p / "nobmi.csv", drop="bmi"), "lacks the column bmi"),
    (lambda p: p / "absent.csv", "absent.csv does not exist: give the path of the downloaded CSV file"),
    (lambda p: p, "is a directory"),
])
def test_install_refuses_what_is_not_the_dataset_and_writes_nothing(tmp_path, make, words):
    line = error_line(run("data", "install", make(tmp_path)), 1)
    assert words in line
    assert not location.installed_path().parent.exists() or not any(location.installed_path().parent.iterdir())


def test_install_never_half_replaces_a_good_copy(tmp_path):
    run("data", "install", who_shaped(tmp_path / "who.csv"))
    before = location.installed_path().read_bytes()
    error_line(run("data", "install", who_shaped(tmp_path / "short.csv", rows=10)), 1)
    assert location.installed_path().read_bytes() == before
    assert sorted(p.name for p in location.installed_path().parent.iterdir()) == [
        "life_expectancy_who.csv", "life_expectancy_who.csv.sha256"]


def test_install_into_an_unwritable_folder_says_how_to_choose_another(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    line = error_line(run("data", "install", who_shaped(tmp_path / "who.csv")), 1)
    assert "XDG_DATA_HOME" in line


def test_no_data_error_names_the_three_places_and_the_command():
    line = error_line(run("fit", "--features", "bmi,hiv"), 2)
    for part in ("--data", "$LIFEEXP_DATA", "lifeexp data install FILE"):
        assert part in line


# --- predict without --model -----------------------------------------------------------------------

@pytest.mark.parametrize("args, name", [
    (["--bmi", "24.1"], "tim-bmi"), (["--height", "1.82", "--weight", "80"], "tim-bmi"), (["--gdp", "5000"], "tom-gdp"),
    (["--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"], "tim"),
    (["--gdp", "5000", "--income", "0.77", "--schooling", "15.5"], "tom"),
])
def test_predict_picks_the_shipped_model_taking_exactly_those_features(args, name):
    result = run("predict", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert f"Using the shipped model {name} " in result.stderr
    named = run("predict", "--model", str(store.shipped_dir() / f"{name}.joblib"), *args, "-f", "json")
    assert json.loads(result.stdout) == json.loads(named.stdout)


@pytest.mark.parametrize("args", [["--hiv", "3"], ["--bmi", "24", "--gdp", "5000"], ["--height", "1.8", "--weight", "80", "--gdp", "5000"], []])
def test_predict_with_no_matching_shipped_model_lists_them(args):
    line = error_line(run("predict", *args), 2)
    for name, features in shipped.catalogue():
        assert f"{name}: {', '.join(features)}" in line
    assert "--model" in line


def test_a_saved_model_named_model_comes_first(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.joblib").write_bytes((store.shipped_dir() / "tom-gdp.joblib").read_bytes())
    result = run("predict", "--gdp", "5000", "-f", "json")
    assert result.exit_code == 0 and "shipped" not in result.stderr


# --- your own models: ./models/ or $LIFEEXP_MODELS, never over a shipped one ------------------------

def test_lifeexp_models_is_where_models_are_saved_and_found(tmp_path, monkeypatch):
    data = who_shaped(tmp_path / "who.csv")
    monkeypatch.setenv("LIFEEXP_MODELS", str(tmp_path / "mine"))
    assert run("fit", "--data", data, "-F", "bmi", "--name", "tim-bmi", "-q").exit_code == 0
    assert (tmp_path / "mine" / "tim-bmi.joblib").is_file() and not (tmp_path / "models").exists()
    result = run("predict", "--model", "tim-bmi", "--bmi", "24", "-f", "json")
    assert result.exit_code == 0
    assert store.load("tim-bmi")["path"] == str(tmp_path / "mine" / "tim-bmi.joblib")


def test_fit_by_name_never_rewrites_a_shipped_model(tmp_path, monkeypatch):
    """In the repository's root ./models/ holds the shipped models: --name there must not replace one."""
    folder = tmp_path / "models"
    folder.mkdir()
    model = folder / "tim-bmi.joblib"
    model.write_bytes((store.shipped_dir() / "tim-bmi.joblib").read_bytes())
    monkeypatch.setattr(store, "shipped_dir", lambda: folder)
    before = model.read_bytes()
    line = error_line(run("fit", "--data", who_shaped(tmp_path / "who.csv"), "-F", "bmi", "--name", "tim-bmi"), 1)
    assert "is a shipped model" in line and "--name my-tim-bmi" in line
    assert model.read_bytes() == before
    assert run("fit", "--data", tmp_path / "who.csv", "-F", "bmi", "--name", "my-bmi", "-q").exit_code == 0


def test_a_model_saved_under_a_shipped_name_says_it_shadows_it(tmp_path):
    """`fit --name tim` saves ./models/tim.joblib, which `--model tim` and compare then load instead of the
    shipped tim: the fit says so (even with -q), and compare names the model of yours it compares."""
    data = who_shaped(tmp_path / "who.csv")
    result = run("fit", "--data", data, "-F", "gdp", "--name", "tim", "-q")
    assert result.exit_code == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("Warning: models/tim.joblib now shadows the shipped model tim") and "--name my-tim" in line
    assert store.shadowed("tim") == store.shipped_dir() / "tim.joblib"
    assert store.shadowed("tom") is None and store.shadowed("models/tim.joblib") is None

    compared = run("compare", "-f", "json")
    assert compared.exit_code == 0, compared.stderr
    note = "tim is models/tim.joblib, a model of yours, not the shipped tim"
    assert note in compared.stderr and f"--model {store.shipped_dir() / 'tim.joblib'}" in compared.stderr
    assert json.loads(compared.stdout)["models"]  # stdout stays one JSON document; the note is on stderr
    assert note not in run("compare", "--model", "tim", "--model", "tom", "-f", "json").stderr  # named: as asked

    other = run("fit", "--data", data, "-F", "gdp", "--name", "my-tim", "-q")
    assert other.exit_code == 0 and other.stderr.strip() == ""


def test_predict_without_any_feature_says_how_to_give_rows():
    """Rows piped in without --input are not read: the prediction is the training means', and the warning
    says how to predict the rows (and not when a feature, or height and weight, is given)."""
    result = run("predict", "--model", "tim-bmi", "-f", "json", input="bmi\n24.1\n")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["bmi"] == pytest.approx(store.load_record("tim-bmi").means["bmi"])
    assert "no feature given" in result.stderr and "--input - reads them from stdin" in result.stderr
    assert "--bmi ..." in result.stderr
    for given in (["--bmi", "24.1"], ["--height", "1.8", "--weight", "80"]):
        assert "no feature given" not in run("predict", "--model", "tim-bmi", *given).stderr


@pytest.mark.parametrize("command", [["fit"], ["fit", "--stream"], ["cv", "--folds", "3"]])
def test_the_country_as_target_is_a_usage_error_saying_what_to_give(tmp_path, command):
    data = who_shaped(tmp_path / "who.csv")
    line = error_line(run(*command, "--data", data, "--target", "Country", "-F", "bmi"), 2)
    assert "country holds the rows' country names, not numbers" in line
    assert "--target a numeric column" in line and "life_expectancy" in line


@pytest.mark.parametrize("command, option, example", [
    (["corr"], "--png", "corr"), (["compare"], "--png", "compare"), (["plot", "--model", "tim-bmi"], "--out", "plot")])
def test_a_picture_goes_to_a_png_name_said_before_any_work(tmp_path, command, option, example):
    data = ["--data", who_shaped(tmp_path / "who.csv")] if command == ["corr"] else []
    line = error_line(run(*command, *data, option, "x.jpg"), 2)
    assert f"{option} x.jpg must name a .png file, e.g. {option} x.png" in line
    line = error_line(run(*command, *data, option, tmp_path), 2)
    assert f"is a directory: give a file name such as {tmp_path / (example + '.png')}" in line
    assert not (tmp_path / "x.jpg").exists()


def test_data_where_says_when_the_file_it_names_is_not_there(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFEEXP_DATA", str(tmp_path / "gone.csv"))
    text = run("data", "where").stdout
    assert f"Missing: no file at {tmp_path / 'gone.csv'}" in text and "unset it to use the installed copy" in text
    assert json.loads(run("data", "where", "-f", "json").stdout)["source_present"] is False
    assert "Missing:" in run("data", "where", "--data", tmp_path / "nope.csv").stdout
    there = who_shaped(tmp_path / "who.csv")
    assert "Missing:" not in run("data", "where", "--data", there).stdout
    assert json.loads(run("data", "where", "--data", there, "-f", "json").stdout)["source_present"] is True


def test_a_model_not_found_says_how_to_fit_it_or_which_are_shipped(tmp_path):
    line = error_line(run("predict", "--model", "nosuch", "--bmi", "24"), 1)
    assert "no model 'nosuch' (looked for models/nosuch.joblib)" in line
    assert "`lifeexp fit --features bmi --name nosuch`" in line and "(shipped: tim, tim-bmi, tom, tom-gdp)" in line
    line = error_line(run("predict", "--model", tmp_path / "gone.joblib", "--bmi", "24"), 1)
    assert f"no model file {tmp_path / 'gone.joblib'}: check the path" in line


def test_install_warns_when_the_file_is_not_the_published_one(tmp_path):
    """A file with the WHO columns and rows but other bytes (edited, re-saved) is installed, with a warning
    that fits on it may differ from the shipped models; the published bytes get none (tests/system)."""
    result = run("data", "install", who_shaped(tmp_path / "edited.csv"), "-q")
    assert result.exit_code == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("Warning: ") and "is not byte for byte the published file" in line
    assert location.PUBLISHED_SHA256[:12] in line


def test_compare_cross_validates_a_network_as_fit_and_cv_do(tmp_path):
    """The same folds and the same training: a network's validation split is by country in fit --folds, in
    cv and in compare --folds alike (compare's was by row, and its CV RMSE differed from the saved one)."""
    data = who_shaped(tmp_path / "who.csv", rows=640)
    fit = ["--kind", "mlp", "-F", "bmi,hiv", "--hidden", "4", "--epochs", "30", "--val-size", "0.2"]
    saved = json.loads(run("fit", "--data", data, *fit, "--folds", "3", "--name", "net", "-q", "-f", "json").stdout)
    again = json.loads(run("compare", "--model", "net", "--folds", "3", "--data", data, "-f", "json").stdout)
    cv = json.loads(run("cv", "--data", data, *fit, "--folds", "3", "-f", "json").stdout)
    (model,) = again["models"]
    assert model["cv_rmse"] == saved["metrics"]["cv"]["rmse"] == cv["rmse"]


def test_a_model_that_cannot_tell_the_two_people_apart_has_no_say_in_the_answer():
    """ann and bob differ only in bmi, hiv and adult mortality: tom (gdp, income, schooling) predicts the same
    for both, a difference of 0 by construction. It used to make the models 'disagree'; now tim answers."""
    people = ["--person", "ann:bmi=20,hiv=5,adult_mortality=300", "--person", "bob:bmi=30,hiv=0.1,adult_mortality=100"]
    result = run("compare", "--model", "tim", "--model", "tom", *people, "-f", "json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)["answer"]
    assert answer["reason"] == "agree" and answer["longer"] == "bob" and answer["blind"] == ["tom"]
    assert [v["model"] for v in answer["views"]] == ["tim"]
    assert "tom takes none of the inputs in which ann and bob differ" in " ".join(result.stderr.split())
    table = run("compare", "--model", "tim", "--model", "tom", *people).stdout
    assert "bob is expected to live" in table and "disagree" not in table
    neither = json.loads(run("compare", "--model", "tom", "--model", "tom-gdp", "--person", "ann:bmi=20",
                             "--person", "bob:bmi=30", "-f", "json").stdout)["answer"]
    assert neither["reason"] == "same_inputs" and neither["longer"] is None
    assert neither["text"] == "Cannot tell who lives longer: no model takes an input in which ann and bob differ"
    # The most accurate model (tom) cannot tell them apart: the answer rests on the one that can, and says so
    alone = json.loads(run("compare", "--model", "tom", "--model", "tim-bmi", "--person", "ann:bmi=20", "--person",
                           "bob:bmi=30", "-f", "json").stdout)["answer"]
    assert alone["model"] is None and alone["blind"] == ["tom"] and alone["longer"] == "bob"
    assert alone["text"].endswith("(90% CI 2.34 to 3.06; only tim-bmi can tell)")


def test_a_streamed_fit_says_when_its_csv_is_not_utf8(tmp_path):
    """As the in-memory read does: the streamed fit decodes with its header's encoding, and says so when the
    rest of the file is not UTF-8 (those bytes became U+FFFD), in the record's warnings too."""
    path = who_shaped(tmp_path / "who.csv", rows=200)
    path.write_bytes(path.read_bytes().replace(b"C3,", "Curaçao,".encode("latin-1")))
    result = run("fit", "--data", path, "-F", "bmi", "--stream", "-q", "-f", "json", "--out", tmp_path / "m.joblib")
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert f"{path} is not UTF-8 after its header: its other bytes became U+FFFD" in said
    assert any("is not UTF-8 after its header" in w for w in json.loads(result.stdout)["warnings"])
    plain = run("fit", "--data", who_shaped(tmp_path / "plain.csv", rows=200), "-F", "bmi", "--stream", "-q",
                "--out", tmp_path / "p.joblib")
    assert "UTF-8" not in plain.stderr


@pytest.mark.parametrize("command", [["fit", "--features", "rooms"], ["fit", "--features", "rooms", "--stream"],
                                     ["cv", "--features", "rooms"], ["select"]], ids=" ".join)
def test_a_csv_without_the_default_target_says_to_name_one_and_lists_its_columns(tmp_path, command):
    """A CSV of one's own lacks life_expectancy: the error said "unknown target column 'life_expectancy':
    run `lifeexp features` to list them", which lists the WHO file's columns and never names --target."""
    data = tmp_path / "houses.csv"
    data.write_text("city,size_m2,rooms,price\nA,50,2,100\nB,80,3,180\nC,120,4,250\nD,65,2,130\nE,70,3,140\n")
    line = error_line(run(*command, "--data", data, "--out" if command[0] == "fit" else "--seed",
                          tmp_path / "m.joblib" if command[0] == "fit" else "0"), 2)
    assert line == ("Error: the data has no target column 'life_expectancy': name one of its columns with --target "
                    "(city, size_m2, rooms, price)")


def test_a_misspelt_target_still_gets_its_closest_columns(tmp_path):
    data = tmp_path / "houses.csv"
    data.write_text("size_m2,rooms,price\n50,2,100\n80,3,180\n")
    line = error_line(run("corr", "--data", data, "--target", "prize"), 2)
    assert line == "Error: unknown target column 'prize': did you mean price, size_m2?"


@pytest.mark.parametrize("given, said", [
    (["--bmi", "24", "--height", "1.8", "--weight", "80"], "give either --bmi or --height and --weight, not both"),
    (["--bmi", "24", "--height", "1.8"], "give both --height (m) and --weight (kg) to compute BMI, or --bmi directly"),
    (["--weight", "80"], "give both --height (m) and --weight (kg) to compute BMI, or --bmi directly"),
])
def test_predict_without_a_model_names_the_mix_up_of_bmi_height_and_weight(given, said):
    """Without --model, --bmi with --height and --weight was "no shipped model takes exactly --bmi, --height,
    --weight" and a list of the models; the mix-up is what `predict --model tim-bmi` says of it."""
    assert error_line(run("predict", *given), 2) == f"Error: {said}"
    assert error_line(run("predict", "--model", "tim-bmi", *given), 2) == f"Error: {said}"


@pytest.mark.parametrize("command", [["cv", "--features", "a"], ["select"], ["fit", "--features", "a", "--folds", "5"]])
def test_too_many_folds_for_a_file_without_countries_counts_its_rows(tmp_path, command):
    """A CSV without a country column has each row as its own group: "5 folds need at least 5 countries, the
    data has 2" named countries the file does not have."""
    data = tmp_path / "two.csv"
    data.write_text("a,b,y\n1,2,3\n2,3,5\n")
    line = error_line(run(*command, "--data", data, "--target", "y"), 2)
    assert line == "Error: 5 folds need at least 5 rows, the data has 2: use fewer folds"
