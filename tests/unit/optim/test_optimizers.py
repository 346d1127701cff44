import copy

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.errors import UsageError
from lifeexp_cli.optim import optimizers


def run_steps(name, theta0, grad_fn, hp, steps):
    """Apply `steps` updates to a 1-D parameter; return the parameter after each step."""
    params = [np.array([theta0])]
    state = optimizers.init_state(name, params)
    trajectory = []
    for _ in range(steps):
        params, state = optimizers.step(name, params, [grad_fn(params[0])], state, hp)
        trajectory.append(params[0][0])
    return trajectory


def quadratic_grad(theta):
    """Gradient of f(θ) = θ²."""
    return 2.0 * theta


@pytest.mark.parametrize("name", ["gd", "sgd"])
def test_plain_step_by_hand(name):
    # θ ← θ − 0.1·2θ = 0.8θ: 1 → 0.8 → 0.64 → 0.512
    got = run_steps(name, 1.0, quadratic_grad, {"lr": 0.1}, 3)
    assert_allclose(got, [0.8, 0.64, 0.512], rtol=1e-15)


def test_polyak_momentum_step_by_hand():
    # g1 = 2,    v1 = 2,                 θ1 = 1 − 0.2     = 0.8
    # g2 = 1.6,  v2 = 0.9·2 + 1.6 = 3.4,  θ2 = 0.8 − 0.34  = 0.46
    # g3 = 0.92, v3 = 0.9·3.4 + 0.92 = 3.98, θ3 = 0.46 − 0.398 = 0.062
    # (the slides' slip, stepping with v_{t−1}, would leave θ1 = 1.)
    got = run_steps("momentum", 1.0, quadratic_grad, {"lr": 0.1, "beta": 0.9, "momentum_form": "polyak"}, 3)
    assert_allclose(got, [0.8, 0.46, 0.062], rtol=1e-12)


def test_slides_momentum_step_by_hand():
    # The default form averages: m = βm + (1 − β)g.
    # g1 = 2,      m1 = 0.2,                       θ1 = 1 − 0.02 = 0.98
    # g2 = 1.96,   m2 = 0.18 + 0.196 = 0.376,      θ2 = 0.98 − 0.0376 = 0.9424
    # g3 = 1.8848, m3 = 0.3384 + 0.18848 = 0.52688, θ3 = 0.9424 − 0.052688 = 0.889712
    got = run_steps("momentum", 1.0, quadratic_grad, {"lr": 0.1, "beta": 0.9}, 3)
    assert_allclose(got, [0.98, 0.9424, 0.889712], rtol=1e-12)


def test_adam_steps_by_hand():
    # β1 = 0.5, β2 = 0.75 (unequal, so swapped bias corrections would show), ε = 0, gradients 2 then 4.
    # t=1: m = 1,   v = 0.25·4 = 1,            m̂ = 1/0.5 = 2,      v̂ = 1/0.25 = 4
    #      θ = 1 − 0.1·2/√4 = 0.9
    # t=2: m = 2.5, v = 0.75 + 0.25·16 = 4.75, m̂ = 2.5/0.75 = 10/3, v̂ = 4.75/0.4375 = 76/7
    #      θ = 0.9 − 0.1·(10/3)/√(76/7)
    grads = iter([2.0, 4.0])
    hp = {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.0}
    got = run_steps("adam", 1.0, lambda _: next(grads), hp, 2)
    assert_allclose(got, [0.9, 0.9 - 0.1 * (10 / 3) / np.sqrt(76 / 7)], rtol=1e-14)


def test_adam_first_step_uses_default_hyperparameters():
    # t=1 with bias correction: m̂ = g and v̂ = g², so the step is α·g/(|g| + ε).
    got = run_steps("adam", 1.0, quadratic_grad, {"lr": 0.1}, 1)
    assert_allclose(got, [1.0 - 0.1 * 2.0 / (2.0 + 1e-8)], rtol=1e-15)


@pytest.mark.parametrize("name", optimizers.OPTIMIZERS)
def test_step_is_pure(name):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    hp = {"lr": 0.1}
    # One warm-up step so the state holds non-zero moments worth protecting.
    state = optimizers.step(name, params, grads, optimizers.init_state(name, params), hp)[1]
    before = copy.deepcopy((params, grads, state, hp))

    new_params, new_state = optimizers.step(name, params, grads, state, hp)

    for old, now in zip(before[0] + before[1], params + grads):
        assert np.array_equal(old, now)
    assert _states_equal(before[2], state)
    assert before[3] == hp
    assert all(new is not old for new, old in zip(new_params, params))
    assert [p.shape for p in new_params] == [(3, 2), (2,)]
    assert new_state is not state


def _states_equal(a, b):
    if a.keys() != b.keys():
        return False
    for key in a:
        if isinstance(a[key], list):
            if not all(np.array_equal(x, y) for x, y in zip(a[key], b[key])):
                return False
        elif a[key] != b[key]:
            return False
    return True


def test_unknown_optimizer_raises_usage_error():
    with pytest.raises(UsageError, match="solver must be one of"):
        optimizers.init_state("rmsprop", [np.zeros(2)])
    with pytest.raises(UsageError, match="solver must be one of"):
        optimizers.step("rmsprop", [np.zeros(2)], [np.zeros(2)], {}, {"lr": 0.1})


def test_resolve_hp_fills_defaults_and_checks_ranges():
    assert optimizers.resolve_hp({"lr": 0.5, "beta": None}) == {
        "lr": 0.5, "beta": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
    }
    with pytest.raises(UsageError, match="lr must be > 0, got 0"):
        optimizers.resolve_hp({"lr": 0})
    with pytest.raises(UsageError, match="beta2 must be < 1"):
        optimizers.resolve_hp({"lr": 0.1, "beta2": 1.0})
    with pytest.raises(UsageError, match="lr is required"):
        optimizers.resolve_hp({})
    with pytest.raises(UsageError, match="unknown hyperparameter"):
        optimizers.resolve_hp({"lr": 0.1, "momentum": 0.9})
