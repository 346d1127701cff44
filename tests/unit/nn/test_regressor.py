"""The network as a model kind: its option checks name parameters (the CLI shows flags), data-free."""

import numpy as np
import pytest

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.nn import mlp, regressor


@pytest.mark.parametrize("training, network, param, command_line", [
    ({}, {"hidden": "64,x"}, "hidden", "--hidden must be comma-separated layer widths such as 64,32, got '64,x'"),
    ({}, {"hidden": [8] * 17}, "hidden", "--hidden has 17 layers, at most 16 are supported"),
    ({}, {"hidden": "0"}, "hidden", "--hidden widths must be integers from 1 to 4096, got 0"),
    ({}, {"activation": "swish"}, "activation",
     "--activation must be one of relu, tanh, sigmoid, identity, got 'swish'"),
    ({}, {"weight_decay": -1.0}, "weight_decay", "--weight-decay must be a number >= 0, got -1.0"),
    ({"init": "zeros"}, {}, "init", "--init zeros does not apply to --kind mlp: hidden units that start equal"),
    ({"epochs": 0}, {}, "epochs", "--epochs must be >= 1, got 0"),
])
def test_bad_options_name_the_parameter(training, network, param, command_line):
    with pytest.raises(ParameterError) as caught:
        regressor.check_options("adam", training, network)
    assert caught.value.param == param
    assert caught.value.message(flag_of).startswith(command_line)
    assert "--" not in str(caught.value)


def test_checked_options_check_again_unchanged():
    options = regressor.check_options("sgd", {"seed": 3}, {"hidden": "8,4", "activation": "tanh"})
    training = {k: v for k, v in options.items() if k not in regressor.OPTION_KEYS}
    network = {k: v for k, v in options.items() if k in regressor.OPTION_KEYS}
    assert regressor.check_options("sgd", training, network) == options


def test_layer_sizes_name_the_hidden_parameter():
    with pytest.raises(ParameterError) as caught:
        mlp.layer_sizes(0, [4])
    assert str(caught.value) == "layer sizes must be positive, got [0, 4, 1]; check hidden and the features"
    assert caught.value.message(flag_of).endswith("check --hidden and the features")


def test_prediction_from_the_stored_form():
    params = mlp.init_params([2, 3, 1], "sigmoid", seed=5)
    stored = {"network": mlp.to_plain(params, "sigmoid")}
    X = np.array([[0.5, -1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(regressor.predict(stored, X), mlp.predict(params, X, "sigmoid"))
    assert regressor.describe(stored["network"]) == {"architecture": [2, 3, 1], "activation": "sigmoid",
                                                     "parameters": 2 * 3 + 3 + 3 + 1}
