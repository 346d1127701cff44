"""Gradient descent, mini-batch SGD, momentum and Adam through `fit`: accuracy against least squares with
the default settings, reproducibility, early stopping, divergence, and what the model file keeps."""

from __future__ import annotations

import io
import json
import re
from functools import partial

import numpy as np
import pytest
from rich.console import Console

from lifeexp_cli.cli import render
from lifeexp_cli.data import dataset
from lifeexp_cli.model import store
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.optim import loop
from support.cli import run_cli

TIM = "bmi,adult_mortality,hiv"
TIM_FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


cli = partial(run_cli, code=None)  # the tests check the exit code


@pytest.fixture(scope="module")
def tim_design(data_path):
    table = dataset.read_table(str(data_path))
    return dataset.design(table, TIM_FEATURES, "life_expectancy")


@pytest.fixture(scope="module")
def exact(tim_design):
    """Tim's three features by exact least squares: the answer every optimizer must reach."""
    return fit_design(tim_design, Spec(solver="lstsq"))


# --- the accuracy promise, with default settings ----------------------------------------------

@pytest.mark.parametrize("solver", loop.SOLVERS)
def test_default_settings_reach_least_squares(solver, exact, tmp_path, who_env):
    result = cli("fit", "--features", TIM, "--solver", solver, "--scale", "standard", "--out",
                 tmp_path / "m.joblib", "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    rmse, best = got["metrics"]["train"]["rmse"], exact["metrics"]["train"]["rmse"]
    assert rmse == pytest.approx(best, rel=1e-3)
    assert rmse >= best * (1 - 1e-12)  # least squares is the minimum
    for term, value in exact["coefficients"].items():
        assert got["coefficients"][term] == pytest.approx(value, rel=1e-2), term
    assert got["converged"] is True
    assert got["epochs_run"] == len(got["loss_history"]) < 1000
    assert got["final_loss"] == pytest.approx(rmse**2, rel=1e-9)


def test_iterative_solvers_scale_by_default_and_report_original_units(tmp_path, exact, who_env):
    result = cli("fit", "--features", TIM, "--solver", "gd", "--out", tmp_path / "m.joblib", "--quiet")
    assert result.exit_code == 0, result.stderr
    record = store.load(tmp_path / "m.joblib")
    assert record["spec"]["scale"] == "standard"
    assert record["spec"]["options"]["lr"] == 0.1 and record["spec"]["options"]["patience"] == 50
    for term, value in exact["coefficients"].items():
        assert record["coefficients"][term] == pytest.approx(value, rel=1e-3)
    assert exact["spec"]["scale"] == "none"  # the closed-form default is unchanged


# --- reproducibility ------------------------------------------------------------------------------

def test_same_seed_gives_bit_identical_model_files(tmp_path, who_env):
    def run(seed, name):
        result = cli("fit", "--features", TIM, "--solver", "sgd", "--epochs", 15, "--seed", seed,
                     "--out", tmp_path / name, "--quiet")
        assert result.exit_code == 0, result.stderr
        return store.load(tmp_path / name)

    first, second, other = run(3, "a.joblib"), run(3, "b.joblib"), run(4, "c.joblib")
    assert first["params"] == second["params"]
    assert first["training"]["loss_history"] == second["training"]["loss_history"]
    assert first["params"]["weights"] != other["params"]["weights"]


# --- stopping --------------------------------------------------------------------------------------


def test_not_converged_saves_the_model_and_warns(tmp_path, who_env):
    path = tmp_path / "m.joblib"
    result = cli("fit", "--features", TIM, "--solver", "gd", "--epochs", 3, "--out", path)
    assert result.exit_code == 0
    assert "did not converge within --epochs 3" in result.stderr and "raise --epochs" in result.stderr
    record = store.load(path)
    assert record["training"]["converged"] is False and record["training"]["epochs_run"] == 3
    assert len(record["training"]["loss_history"]) == 3


def test_validation_split_is_monitored(tmp_path, who_env):
    result = cli("fit", "--features", TIM, "--solver", "momentum", "--val-size", 0.2, "--out",
                 tmp_path / "m.joblib", "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    record = store.load(tmp_path / "m.joblib")
    run = record["training"]
    assert len(got["val_loss_history"]) == got["epochs_run"]
    assert run["monitored"] == "validation"
    assert run["kept_epoch"] == int(np.argmin(run["val_loss_history"])) + 1
    assert run["validation_rows"] + record["rows"]["train"] == 2928


# --- divergence --------------------------------------------------------------------------------

def test_divergence_is_one_line_exit_1_and_keeps_the_previous_model(tmp_path, who_env):
    path = tmp_path / "m.joblib"
    assert cli("fit", "--features", "bmi", "--out", path, "--quiet").exit_code == 0
    before = path.read_bytes()
    result = cli("fit", "--features", TIM, "--solver", "gd", "--lr", 5, "--out", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: training diverged at epoch")
    assert "--lr" in lines[0] and "--scale standard" not in lines[0]  # gd scales by default already
    assert "already scaled (standard): try a --lr ten times smaller, or --solver adam" in lines[0]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]  # no temporary file left


def test_divergence_writes_no_new_file(tmp_path, who_env):
    result = cli("fit", "--features", TIM, "--solver", "adam", "--scale", "none", "--lr", 1e6,
                 "--out", tmp_path / "new.joblib", "--quiet")
    assert result.exit_code == 1 and "diverged" in result.stderr
    assert "try a smaller --lr or --scale standard" in result.stderr  # unscaled: scaling is the advice
    assert list(tmp_path.iterdir()) == []


# --- options and their checks -----------------------------------------------------------------

def test_unscaled_features_of_different_magnitude_warn(tmp_path, who_env):
    result = cli("fit", "--features", "gdp,hiv", "--solver", "gd", "--scale", "none", "--lr", 1e-10,
                 "--epochs", 2, "--out", tmp_path / "m.joblib", "--quiet")
    assert result.exit_code == 0
    assert "differ in range" in result.stderr and "--scale standard" in result.stderr
    assert result.stderr.count("differ in range") == 1
    assert "differ in range" in store.load(tmp_path / "m.joblib")["warnings"][0]
    calm = cli("fit", "--features", "gdp,hiv", "--solver", "gd", "--epochs", 2, "--out", tmp_path / "s.joblib",
               "--quiet")
    assert "differ in range" not in calm.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--solver", "lstsq", "--lr", "0.1"], "--lr only applies to the iterative solvers"),
        (["--solver", "normal", "--epochs", "5", "--patience", "3"], "--epochs, --patience only apply"),
        (["--solver", "gd", "--batch-size", "32"], "--batch-size does not apply to --solver gd"),
        (["--solver", "sgd", "--lr", "-1"], "--lr must be > 0"),
        (["--solver", "adam", "--beta2", "1"], "--beta2 must be < 1"),
        (["--solver", "momentum", "--init", "ones"], "--init must be one of random, zeros"),
        (["--solver", "sgd", "--val-size", "1.5"], "--val-size must be between 0 and 1"),
        (["--solver", "sgd", "--epochs", "0"], "--epochs must be >= 1"),
        (["--solver", "rmsprop"], "--solver rmsprop is not a solver: use one of lstsq"),
    ],
)
def test_bad_training_options_are_usage_errors(args, message, tmp_path):
    result = cli("fit", "--features", "bmi", *args, "--out", tmp_path / "m.joblib")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "m.joblib").exists()


# --- what the model and the summary show -------------------------------------------------------

def test_summary_shows_epochs_final_loss_and_sparkline(tmp_path, who_env):
    result = cli("fit", "--features", "bmi", "--solver", "gd", "--out", tmp_path / "m.joblib", "--quiet")
    assert result.exit_code == 0
    record = store.load(tmp_path / "m.joblib")
    run = record["training"]
    assert f"Training: gd, {run['epochs_run']} epochs (converged" in result.stdout
    assert render.sparkline([run["initial_loss"], *run["loss_history"]]) in result.stdout
    assert f"training loss (MSE) {render.fmt(run['final_loss'])}" in result.stdout
    # The iterative model predicts like any other.
    predicted = cli("predict", "--model", tmp_path / "m.joblib", "--bmi", "24.1", "--format", "json")
    assert predicted.exit_code == 0
    assert json.loads(predicted.stdout)[0]["predicted_life_expectancy"] == pytest.approx(58.91 + 0.2699 * 24.1, abs=0.01)


def test_loss_line_starts_at_the_initial_loss_it_is_labelled_with(tmp_path, who_env):
    """Adam at --lr 10 falls from 4992 to 67 in one epoch, then jumps about (up to 301). The line printed the
    4992 at its left but drew epochs 1 on, scaled to them alone: the jump to 301 stood as tall as the 4992."""
    result = cli("fit", "--features", TIM, "--solver", "adam", "--lr", "10", "--out", tmp_path / "m.joblib",
                 "--quiet")
    assert result.exit_code == 0, result.stderr
    run = store.load(tmp_path / "m.joblib")["training"]
    line = next(line for line in result.stdout.splitlines() if line.startswith("Loss: "))
    spark = render.sparkline([run["initial_loss"], *run["loss_history"]])
    assert line.startswith(f"Loss: {render.fmt(run['initial_loss'])} {spark} ")
    assert spark[0] == "█" and "█" not in spark[1:]
    assert f"(epochs 0 to {run['epochs_run']}, log scale)" in " ".join(result.stdout.split())


def test_exact_solvers_report_null_training_keys(tmp_path, who_env):
    result = cli("fit", "--features", "bmi", "--out", tmp_path / "m.joblib", "--format", "json", "--quiet")
    got = json.loads(result.stdout)
    assert got["epochs_run"] is None and got["converged"] is None and got["loss_history"] is None
    assert "training" not in store.load(tmp_path / "m.joblib")


def test_progress_bar_goes_to_stderr_only(tmp_path, monkeypatch, who_env):
    def run(*extra):
        screen = io.StringIO()
        monkeypatch.setitem(render._consoles, "err", Console(file=screen, force_terminal=True, width=150))
        result = cli("fit", "--features", "bmi", "--solver", "sgd", "--epochs", 30, "--val-size", 0.2,
                     "--out", tmp_path / "m.joblib", "--format", "json", *extra)
        assert result.exit_code == 0
        json.loads(result.stdout)  # stdout is exactly one JSON document, bar or not
        return screen.getvalue()

    bar = re.compile(r"epoch\s+\d+ of at most 30 loss \S+ val \S+")
    assert bar.search(run())
    assert not bar.search(run("--quiet"))


# --- momentum in the slides' form (default) and Polyak's ---------------------------------------------

def fitted_momentum(who_like_csv, tmp_path, name, *extra):
    out = tmp_path / f"{name}.joblib"
    result = cli("fit", "--data", who_like_csv, "--features", "bmi,hiv", "--solver", "momentum", "--epochs", 40,
                 "--quiet", "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return store.load(out)


def test_momentum_forms_with_their_default_rates_take_the_same_steps(who_like_csv, tmp_path):
    slides = fitted_momentum(who_like_csv, tmp_path, "slides")
    polyak = fitted_momentum(who_like_csv, tmp_path, "polyak", "--momentum-form", "polyak")
    assert slides["spec"]["options"]["momentum_form"] == "slides" and slides["spec"]["options"]["lr"] == 0.003
    assert polyak["spec"]["options"]["momentum_form"] == "polyak" and polyak["spec"]["options"]["lr"] == 0.0003
    np.testing.assert_allclose(slides["training"]["loss_history"], polyak["training"]["loss_history"], rtol=1e-9)


def test_same_lr_polyak_steps_ten_times_further(who_like_csv, tmp_path):
    slow = fitted_momentum(who_like_csv, tmp_path, "slow", "--lr", "0.0003", "--epochs", 1)
    fast = fitted_momentum(who_like_csv, tmp_path, "fast", "--lr", "0.0003", "--epochs", 1,
                           "--momentum-form", "polyak")
    start = slow["training"]["initial_loss"]
    assert start == fast["training"]["initial_loss"]  # same seed, same θ₀
    assert fast["training"]["loss_history"][0] < slow["training"]["loss_history"][0] < start


@pytest.mark.parametrize("args, message", [
    (["--solver", "momentum", "--momentum-form", "nesterov"], "--momentum-form must be one of slides, polyak"),
    (["--solver", "adam", "--momentum-form", "polyak"], "--momentum-form applies only to --solver momentum"),
])
def test_momentum_form_mistakes_are_usage_errors(who_like_csv, tmp_path, args, message):
    result = cli("fit", "--data", who_like_csv, "--features", "bmi", "--out", tmp_path / "m.joblib", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_a_momentum_model_saved_before_the_forms_refits_with_polyaks():
    from lifeexp_cli.model.spec import from_record

    old = {"kind": "linear", "solver": "momentum", "scale": "standard", "impute": "mean", "intercept": True,
           "options": {"lr": 0.0003, "beta": 0.9}}
    assert from_record(old).options["momentum_form"] == "polyak"
    assert from_record({**old, "solver": "adam"}).options == old["options"]
