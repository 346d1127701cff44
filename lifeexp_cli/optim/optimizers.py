"""Optimizer update rules as pure functions: (params, grads, state) -> (params, state).

Params and grads are lists of float64 arrays (linear model: [theta]; MLP: [W1, b1, W2, b2, ...]).
With learning rate α and gradient g_t at step t (counted from 1):

- gd, sgd:  θ_t = θ_{t-1} − α g_t            (they differ only in the batches the training loop feeds)
- momentum, form "slides" (the default, the lecture's):
            m_t = β m_{t-1} + (1 − β) g_t,  θ_t = θ_{t-1} − α m_t,  m_0 = 0  (an average of past gradients)
- momentum, form "polyak":
            v_t = β v_{t-1} + g_t,  θ_t = θ_{t-1} − α v_t,  v_0 = 0        (Polyak heavy ball)
  From zero, m_t = (1 − β) v_t at every step, so the slides' form with α takes exactly the steps of
  Polyak's with α(1 − β): Polyak's step is 1/(1 − β) = 10 times larger at β = 0.9 for the same α.
- adam:     m_t = β1 m_{t-1} + (1 − β1) g_t,  v_t = β2 v_{t-1} + (1 − β2) g_t²,
            m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t),
            θ_t = θ_{t-1} − α m̂_t / (√v̂_t + ε),  m_0 = v_0 = 0            (Kingma & Ba 2015)

The lecture slides have slips (docs/math.md lists them): Adam's θ update uses m̂_{t-1} where m̂_t is
meant. We follow Kingma & Ba as written above.
"""

import numpy as np

from lifeexp_cli import options
from lifeexp_cli.errors import ParameterError, UsageError

OPTIMIZERS = options.OPTIMIZERS

DEFAULT_HP = options.OPTIMIZER_DEFAULTS
MOMENTUM_FORMS = options.MOMENTUM_FORMS  # the first is the default


def check_name(name: str) -> None:
    """Raise ParameterError (on parameter `solver`, the optimizer's name) unless `name` is a known optimizer."""
    if name not in OPTIMIZERS:
        raise ParameterError(f"{{solver}} must be one of {', '.join(OPTIMIZERS)}, got {{value!r}}", "solver", name)


def resolve_hp(hp: dict) -> dict:
    """Return `hp` with defaults filled in (None means default), after range checks."""
    unknown = sorted(set(hp) - set(DEFAULT_HP) - {"lr"})
    if unknown:
        raise UsageError(f"unknown hyperparameter(s): {', '.join(unknown)}")
    full = {**DEFAULT_HP, **{k: v for k, v in hp.items() if v is not None}}
    if "lr" not in full:
        raise ParameterError("{lr} is required", "lr")
    _check_range("lr", full["lr"], low_open=0.0)
    for key in ("beta", "beta1", "beta2"):
        _check_range(key, full[key], low_closed=0.0, high_open=1.0)
    _check_range("eps", full["eps"], low_closed=0.0)
    return full


def _check_range(key, value, low_open=None, low_closed=None, high_open=None):
    # `not (x > a)` rather than `x <= a` so that NaN is rejected too.
    if low_open is not None and not value > low_open:
        raise ParameterError(f"{{{key}}} must be > {low_open:g}, got {{value}}", key, value)
    if low_closed is not None and not value >= low_closed:
        raise ParameterError(f"{{{key}}} must be >= {low_closed:g}, got {{value}}", key, value)
    if high_open is not None and not value < high_open:
        raise ParameterError(f"{{{key}}} must be < {high_open:g}, got {{value}}", key, value)


def init_state(name: str, params: list[np.ndarray]) -> dict:
    """Fresh optimizer state for `params` (zero moments, step count 0)."""
    check_name(name)
    if name == "momentum":
        return {"v": _zeros_like(params)}
    if name == "adam":
        return {"t": 0, "m": _zeros_like(params), "v": _zeros_like(params)}
    return {}


def step(name, params, grads, state, hp):
    """One update; returns (new_params, new_state) and never mutates its inputs."""
    check_name(name)
    if len(params) != len(grads):
        raise ValueError(f"got {len(grads)} gradients for {len(params)} parameter arrays")
    hp = {**DEFAULT_HP, **hp}
    if name == "momentum":
        return _momentum(params, grads, state, hp)
    if name == "adam":
        return _adam(params, grads, state, hp)
    return _plain(params, grads, hp), dict(state)


def _zeros_like(params):
    return [np.zeros_like(p, dtype=np.float64) for p in params]


def _plain(params, grads, hp):
    return [p - hp["lr"] * g for p, g in zip(params, grads)]


def _momentum(params, grads, state, hp):
    beta = hp["beta"]
    if hp.get("momentum_form", MOMENTUM_FORMS[0]) == "polyak":
        velocity = [beta * v + g for v, g in zip(state["v"], grads)]
    else:
        velocity = [beta * v + (1 - beta) * g for v, g in zip(state["v"], grads)]
    new_params = [p - hp["lr"] * v for p, v in zip(params, velocity)]
    return new_params, {"v": velocity}


def _adam(params, grads, state, hp):
    b1, b2 = hp["beta1"], hp["beta2"]
    t = state["t"] + 1
    m = [b1 * m_ + (1 - b1) * g for m_, g in zip(state["m"], grads)]
    v = [b2 * v_ + (1 - b2) * g * g for v_, g in zip(state["v"], grads)]
    # Bias corrections undo the pull of m_0 = v_0 = 0 towards zero in early steps.
    m_scale, v_scale = 1.0 / (1 - b1**t), 1.0 / (1 - b2**t)
    new_params = [
        p - hp["lr"] * (m_ * m_scale) / (np.sqrt(v_ * v_scale) + hp["eps"])
        for p, m_, v_ in zip(params, m, v)
    ]
    return new_params, {"t": t, "m": m, "v": v}
