import functools
import warnings
import zlib

import numpy as np
import pytest

from lifeexp_cli.errors import UsageError
from lifeexp_cli.nn import activations, mlp

STEP = 1e-3
# Well above the largest pre-activation change a 2*STEP nudge can cause, so no ReLU switches on or off.
KINK_MARGIN = 0.05


def hidden_pre_activations(params, X, activation):
    _, cache = mlp.forward(params, X, activation)
    return cache["pre_activations"][:-1]


def random_problem(rng, hidden, activation):
    """A small network and data whose hidden pre-activations all stay clear of the ReLU kink."""
    sizes = mlp.layer_sizes(3, hidden)
    for _ in range(100):
        params = mlp.init_params(sizes, activation, seed=int(rng.integers(1 << 30)))
        params = [p + rng.normal(0.0, 0.3, size=p.shape) for p in params]  # non-zero biases too
        X = rng.normal(size=(6, 3))
        y = rng.normal(2.0, 1.0, size=6)
        if all(np.abs(z).min() > KINK_MARGIN for z in hidden_pre_activations(params, X, activation)):
            return params, X, y
    raise AssertionError("could not draw a problem away from the kinks")


def numeric_grads(params, X, y, activation, weight_decay):
    """Five-point central differences: error O(STEP^4), so rounding, not truncation, sets the floor."""
    def loss_with(p, idx, shift):
        original = p[idx]
        p[idx] = original + shift
        value = mlp.loss(params, X, y, activation, weight_decay)
        p[idx] = original
        return value

    grads = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            near = loss_with(p, idx, STEP) - loss_with(p, idx, -STEP)
            far = loss_with(p, idx, 2 * STEP) - loss_with(p, idx, -2 * STEP)
            g[idx] = (8 * near - far) / (12 * STEP)
        grads.append(g)
    return grads


@pytest.mark.parametrize("activation", activations.NAMES)
@pytest.mark.parametrize("hidden", [(4,), (4, 3), (3, 4, 2)])
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_gradients_match_central_differences(activation, hidden, weight_decay):
    rng = np.random.default_rng(zlib.crc32(repr((activation, hidden, weight_decay)).encode()))
    params, X, y = random_problem(rng, hidden, activation)
    value, analytic = mlp.loss_and_grad(params, X, y, activation, weight_decay)
    numeric = numeric_grads(params, X, y, activation, weight_decay)
    assert value == pytest.approx(mlp.loss(params, X, y, activation, weight_decay), rel=1e-12)
    assert len(analytic) == len(params)
    for a, n, p in zip(analytic, numeric, params):
        assert a.shape == p.shape
        relative = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)
        assert relative.max() < 1e-6


def test_backward_gives_gradient_of_any_upstream_signal():
    # backward is linear in dyhat: the grads of sum(c * yhat) must match finite differences of it.
    rng = np.random.default_rng(3)
    params, X, _ = random_problem(rng, (4, 3), "tanh")
    c = rng.normal(size=X.shape[0])
    _, cache = mlp.forward(params, X, "tanh")
    grads = mlp.backward(params, cache, c, "tanh")
    step = 1e-6
    W = params[0]
    W[1, 2] += step
    up = c @ mlp.predict(params, X, "tanh")
    W[1, 2] -= 2 * step
    down = c @ mlp.predict(params, X, "tanh")
    W[1, 2] += step
    assert grads[0][1, 2] == pytest.approx((up - down) / (2 * step), rel=1e-6)


def test_loss_form_with_weight_decay():
    rng = np.random.default_rng(0)
    params = mlp.init_params([2, 3, 1], "tanh", seed=1)
    params = [p + 0.1 for p in params]
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    mse = np.mean((mlp.predict(params, X, "tanh") - y) ** 2)
    penalty = np.sum(params[0] ** 2) + np.sum(params[2] ** 2)  # weights only, biases excluded
    assert mlp.loss(params, X, y, "tanh", 0.3) == pytest.approx(mse + 0.3 * penalty, rel=1e-12)
    assert mlp.loss(params, X, y, "tanh") == pytest.approx(mse, rel=1e-12)


def test_shapes_sizes_and_parameter_count():
    assert mlp.layer_sizes(5, (8, 4)) == [5, 8, 4, 1]
    assert mlp.layer_sizes(5, ()) == [5, 1]
    params = mlp.init_params([5, 8, 4, 1], "relu", seed=0)
    assert [p.shape for p in params] == [(5, 8), (8,), (8, 4), (4,), (4, 1), (1,)]
    assert all(not b.any() for b in params[1::2])
    assert sum(p.size for p in params) == 5 * 8 + 8 + 8 * 4 + 4 + 4 + 1
    yhat, _ = mlp.forward(params, np.ones((7, 5)), "relu")
    assert yhat.shape == (7,)
    assert mlp.predict(params, np.ones((7, 5)), "relu").shape == (7,)


def test_same_seed_same_weights_and_different_seed_different_weights():
    a = mlp.init_params([4, 6, 1], "tanh", seed=42)
    b = mlp.init_params([4, 6, 1], "tanh", seed=42)
    c = mlp.init_params([4, 6, 1], "tanh", seed=43)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("activation, expected_std", [
    ("relu", np.sqrt(2 / 400)),
    ("tanh", np.sqrt(2 / (400 + 300))),
    ("sigmoid", np.sqrt(2 / (400 + 300))),
    ("identity", np.sqrt(2 / (400 + 300))),
])
def test_init_scale_he_for_relu_glorot_otherwise(activation, expected_std):
    W = mlp.init_params([400, 300, 1], activation, seed=0)[0]
    assert W.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(W.mean()) < 0.05 * expected_std


def test_unknown_activation_is_a_usage_error():
    params = mlp.init_params([2, 1], "relu", seed=0)
    with pytest.raises(UsageError, match="swish"):
        mlp.init_params([2, 1], "swish", seed=0)
    with pytest.raises(UsageError):
        mlp.forward(params, np.ones((1, 2)), "swish")
    with pytest.raises(UsageError):
        mlp.loss_and_grad(params, np.ones((1, 2)), np.ones(1), "swish")


def test_sigmoid_does_not_overflow_on_large_inputs():
    params = [np.array([[1000.0, -1000.0]]), np.zeros(2), np.ones((2, 1)), np.zeros(1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yhat = mlp.predict(params, np.array([[1.0], [-1.0]]), "sigmoid")
    assert yhat == pytest.approx([1.0, 1.0])


def test_deep_identity_network_reaches_least_squares():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 3.0 + rng.normal(0.0, 0.3, size=60)
    design = np.column_stack([X, np.ones(len(X))])
    least_squares = design @ np.linalg.lstsq(design, y, rcond=None)[0]

    # Bound the way the shared training loop binds it: loss_and_grad(params, Xb, yb).
    loss_and_grad = functools.partial(mlp.loss_and_grad, activation="identity")
    params = mlp.init_params(mlp.layer_sizes(3, (4, 3)), "identity", seed=0)
    for _ in range(4000):
        _, grads = loss_and_grad(params, X, y)
        params = [p - 0.02 * g for p, g in zip(params, grads)]
    np.testing.assert_allclose(mlp.predict(params, X, "identity"), least_squares, atol=1e-6)


def test_plain_record_round_trip_is_exact_and_json_safe():
    import json

    params = mlp.init_params([3, 5, 2, 1], "tanh", seed=4)
    params = [p + 0.25 for p in params]
    plain = mlp.to_plain(params, "tanh")
    assert plain["sizes"] == [3, 5, 2, 1] and plain["activation"] == "tanh"
    assert json.loads(json.dumps(plain)) == plain  # plain lists and floats only
    back = mlp.from_plain(plain)
    assert [p.shape for p in back] == [p.shape for p in params]
    assert all(np.array_equal(p, q) for p, q in zip(params, back))
