"""The lecture's example: bad inputs name the parameter (the CLI shows the flag)."""

import json
import math

import pytest

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError, UsageError
from lifeexp_cli.nn.backprop_example import explain, loss_at

ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")


def factor_values(result, parameter):
    return [f["value"] for f in result["chains"][parameter]["factors"]]


def test_lecture_example_numbers():
    r = explain(x=2.0, y=1.0, theta0=5.0, theta1=-1.0, lr=0.1, activation="relu")
    assert r["forward"] == {"h": -2.0, "g": 3.0, "yhat": 3.0, "f": 2.0, "J": 4.0}
    assert r["local"] == {"dJ/df": 4.0, "df/dyhat": 1.0, "dyhat/dg": 1.0,
                          "dg/dh": 1.0, "dg/dtheta0": 1.0, "dh/dtheta1": 2.0}
    assert r["gradients"] == {"theta0": 4.0, "theta1": 8.0}
    assert r["updated"]["theta0"] == pytest.approx(4.6)
    assert r["updated"]["theta1"] == pytest.approx(-1.8)
    assert r["loss_before"] == 4.0
    assert r["loss_after"] == pytest.approx(0.0, abs=1e-12)
    assert r["inactive"] is False


def test_lecture_chains_in_order():
    r = explain()
    names = {p: [f["name"] for f in r["chains"][p]["factors"]] for p in ("theta0", "theta1")}
    assert names["theta0"] == ["dJ/df", "df/dyhat", "dyhat/dg", "dg/dtheta0"]
    assert names["theta1"] == ["dJ/df", "df/dyhat", "dyhat/dg", "dg/dh", "dh/dtheta1"]
    assert factor_values(r, "theta0") == [4.0, 1.0, 1.0, 1.0]
    assert factor_values(r, "theta1") == [4.0, 1.0, 1.0, 1.0, 2.0]
    assert r["chains"]["theta0"]["product"] == 4.0
    assert r["chains"]["theta1"]["product"] == 8.0


def test_graph_description():
    r = explain()
    assert [leaf["name"] for leaf in r["graph"]["leaves"]] == ["x", "y", "theta0", "theta1"]
    assert [leaf["value"] for leaf in r["graph"]["leaves"]] == [2.0, 1.0, 5.0, -1.0]
    assert r["graph"]["operations"] == [
        {"name": "h", "op": "mul", "inputs": ["theta1", "x"]},
        {"name": "g", "op": "add", "inputs": ["h", "theta0"]},
        {"name": "yhat", "op": "relu", "inputs": ["g"]},
        {"name": "f", "op": "sub", "inputs": ["yhat", "y"]},
        {"name": "J", "op": "square", "inputs": ["f"]},
    ]
    assert r["graph"]["root"] == "J"


def test_dead_relu_learns_nothing():
    r = explain(theta1=-3.0)
    assert r["forward"] == {"h": -6.0, "g": -1.0, "yhat": 0.0, "f": -1.0, "J": 1.0}
    assert r["local"]["dyhat/dg"] == 0.0
    assert r["gradients"] == {"theta0": 0.0, "theta1": 0.0}
    assert r["chains"]["theta0"]["product"] == 0.0
    assert r["updated"] == {"theta0": 5.0, "theta1": -3.0}
    assert r["loss_after"] == r["loss_before"] == 1.0
    assert r["inactive"] is True


def test_relu_at_the_kink_counts_as_inactive():
    r = explain(theta0=2.0, theta1=-1.0)  # g = 0 exactly
    assert r["forward"]["g"] == 0.0
    assert r["gradients"] == {"theta0": 0.0, "theta1": 0.0}
    assert r["inactive"] is True


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("x, y, theta0, theta1", [(2.0, 1.0, 5.0, -1.0), (-0.7, 0.3, 0.4, 1.3)])
def test_graph_backward_equals_chain_products_and_finite_differences(activation, x, y, theta0, theta1):
    r = explain(x=x, y=y, theta0=theta0, theta1=theta1, activation=activation)
    step = 1e-6
    numeric = {
        "theta0": (loss_at(x, y, theta0 + step, theta1, activation)
                   - loss_at(x, y, theta0 - step, theta1, activation)) / (2 * step),
        "theta1": (loss_at(x, y, theta0, theta1 + step, activation)
                   - loss_at(x, y, theta0, theta1 - step, activation)) / (2 * step),
    }
    for p in ("theta0", "theta1"):
        assert r["gradients"][p] == pytest.approx(r["chains"][p]["product"], rel=1e-12, abs=1e-15)
        assert r["gradients"][p] == pytest.approx(numeric[p], rel=1e-6, abs=1e-9)
        assert r["updated"][p] == pytest.approx((theta0 if p == "theta0" else theta1) - 0.1 * r["gradients"][p])


@pytest.mark.parametrize("activation, derivative", [
    ("tanh", lambda g: 1 - math.tanh(g) ** 2),
    ("sigmoid", lambda g: (1 / (1 + math.exp(-g))) * (1 - 1 / (1 + math.exp(-g)))),
    ("identity", lambda g: 1.0),
])
def test_activation_local_derivative(activation, derivative):
    r = explain(activation=activation)
    assert r["local"]["dyhat/dg"] == pytest.approx(derivative(3.0), rel=1e-12)
    assert r["inactive"] is False


def test_history_descends_for_identity():
    r = explain(activation="identity", lr=0.01, steps=20)
    history = r["history"]
    assert [h["step"] for h in history] == list(range(21))
    assert history[0] == {"step": 0, "theta0": 5.0, "theta1": -1.0, "loss": 4.0, "g": 3.0, "relu_active": None}
    losses = [h["loss"] for h in history]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 0.1 * losses[0]
    assert history[1]["theta0"] == pytest.approx(r["updated"]["theta0"])
    assert history[1]["loss"] == pytest.approx(r["loss_after"])


def test_lecture_example_with_identity_and_several_steps_reaches_zero():
    history = explain(activation="identity", steps=3)["history"]
    assert history[0]["loss"] == 4.0
    assert all(h["loss"] == pytest.approx(0.0, abs=1e-12) for h in history[1:])


def test_history_always_present_and_result_is_plain_json():
    r = explain()
    assert len(r["history"]) == 2
    assert json.loads(json.dumps(r)) == r


def test_bad_inputs_are_usage_errors():
    with pytest.raises(UsageError, match="swish"):
        explain(activation="swish")
    with pytest.raises(UsageError, match="steps"):
        explain(steps=0)


@pytest.mark.parametrize("given, param, command_line", [
    ({"steps": 0}, "steps", "--steps must be an integer from 1 to 100000, got 0"),
    ({"lr": 0.0}, "lr", "--lr must be > 0, got 0.0"),
    ({"theta1": float("inf")}, "theta1", "--theta1 must be a finite number, got inf"),
    ({"x": 1e200, "y": -1e200}, "x", "the loss overflows float64 at these values: use smaller --x, --y, --theta0, "
                                     "--theta1"),
    ({"activation": "swish"}, "activation", "unknown --activation 'swish'"),
])
def test_bad_inputs_name_the_parameter(given, param, command_line):
    with pytest.raises(ParameterError) as caught:
        explain(**given)
    assert caught.value.param == param
    assert caught.value.message(flag_of).startswith(command_line)
    assert "--" not in str(caught.value)


def test_a_step_that_kills_the_relu_is_reported():
    """--lr 0.2: θ goes to (4.2, −2.6), g = 4.2 − 5.2 = −1, and from then on the gradient is zero."""
    r = explain(lr=0.2, steps=3)
    history = r["history"]
    assert [h["relu_active"] for h in history] == [True, False, False, False]
    assert history[1]["theta0"] == pytest.approx(4.2, abs=1e-12)
    assert history[1]["theta1"] == pytest.approx(-2.6, abs=1e-12)
    assert history[1]["g"] == pytest.approx(-1.0, abs=1e-12)
    assert [h["loss"] for h in history[1:]] == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)
    assert history[3]["theta0"] == history[1]["theta0"] and history[3]["theta1"] == history[1]["theta1"]
    assert r["relu_died_at"] == 1


def test_relu_alive_or_dead_from_the_start_did_not_die_during_descent():
    assert explain(lr=0.1, steps=5)["relu_died_at"] is None  # the lecture's step stays at g = 1
    assert explain(theta1=-3.0, steps=5)["relu_died_at"] is None  # dead from the start: nothing died here
    assert all(h["relu_active"] is None for h in explain(activation="tanh", steps=3)["history"])
