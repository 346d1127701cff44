"""The hidden units' activations: their names, the functions and their derivatives.

Each function takes a float or a numpy array (the scalar graph in autograd.py and the vectorized network
in mlp.py share them). A derivative takes the pre-activation z and a = f(z), since for tanh and sigmoid
it is cheapest written in terms of a. numpy is imported inside the functions, not here: the command
line reads NAMES on its start-up path, which must not pay for numpy.
"""

from __future__ import annotations

from lifeexp_cli.errors import ParameterError

NAMES = ("relu", "tanh", "sigmoid", "identity")


def check(name: str) -> None:
    """Raise ParameterError (parameter `activation`) unless `name` is a known activation."""
    if name not in NAMES:
        raise ParameterError(f"unknown {{activation}} {{value!r}}; choose one of {', '.join(NAMES)}",
                             "activation", name)


def relu(z):
    import numpy as np
    return np.maximum(z, 0.0)


def relu_derivative(z, a):
    # The kink at 0 gets derivative 0: a unit at exactly zero is treated as inactive.
    return 1.0 * (z > 0)


def tanh(z):
    import numpy as np
    return np.tanh(z)


def tanh_derivative(z, a):
    return 1.0 - a * a


def sigmoid(z):
    """1 / (1 + e^−z), written so that exp never overflows: with e = e^−|z| ≤ 1, it is 1/(1 + e) for
    z ≥ 0 and e/(1 + e) for z < 0."""
    import numpy as np
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z, a):
    return a * (1.0 - a)


def identity(z):
    return z


def identity_derivative(z, a):
    import numpy as np
    return np.ones_like(z, dtype=float)


_FUNCTIONS = {"relu": (relu, relu_derivative), "tanh": (tanh, tanh_derivative),
              "sigmoid": (sigmoid, sigmoid_derivative), "identity": (identity, identity_derivative)}


def function_and_derivative(name: str):
    """(f, f') for an activation name; f' takes the pre-activation z and f(z)."""
    check(name)
    return _FUNCTIONS[name]
