"""The network's math: a fully connected network with hand-written backprop, vectorized over the
mini-batch (forward, backward, loss, initialization, and the plain form a model record keeps).

Parameters are a flat list ``[W1, b1, W2, b2, ...]`` with ``W_k`` of shape (fan_in, fan_out) and
``b_k`` of shape (fan_out,). Hidden layers apply the activation; the single output unit is linear.
"""

import numpy as np

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.nn import activations


def layer_sizes(n_inputs, hidden):
    """Widths from input to output: [n_inputs, *hidden, 1]."""
    sizes = [int(n_inputs), *(int(h) for h in hidden), 1]
    if any(s < 1 for s in sizes):
        raise ParameterError("layer sizes must be positive, got {value}; check {hidden} and the features",
                             "hidden", sizes)
    return sizes


def init_params(sizes, activation, seed):
    """He-normal weights for relu, Glorot-normal otherwise; zero biases."""
    activations.check(activation)
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if activation == "relu":
            std = np.sqrt(2.0 / fan_in)
        else:
            std = np.sqrt(2.0 / (fan_in + fan_out))
        params.append(rng.normal(0.0, std, size=(fan_in, fan_out)))
        params.append(np.zeros(fan_out))
    return params


def forward(params, X, activation):
    """Return (yhat of shape (n,), cache); the cache holds each layer's input and pre-activation."""
    act, _ = activations.function_and_derivative(activation)
    a = np.asarray(X, dtype=float)
    n_layers = len(params) // 2
    inputs, pre_activations = [], []
    for k in range(n_layers):
        W, b = params[2 * k], params[2 * k + 1]
        z = a @ W + b
        inputs.append(a)
        pre_activations.append(z)
        a = z if k == n_layers - 1 else act(z)
    return a[:, 0], {"inputs": inputs, "pre_activations": pre_activations}


def backward(params, cache, dyhat, activation):
    """Gradients of a loss w.r.t. params, given dloss/dyhat of shape (n,); chain rule in reverse."""
    _, dact = activations.function_and_derivative(activation)
    inputs, pre_activations = cache["inputs"], cache["pre_activations"]
    n_layers = len(params) // 2
    grads = [None] * len(params)
    dz = np.asarray(dyhat, dtype=float).reshape(-1, 1)  # output layer is linear: dL/dz = dL/dyhat
    for k in reversed(range(n_layers)):
        grads[2 * k] = inputs[k].T @ dz
        grads[2 * k + 1] = dz.sum(axis=0)
        if k > 0:
            da = dz @ params[2 * k].T
            z_prev = pre_activations[k - 1]
            # inputs[k] is act(z_prev), so it doubles as f(z) for the derivative.
            dz = da * dact(z_prev, inputs[k])
    return grads


def _weight_penalty(params):
    return sum(float(np.sum(W * W)) for W in params[0::2])


def loss(params, X, y, activation, weight_decay=0.0):
    """(1/n) * sum((yhat - y)^2) + weight_decay * sum over W_k of ||W_k||_F^2 (biases not penalized)."""
    yhat, _ = forward(params, X, activation)
    residual = yhat - np.asarray(y, dtype=float)
    mse = float(np.mean(residual * residual))
    return mse + weight_decay * _weight_penalty(params) if weight_decay else mse


def loss_and_grad(params, X, y, activation, weight_decay=0.0):
    """Return (loss, grads) for the loss defined in :func:`loss`; grads mirror params."""
    yhat, cache = forward(params, X, activation)
    residual = yhat - np.asarray(y, dtype=float)
    value = float(np.mean(residual * residual))
    grads = backward(params, cache, 2.0 * residual / residual.size, activation)
    if weight_decay:
        value += weight_decay * _weight_penalty(params)
        for k in range(0, len(params), 2):
            grads[k] = grads[k] + 2.0 * weight_decay * params[k]
    return value, grads


def predict(params, X, activation):
    """Predictions of shape (n,)."""
    return forward(params, X, activation)[0]


def to_plain(params, activation):
    """The network as plain values for a model record: weights as nested lists (fan_in × fan_out)."""
    return {
        "activation": activation,
        "sizes": [int(params[0].shape[0]), *(int(W.shape[1]) for W in params[0::2])],
        "weights": [W.tolist() for W in params[0::2]],
        "biases": [b.tolist() for b in params[1::2]],
    }


def from_plain(network):
    """The flat parameter list [W1, b1, W2, b2, ...] back from :func:`to_plain`'s record."""
    params = []
    for W, b in zip(network["weights"], network["biases"]):
        params.append(np.asarray(W, dtype=float).reshape(len(W), -1))
        params.append(np.asarray(b, dtype=float))
    return params
