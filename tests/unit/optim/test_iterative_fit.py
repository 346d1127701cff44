"""Gradient descent, mini-batch SGD, momentum and Adam through `fit`: accuracy against least squares with
the default settings, reproducibility, early stopping, divergence, and what the model file keeps."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from lifeexp_cli.data import dataset
from lifeexp_cli.model import fitting
from lifeexp_cli.model.spec import Spec, make_spec
from lifeexp_cli.optim import loop
from lifeexp_cli.model import store
from lifeexp_cli.cli import render
from lifeexp_cli.cli.main import app
from lifeexp_cli.errors import UsageError
from lifeexp_cli.linear.loss import linear_loss, linear_loss_and_grad

TIM = "bmi,adult_mortality,hiv"
TIM_FEATURES = ["bmi", "adult_mortality", "hiv_aids"]
runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def tim_design(data_path):
    table = dataset.read_table(str(data_path))
    return dataset.design(table, TIM_FEATURES, "life_expectancy")


@pytest.fixture(scope="module")
def exact(tim_design):
    """Tim's three features by exact least squares: the answer every optimizer must reach."""
    return fitting.fit_model(tim_design, Spec(solver="lstsq"))


# --- the accuracy promise, with default settings ----------------------------------------------

@pytest.mark.parametrize("solver", loop.SOLVERS)
def test_default_settings_reach_least_squares(solver, exact, tmp_path):
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


def test_iterative_solvers_scale_by_default_and_report_original_units(tmp_path, exact):
    result = cli("fit", "--features", TIM, "--solver", "gd", "--out", tmp_path / "m.joblib", "--quiet")
    assert result.exit_code == 0, result.stderr
    record = store.load(tmp_path / "m.joblib")
    assert record["spec"]["scale"] == "standard"
    assert record["spec"]["options"]["lr"] == 0.1 and record["spec"]["options"]["patience"] == 50
    for term, value in exact["coefficients"].items():
        assert record["coefficients"][term] == pytest.approx(value, rel=1e-3)
    assert exact["spec"]["scale"] == "none"  # the closed-form default is unchanged


# --- reproducibility ------------------------------------------------------------------------------

def test_same_seed_gives_bit_identical_model_files(tmp_path):
    def run(seed, name):
        result = cli("fit", "--features", TIM, "--solver", "sgd", "--epochs", 15, "--seed", seed,
                     "--out", tmp_path / name, "--quiet")
        assert result.exit_code == 0, result.stderr
        return store.load(tmp_path / name)

    first, second, other = run(3, "a.joblib"), run(3, "b.joblib"), run(4, "c.joblib")
    assert first["params"] == second["params"]
    assert first["training"]["loss_history"] == second["training"]["loss_history"]
    assert first["params"]["weights"] != other["params"]["weights"]


def test_init_zeros_and_random_start_differently(tim_design):
    histories = {}
    for init in ("zeros", "random"):
        spec = make_spec("linear", "gd", training={"epochs": 2, "init": init})
        fitted = fitting.fit(tim_design.X, tim_design.y, tim_design.features, spec)
        histories[init] = fitted.extra["training"]["initial_loss"]
    y = tim_design.y
    assert histories["zeros"] == pytest.approx(float(np.mean(y**2)), rel=1e-12)  # θ = 0 predicts 0
    assert histories["random"] != histories["zeros"]


def test_a_batch_as_large_as_the_data_is_full_batch(tim_design):
    def history(solver, **training):
        spec = make_spec("linear", solver, training={"lr": 0.1, "epochs": 5, **training})
        return fitting.fit(tim_design.X, tim_design.y, tim_design.features, spec).extra["training"]["loss_history"]

    assert history("sgd", batch_size=len(tim_design.y)) == history("gd")
    assert history("sgd", batch_size=10**6) == history("gd")
    assert history("sgd", batch_size=64) != history("gd")


def test_a_hand_built_spec_gets_the_defaults(tim_design):
    record = fitting.fit_model(tim_design, Spec(solver="gd", scale="standard"))
    assert record["spec"]["options"] == loop.check_options("gd", {})
    assert record["training"]["converged"] is True


# --- stopping --------------------------------------------------------------------------------------

def test_early_stopping_and_the_kept_epoch(tim_design):
    spec = make_spec("linear", "sgd", training={"patience": 5, "epochs": 500})
    run = fitting.fit(tim_design.X, tim_design.y, tim_design.features, spec).extra["training"]
    assert run["converged"] is True and run["epochs_run"] < 500
    history = run["loss_history"]
    # Stopped after `patience` epochs without a gain; the kept θ is the best epoch's.
    assert run["kept_epoch"] == run["best_epoch"] == int(np.argmin(history)) + 1
    assert run["final_loss"] == min(history)
    assert run["epochs_run"] - run["best_epoch"] >= 5 or len(history) == 500


def test_not_converged_saves_the_model_and_warns(tmp_path):
    path = tmp_path / "m.joblib"
    result = cli("fit", "--features", TIM, "--solver", "gd", "--epochs", 3, "--out", path)
    assert result.exit_code == 0
    assert "did not converge within --epochs 3" in result.stderr and "raise --epochs" in result.stderr
    record = store.load(path)
    assert record["training"]["converged"] is False and record["training"]["epochs_run"] == 3
    assert len(record["training"]["loss_history"]) == 3


def test_validation_split_is_monitored(tmp_path):
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

def test_divergence_is_one_line_exit_1_and_keeps_the_previous_model(tmp_path):
    path = tmp_path / "m.joblib"
    assert cli("fit", "--features", "bmi", "--out", path, "--quiet").exit_code == 0
    before = path.read_bytes()
    result = cli("fit", "--features", TIM, "--solver", "gd", "--lr", 5, "--out", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: training diverged at epoch")
    assert "--lr" in lines[0] and "--scale standard" in lines[0]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]  # no temporary file left


def test_divergence_writes_no_new_file(tmp_path):
    result = cli("fit", "--features", TIM, "--solver", "adam", "--scale", "none", "--lr", 1e6,
                 "--out", tmp_path / "new.joblib", "--quiet")
    assert result.exit_code == 1 and "diverged" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- options and their checks -----------------------------------------------------------------

def test_unscaled_features_of_different_magnitude_warn(tmp_path):
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
        (["--solver", "rmsprop"], "--solver rmsprop does not apply to a linear model"),
    ],
)
def test_bad_training_options_are_usage_errors(args, message, tmp_path):
    result = cli("fit", "--features", "bmi", *args, "--out", tmp_path / "m.joblib")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "m.joblib").exists()


def test_check_options_fills_every_default():
    options = loop.check_options("adam", {"lr": 0.01, "epochs": None})
    assert options == {"epochs": 1000, "tol": 1e-7, "patience": 50, "init": "random", "seed": 0,
                       "restore_best": True, "val_size": None, "lr": 0.01, "batch_size": 64, "beta": 0.9,
                       "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert loop.check_options("gd", {})["batch_size"] is None
    with pytest.raises(UsageError, match="unknown training option"):
        loop.check_options("sgd", {"momentum": 0.9})


# --- what the model and the summary show -------------------------------------------------------

def test_summary_shows_epochs_final_loss_and_sparkline(tmp_path):
    result = cli("fit", "--features", "bmi", "--solver", "gd", "--out", tmp_path / "m.joblib", "--quiet")
    assert result.exit_code == 0
    record = store.load(tmp_path / "m.joblib")
    run = record["training"]
    assert f"Training: gd, {run['epochs_run']} epochs (converged" in result.stdout
    assert render.sparkline(run["loss_history"]) in result.stdout
    assert f"training loss (MSE) {render.fmt(run['final_loss'])}" in result.stdout
    # The iterative model predicts like any other.
    predicted = cli("predict", "--model", tmp_path / "m.joblib", "--bmi", "24.1", "--format", "json")
    assert predicted.exit_code == 0
    assert json.loads(predicted.stdout)[0]["prediction"] == pytest.approx(58.91 + 0.2699 * 24.1, abs=0.01)


def test_exact_solvers_report_null_training_keys(tmp_path):
    result = cli("fit", "--features", "bmi", "--out", tmp_path / "m.joblib", "--format", "json", "--quiet")
    got = json.loads(result.stdout)
    assert got["epochs_run"] is None and got["converged"] is None and got["loss_history"] is None
    assert "training" not in store.load(tmp_path / "m.joblib")


def test_progress_bar_goes_to_stderr_only(tmp_path, monkeypatch):
    def run(*extra):
        screen = io.StringIO()
        monkeypatch.setitem(render._consoles, "err", Console(file=screen, force_terminal=True, width=150))
        result = cli("fit", "--features", "bmi", "--solver", "sgd", "--epochs", 30, "--val-size", 0.2,
                     "--out", tmp_path / "m.joblib", "--format", "json", *extra)
        assert result.exit_code == 0
        json.loads(result.stdout)  # stdout is exactly one JSON document, bar or not
        return screen.getvalue()

    bar = re.compile(r"epoch\s+\d+/30 loss \S+ val \S+")
    assert bar.search(run())
    assert not bar.search(run("--quiet"))


def test_cross_validation_reports_one_label_per_fit(tim_design):
    labels, epochs = [], []

    def progress(label):
        labels.append(label)
        return lambda epoch, loss, val: epochs.append((label, epoch))

    spec = make_spec("linear", "gd", training={"epochs": 4})
    record = fitting.fit_model(tim_design, spec, cv=3, progress=progress)
    assert labels == ["fit", "fold 1/3", "fold 2/3", "fold 3/3"]
    assert epochs.count(("fold 2/3", 4)) == 1
    assert record["metrics"]["cv"]["k"] == 3


# --- the shared loop, by hand --------------------------------------------------------------------

X_TINY, Y_TINY = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([1.0, 3.0])


def two_epochs(optimizer, hp):
    result = loop.train([np.zeros(2)], linear_loss_and_grad, linear_loss, X_TINY, Y_TINY, optimizer,
                        {**hp, "epochs": 2, "patience": 5, "restore_best": False})
    return result.params[0]


def test_linear_gd_two_steps_by_hand():
    # g1 = (2/2)·Xᵀ(0 − y) = [−4, −3]          θ1 = [1, 0.75]
    # r2 = [1, 1.75] − [1, 3] = [0, −1.25];  g2 = [−1.25, −1.25];  θ2 = θ1 + 0.25·1.25 = [1.3125, 1.0625]
    np.testing.assert_allclose(two_epochs("gd", {"lr": 0.25}), [1.3125, 1.0625], rtol=1e-15)


def test_linear_momentum_two_steps_by_hand():
    # v1 = g1 = [−4, −3], θ1 = [1, 0.75]; v2 = 0.5·v1 + g2 = [−3.25, −2.75]; θ2 = θ1 − 0.25·v2
    np.testing.assert_allclose(two_epochs("momentum", {"lr": 0.25, "beta": 0.5}), [1.8125, 1.4375], rtol=1e-15)


def test_linear_adam_two_steps_by_hand():
    # β1 = 0.5, β2 = 0.75, ε = 0, α = 0.1.
    # t=1: g = [−4, −3]; m = [−2, −1.5]; v = [4, 2.25]; m̂ = [−4, −3]; v̂ = [16, 9]; θ1 = [0.1, 0.1]
    # t=2: r = [0.1, 0.2] − [1, 3] = [−0.9, −2.8]; g = [−3.7, −2.8]
    #      m = [−2.85, −2.15]; v = [6.4225, 3.6475]; m̂ = m/0.75; v̂ = v/0.4375
    m_hat = np.array([-2.85, -2.15]) / 0.75
    v_hat = np.array([6.4225, 3.6475]) / 0.4375
    expected = 0.1 - 0.1 * m_hat / np.sqrt(v_hat)
    got = two_epochs("adam", {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.0})
    np.testing.assert_allclose(got, expected, rtol=1e-14)
