"""The iterative linear fit: option defaults and checks, starting points, batches, early stopping and the
progress labels of cross-validation, on a small WHO-like table."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.errors import UsageError
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.spec import Spec, make_spec
from lifeexp_cli.optim import loop

TIM_FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


@pytest.fixture(scope="module")
def tim_design(who_like_table):
    return dataset.design(who_like_table, TIM_FEATURES, "life_expectancy")


def test_init_zeros_and_random_start_differently(tim_design):
    histories = {}
    for init in ("zeros", "random"):
        spec = make_spec("linear", "gd", training={"epochs": 2, "init": init})
        fitted = in_memory.fit_arrays(tim_design.X, tim_design.y, tim_design.features, spec)
        histories[init] = fitted.extra["training"]["initial_loss"]
    y = tim_design.y
    assert histories["zeros"] == pytest.approx(float(np.mean(y**2)), rel=1e-12)  # θ = 0 predicts 0
    assert histories["random"] != histories["zeros"]


def test_a_batch_as_large_as_the_data_is_full_batch(tim_design):
    def history(solver, **training):
        spec = make_spec("linear", solver, training={"lr": 0.1, "epochs": 5, **training})
        return in_memory.fit_arrays(tim_design.X, tim_design.y, tim_design.features, spec).extra["training"]["loss_history"]

    assert history("sgd", batch_size=len(tim_design.y)) == history("gd")
    assert history("sgd", batch_size=10**6) == history("gd")
    assert history("sgd", batch_size=64) != history("gd")


def test_a_hand_built_spec_gets_the_defaults(tim_design):
    record = fit_design(tim_design, Spec(solver="gd", scale="standard"))
    assert record["spec"]["options"] == loop.check_options("gd", {})
    assert record["training"]["converged"] is True


def test_early_stopping_and_the_kept_epoch(tim_design):
    spec = make_spec("linear", "sgd", training={"patience": 5, "epochs": 500})
    run = in_memory.fit_arrays(tim_design.X, tim_design.y, tim_design.features, spec).extra["training"]
    assert run["converged"] is True and run["epochs_run"] < 500
    history = run["loss_history"]
    # Stopped after `patience` epochs without a gain; the kept θ is the best epoch's.
    assert run["kept_epoch"] == run["best_epoch"] == int(np.argmin(history)) + 1
    assert run["final_loss"] == min(history)
    assert run["epochs_run"] - run["best_epoch"] >= 5 or len(history) == 500


def test_resolve_options_fills_every_default():
    options = loop.check_options("adam", {"lr": 0.01, "epochs": None})
    assert options == {"epochs": 1000, "tol": 1e-7, "patience": 50, "init": "random", "seed": 0,
                       "restore_best": True, "val_size": None, "lr": 0.01, "batch_size": 64, "beta": 0.9,
                       "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert loop.check_options("gd", {})["batch_size"] is None
    with pytest.raises(UsageError, match="unknown training option"):
        loop.check_options("sgd", {"momentum": 0.9})


def test_cross_validation_reports_one_label_per_fit(tim_design):
    labels, epochs = [], []

    def progress(label):
        labels.append(label)
        return lambda epoch, loss, val: epochs.append((label, epoch))

    spec = make_spec("linear", "gd", training={"epochs": 4})
    record = fit_design(tim_design, spec, cv=3, progress=progress)
    assert labels == ["fit", "fold 1/3", "fold 2/3", "fold 3/3"]
    assert epochs.count(("fold 2/3", 4)) == 1
    assert record["metrics"]["cv"]["k"] == 3
