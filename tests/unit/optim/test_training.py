import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.errors import ParameterError, TrainingError, UsageError
from lifeexp_cli.linear.loss import linear_loss, linear_loss_and_grad, linear_predict
from lifeexp_cli.optim.loop import train


def standardized_problem(n=200, seed=42):
    """Intercept column plus three standardized features, y linear in them with small noise."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(loc=[5.0, -2.0, 10.0], scale=[2.0, 0.5, 3.0], size=(n, 3))
    X = np.column_stack([np.ones(n), (raw - raw.mean(axis=0)) / raw.std(axis=0)])
    y = X @ np.array([1.5, 2.0, -1.0, 0.5]) + 0.1 * rng.normal(size=n)
    return X, y


def fit(X, y, optimizer="gd", val=None, on_epoch=None, **options):
    settings = {"lr": 0.1, "epochs": 2000, "batch_size": None, "seed": 0, "patience": 10, "restore_best": False}
    settings.update(options)
    return train([np.zeros(X.shape[1])], linear_loss_and_grad, linear_loss, X, y, optimizer, settings, val=val,
                 on_epoch=on_epoch)


# --- objectives -----------------------------------------------------------------------------

def test_linear_loss_and_grad_by_hand():
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    theta, y = np.array([1.0, 1.0]), np.ones(3)
    # residuals 0, 1, 2: J = 5/3; grad = (2/3)·Xᵀr = (2/3)·[3, 5]
    loss, (grad,) = linear_loss_and_grad([theta], X, y)
    assert_allclose(linear_predict([theta], X), [1.0, 2.0, 3.0])
    assert_allclose([loss, linear_loss([theta], X, y)], [5 / 3, 5 / 3], rtol=1e-15)
    assert_allclose(grad, [2.0, 10 / 3], rtol=1e-15)


def test_linear_grad_matches_finite_differences():
    rng = np.random.default_rng(1)
    X, y, theta = rng.normal(size=(30, 4)), rng.normal(size=30), rng.normal(size=4)
    _, (grad,) = linear_loss_and_grad([theta], X, y)
    h, numeric = 1e-6, np.empty(4)
    for j in range(4):
        bump = np.zeros(4)
        bump[j] = h
        up, down = linear_loss([theta + bump], X, y), linear_loss([theta - bump], X, y)
        numeric[j] = (up - down) / (2 * h)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


# --- reaching the closed-form solution ------------------------------------------------------

@pytest.mark.parametrize(
    "optimizer, lr, batch_size, patience, atol",
    [
        ("gd", 0.1, None, 10, 1e-4),
        ("sgd", 0.01, 20, 10, 1e-3),
        # Heavy ball with β = 0.9 oscillates with a half-period of ~10 epochs here, so it needs
        # more patience than that; so does full-batch Adam.
        ("momentum", 0.05, None, 50, 1e-4),
        ("adam", 0.02, None, 50, 1e-4),
    ],
)
def test_optimizer_reaches_least_squares_solution(optimizer, lr, batch_size, patience, atol):
    X, y = standardized_problem()
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    full_batch = None if optimizer == "gd" else len(X)  # only gd takes None (full batch)
    result = fit(X, y, optimizer=optimizer, lr=lr, batch_size=batch_size or full_batch, patience=patience)
    assert result.converged
    assert_allclose(result.params[0], expected, atol=atol)


# --- reproducibility ------------------------------------------------------------------------

def test_same_seed_gives_bit_identical_results():
    X, y = standardized_problem()
    first = fit(X, y, optimizer="sgd", lr=0.01, batch_size=16, epochs=20, seed=7)
    second = fit(X, y, optimizer="sgd", lr=0.01, batch_size=16, epochs=20, seed=7)
    assert first.history == second.history
    assert np.array_equal(first.params[0], second.params[0])


def test_different_seed_gives_different_batch_path():
    X, y = standardized_problem()
    first = fit(X, y, optimizer="sgd", lr=0.01, batch_size=16, epochs=5, seed=7)
    second = fit(X, y, optimizer="sgd", lr=0.01, batch_size=16, epochs=5, seed=8)
    assert first.history != second.history
    assert not np.array_equal(first.params[0], second.params[0])


def test_gd_is_full_batch_and_refuses_a_batch_size():
    X, y = standardized_problem()
    full = fit(X, y, epochs=5, seed=1)
    assert full.history == fit(X, y, epochs=5, seed=2).history
    assert full.history == fit(X, y, optimizer="sgd", batch_size=len(X), epochs=5, seed=3).history
    with pytest.raises(ParameterError, match="batch_size does not apply to solver gd"):
        fit(X, y, epochs=5, batch_size=10)


# --- stopping -------------------------------------------------------------------------------

def test_early_stopping_stops_before_epoch_budget():
    X, y = standardized_problem()
    result = fit(X, y, epochs=10_000)
    assert result.converged is True
    assert result.epochs_run < 10_000
    assert len(result.history) == result.epochs_run
    assert result.val_history is None


def test_running_out_of_epochs_is_not_converged():
    X, y = standardized_problem()
    result = fit(X, y, epochs=3)
    assert result.converged is False
    assert result.epochs_run == 3
    assert result.history[0] < result.initial_loss


def test_too_large_learning_rate_diverges_promptly():
    X, y = standardized_problem()
    seen = []
    with pytest.raises(TrainingError, match="smaller lr or scale standard"):
        fit(X, y, lr=10.0, epochs=1000, on_epoch=lambda *args: seen.append(args))
    assert len(seen) < 5


def test_nan_loss_raises_training_error():
    X, y = standardized_problem()
    y = y.copy()
    y[3] = np.nan
    with pytest.raises(TrainingError):
        fit(X, y)


def walk_up(params, X, y):
    """Toy objective: the gradient always pushes θ up by lr, the loss is (θ − 3)²."""
    return walk_loss(params, X, y), [np.array([-1.0])]


def walk_loss(params, X, y):
    return float((params[0][0] - 3.0) ** 2)


def test_restore_best_returns_best_epoch_params():
    # θ goes 1, 2, 3, 4, 5 over the epochs; the loss is lowest (0) at epoch 3.
    X, y = np.zeros((4, 1)), np.zeros(4)
    options = {"lr": 1.0, "epochs": 100, "seed": 0, "patience": 2}
    best = train([np.zeros(1)], walk_up, walk_loss, X, y, "gd", {**options, "restore_best": True})
    last = train([np.zeros(1)], walk_up, walk_loss, X, y, "gd", {**options, "restore_best": False})
    assert (best.best_epoch, best.best_loss, best.epochs_run) == (3, 0.0, 5)
    assert best.params[0][0] == 3.0
    assert last.params[0][0] == 5.0


def test_validation_loss_is_recorded_and_monitored():
    X, y = standardized_problem()
    calls = []
    result = fit(X[:150], y[:150], val=(X[150:], y[150:]), epochs=4,
                 on_epoch=lambda *args: calls.append(args))
    assert len(result.val_history) == 4
    assert [c[0] for c in calls] == [1, 2, 3, 4]
    assert [c[2] for c in calls] == result.val_history
    assert result.best_loss == min(result.val_history)


def test_train_does_not_mutate_initial_params():
    X, y = standardized_problem()
    start = [np.zeros(4)]
    fit_result = train(start, linear_loss_and_grad, linear_loss, X, y, "adam",
                       {"lr": 0.1, "epochs": 3, "batch_size": 32, "seed": 0})
    assert np.array_equal(start[0], np.zeros(4))
    assert not np.array_equal(fit_result.params[0], start[0])


# --- argument checks ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "options, message",
    [
        ({"lr": 0}, "lr must be > 0, got 0"),
        ({"epochs": 0}, "epochs must be >= 1, got 0"),
        ({"optimizer": "sgd", "batch_size": 0}, "batch_size must be >= 1, got 0"),
        ({"patience": 0}, "patience must be >= 1, got 0"),
        ({"tol": -1.0}, "tol must be a number >= 0"),
        ({"optimizer": "lbfgs"}, "solver must be one of gd, sgd, momentum, adam"),
    ],
)
def test_bad_options_raise_usage_error_naming_the_option(options, message):
    X, y = standardized_problem(n=20)
    with pytest.raises(UsageError, match=message):
        fit(X, y, **options)
