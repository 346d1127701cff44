"""Activations: one list of names (readable without numpy), the functions, and their derivatives checked
against finite differences on arrays and on the scalars of the graph."""

import math
import subprocess
import sys

import numpy as np
import pytest

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.nn import activations, autograd


def test_names_import_without_numpy():
    code = ("import sys; from lifeexp_cli.nn.activations import NAMES; "
            "print(','.join(NAMES)); print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["relu,tanh,sigmoid,identity", "False"]


@pytest.mark.parametrize("name", activations.NAMES)
def test_derivative_matches_finite_differences(name):
    f, derivative = activations.function_and_derivative(name)
    z = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 4.0])  # away from relu's kink
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(derivative(z, f(z)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", activations.NAMES)
def test_scalars_and_arrays_agree(name):
    f, derivative = activations.function_and_derivative(name)
    z = np.array([-2.5, 0.0, 1.5])
    for zi, fi, di in zip(z, f(z), derivative(z, f(z))):
        assert float(f(float(zi))) == fi
        assert float(derivative(float(zi), float(fi))) == di


def test_sigmoid_is_stable_and_exact_at_both_ends():
    z = np.array([-800.0, -2.0, 0.0, 2.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):
        s = activations.sigmoid(z)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + math.exp(2.0)), 0.5, 1 / (1 + math.exp(-2.0)), 1.0], rtol=1e-15)
    assert activations.relu_derivative(0.0, 0.0) == 0.0  # the kink counts as inactive


def test_graph_nodes_use_the_same_activations():
    z = autograd.Node(-0.4, "z")
    for name in activations.NAMES:
        f, derivative = activations.function_and_derivative(name)
        node = z.activate(name, name)
        assert (node.value, node.local_derivative(z)) == (float(f(-0.4)), float(derivative(-0.4, f(-0.4))))
        assert node.op == name


def test_unknown_activation_names_the_parameter():
    with pytest.raises(ParameterError) as caught:
        activations.check("swish")
    assert caught.value.param == "activation" and caught.value.value == "swish"
    assert str(caught.value) == "unknown activation 'swish'; choose one of relu, tanh, sigmoid, identity"
    assert caught.value.message(lambda p: "--" + p).startswith("unknown --activation 'swish'")
