"""The neural network as a model kind: its options and defaults, its first parameters, its record checks."""

import numpy as np

from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.spec import Spec, completed, make_spec
from lifeexp_cli.nn import mlp, regressor


def test_output_bias_starts_at_the_mean_target():
    options = regressor.check_options("adam", {"seed": 0}, {})
    params = regressor.initial_params(5, np.array([60.0, 70.0, 80.0]), options)
    assert params[-1].tolist() == [70.0]
    assert [p.shape for p in params] == [(5, 64), (64,), (64, 32), (32,), (32, 1), (1,)]


def test_hand_built_spec_gets_the_network_defaults():
    spec = completed(Spec(kind="mlp", solver="adam", scale="standard", options={"epochs": 3}))
    assert spec.options["epochs"] == 3 and spec.options["hidden"] == [64, 32] and spec.options["lr"] == 0.003
    assert completed(spec) == spec
    off = make_spec("mlp", training={"val_size": 0})
    assert completed(off).options["val_size"] == 0


def test_defaults():
    options = regressor.check_options("adam", {"seed": 0}, {})
    assert options["hidden"] == [64, 32] and options["activation"] == "relu"
    assert options["lr"] == 0.003 and options["batch_size"] == 64 and options["val_size"] == 0.1
    assert options["weight_decay"] == 0.03 and options["patience"] == 20 and options["epochs"] == 500
    assert options["restore_best"] is True
    spec = make_spec("mlp")
    assert spec.solver == "adam" and spec.scale == "standard"
    assert regressor.parse_hidden("none") == [] and regressor.parse_hidden(" 16, 8 ") == [16, 8]


def test_a_small_network_fits_on_arrays_and_its_record_checks_out():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = 50 + X @ [2.0, -1.0, 0.5] + rng.normal(0, 0.1, 120)
    spec = make_spec("mlp", training={"epochs": 30, "val_size": 0}, network_options={"hidden": "4"})
    fit = in_memory.fit_arrays(X, y, ["a", "b", "c"], spec)
    assert fit.params["network"]["sizes"] == [3, 4, 1]
    run = fit.extra["training"]
    assert len(run["loss_history"]) == 30 and run["loss_history"][-1] < run["initial_loss"]
    assert np.isfinite(arrays.predict("mlp", fit.params, X)).all()
