"""The neural network as a model kind ("mlp"): its options and defaults, its training through the
shared loop, prediction from the stored form, and the check of that form.

The math (forward pass, backprop, loss) is in mlp.py; the training loop is optim/loop.py's train, exactly
as for the linear solvers. What is particular to the network:

- options: hidden widths, activation, weight decay (L2 on the weights, not the biases), and its own
  training defaults (below), chosen with bench/network.py on all features;
- initialization: He (ReLU) or Xavier/Glorot (other activations), drawn from the seed; the output unit's
  bias starts at the mean target, so training starts from the constant model rather than from 0 years
  (Adam moves a parameter by about lr per step: from 0, the bias alone would need ~69/lr steps);
- the loss that is recorded, monitored for early stopping and shown is the MSE; the weight-decay penalty
  enters only the gradient steps.

The record keeps `params["network"]` = mlp.to_plain(...): activation, layer sizes, weights as nested
lists (fan_in × fan_out) and biases.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from lifeexp_cli import options
from lifeexp_cli.errors import ParameterError, UsageError
from lifeexp_cli.limits import MAX_LAYERS, MAX_WIDTH
from lifeexp_cli.nn import activations, ensemble, mlp
from lifeexp_cli.optim import loop

# The network's defaults are declared with the options (lifeexp_cli/options.py).
DEFAULTS = options.NETWORK_DEFAULTS
TRAINING_DEFAULTS = options.NETWORK_TRAINING_DEFAULTS  # over loop.COMMON_DEFAULTS
SOLVER_DEFAULTS = options.NETWORK_SOLVER_DEFAULTS
OPTION_KEYS = options.NETWORK_KEYS


def parse_hidden(text) -> list[int]:
    """'64,32' -> [64, 32]; '' or 'none' -> [] (no hidden layer: a linear model)."""
    if isinstance(text, (list, tuple)):
        widths = list(text)
    else:
        cleaned = str(text).strip().lower()
        if cleaned in ("", "none"):
            return []
        try:
            widths = [int(part) for part in cleaned.split(",")]
        except ValueError:
            raise ParameterError("{hidden} must be comma-separated layer widths such as 64,32, got {value!r}",
                                 "hidden", text) from None
    if len(widths) > MAX_LAYERS:
        raise ParameterError(f"{{hidden}} has {len(widths)} layers, at most {MAX_LAYERS} are supported",
                             "hidden", text)
    for width in widths:
        if isinstance(width, bool) or not isinstance(width, numbers.Integral) or not 1 <= width <= MAX_WIDTH:
            raise ParameterError(f"{{hidden}} widths must be integers from 1 to {MAX_WIDTH}, got {{value!r}}",
                                 "hidden", width)
    return [int(w) for w in widths]


def check_options(solver: str, training: dict, network: dict) -> dict:
    """Training options (network defaults) and network options, checked, as plain values."""
    unknown = sorted(set(network) - set(OPTION_KEYS))
    if unknown:
        raise UsageError(f"unknown network option(s): {', '.join(unknown)}")
    if training.get("init") not in (None, "random"):
        raise ParameterError("{init} zeros does not apply to {kind} mlp: hidden units that start equal stay equal; "
                             "the network starts from He/Xavier random weights drawn from {seed}",
                             "init", training["init"])
    options = loop.check_options(solver, training, {**TRAINING_DEFAULTS, **SOLVER_DEFAULTS[solver]})
    chosen = {**DEFAULTS, **{k: v for k, v in network.items() if v is not None}}
    if chosen["activation"] not in activations.NAMES:
        raise ParameterError(f"{{activation}} must be one of {', '.join(activations.NAMES)}, got {{value!r}}",
                             "activation", chosen["activation"])
    decay = chosen["weight_decay"]
    if isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not (math.isfinite(decay) and decay >= 0):
        raise ParameterError("{weight_decay} must be a number >= 0, got {value!r}", "weight_decay", decay)
    members = chosen["ensemble"]
    if isinstance(members, bool) or not isinstance(members, numbers.Integral) \
            or not 1 <= members <= ensemble.MAX_MEMBERS:
        raise ParameterError(f"{{ensemble}} must be a whole number of networks from 1 to {ensemble.MAX_MEMBERS}, "
                             "got {value!r}", "ensemble", members)
    if not isinstance(chosen["log_skewed"], bool):
        raise ParameterError("{log_skewed} must be true or false, got {value!r}", "log_skewed", chosen["log_skewed"])
    return {**options, "hidden": parse_hidden(chosen["hidden"]), "activation": chosen["activation"],
            "weight_decay": float(decay), "ensemble": int(members), "log_skewed": chosen["log_skewed"]}


def initial_params(n_inputs: int, y: np.ndarray, options: dict) -> list[np.ndarray]:
    """He/Xavier weights from the seed (a stream apart from the shuffling one); output bias at mean(y)."""
    sizes = mlp.layer_sizes(n_inputs, options["hidden"])
    params = mlp.init_params(sizes, options["activation"], loop.init_rng(options["seed"]))
    params[-1] = np.full(1, float(np.mean(y)))
    return params


@dataclass
class Trained:
    """A trained network: its stored form (`mlp.to_plain`) and how the training went."""

    network: dict
    training: loop.TrainingResult


def fit(Xs: np.ndarray, y: np.ndarray, solver: str, options: dict, *, val=None, on_epoch=None) -> Trained:
    """Train a network with checked `options` (`check_options`) on scaled inputs Xs."""
    training = {k: v for k, v in options.items() if k not in OPTION_KEYS}
    activation, decay = options["activation"], options["weight_decay"]

    def loss_and_grad(params, X, target):
        return mlp.loss_and_grad(params, X, target, activation, decay)

    def loss(params, X, target):
        return mlp.loss(params, X, target, activation)

    result = loop.train(initial_params(Xs.shape[1], y, options), loss_and_grad, loss, Xs, y, solver,
                        training, val=val, on_epoch=on_epoch)
    return Trained(mlp.to_plain(result.params, activation), result)


def describe(network: dict) -> dict:
    """Architecture facts for the record and the fit summary."""
    sizes = network["sizes"]
    return {"architecture": sizes, "activation": network["activation"],
            "parameters": sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))}


def architecture(network: dict) -> str:
    """'20 → 64 → 32 → 1 (relu hidden units, linear output)'."""
    sizes = network["architecture"]
    hidden = f"{network['activation']} hidden units, " if len(sizes) > 2 else ""
    return " → ".join(str(s) for s in sizes) + f" ({hidden}linear output)"


def predict(params: dict, Xs: np.ndarray) -> np.ndarray:
    """The network's prediction; an ensemble's members' mean."""
    return ensemble.predict(params, Xs)
