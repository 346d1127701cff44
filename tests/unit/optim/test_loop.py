"""The loop's one check of its options (errors name parameters; the CLI shows flags) and its named result."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError, TrainingError, UsageError
from lifeexp_cli.linear.loss import linear_loss, linear_loss_and_grad, linear_predict
from lifeexp_cli.optim import loop
from lifeexp_cli.optim.loop import check_options, train


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


# --- the loop on a linear model, by hand ------------------------------------------------------------

X_TINY, Y_TINY = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([1.0, 3.0])


def two_epochs(optimizer, hp):
    result = train([np.zeros(2)], linear_loss_and_grad, linear_loss, X_TINY, Y_TINY, optimizer,
                   {**hp, "epochs": 2, "patience": 5, "restore_best": False})
    return result.params[0]


def test_linear_gd_two_steps_by_hand():
    # g1 = (2/2)·Xᵀ(0 − y) = [−4, −3]          θ1 = [1, 0.75]
    # r2 = [1, 1.75] − [1, 3] = [0, −1.25];  g2 = [−1.25, −1.25];  θ2 = θ1 + 0.25·1.25 = [1.3125, 1.0625]
    np.testing.assert_allclose(two_epochs("gd", {"lr": 0.25}), [1.3125, 1.0625], rtol=1e-15)


def test_linear_momentum_two_steps_by_hand():
    # The slides' form (default): m1 = 0.5·g1 = [−2, −1.5], θ1 = [0.5, 0.375]; r = [−0.5, −2.125],
    # g2 = [−2.625, −2.125]; m2 = 0.5·m1 + 0.5·g2 = [−2.3125, −1.8125]; θ2 = θ1 − 0.25·m2
    np.testing.assert_allclose(two_epochs("momentum", {"lr": 0.25, "beta": 0.5}), [1.078125, 0.828125], rtol=1e-15)


def test_linear_polyak_momentum_two_steps_by_hand():
    # v1 = g1 = [−4, −3], θ1 = [1, 0.75]; v2 = 0.5·v1 + g2 = [−3.25, −2.75]; θ2 = θ1 − 0.25·v2
    np.testing.assert_allclose(two_epochs("momentum", {"lr": 0.25, "beta": 0.5, "momentum_form": "polyak"}),
                               [1.8125, 1.4375], rtol=1e-15)


def test_slides_momentum_with_lr_is_polyak_with_lr_times_one_minus_beta():
    # m_t = (1 − β)·v_t at every step, so the two forms take the same steps when Polyak's α is (1 − β)·α.
    slides = two_epochs("momentum", {"lr": 0.25, "beta": 0.5})
    polyak = two_epochs("momentum", {"lr": 0.125, "beta": 0.5, "momentum_form": "polyak"})
    np.testing.assert_allclose(slides, polyak, rtol=1e-15)


def test_momentum_form_defaults_and_checks():
    assert check_options("momentum", {})["momentum_form"] == "slides"
    assert check_options("momentum", {})["lr"] == 0.003
    polyak = check_options("momentum", {"momentum_form": "polyak"})
    assert polyak["lr"] == 0.0003  # the same steps as the slides' default
    assert check_options("momentum", polyak) == polyak  # checking a checked dict changes nothing
    assert check_options("momentum", {"momentum_form": "polyak", "lr": 0.01})["lr"] == 0.01
    assert "momentum_form" not in check_options("adam", {})
    with pytest.raises(ParameterError, match="momentum_form"):
        check_options("momentum", {"momentum_form": "nesterov"})
    with pytest.raises(ParameterError, match="only to"):
        check_options("adam", {"momentum_form": "polyak"})


def test_linear_adam_two_steps_by_hand():
    # β1 = 0.5, β2 = 0.75, ε = 0, α = 0.1.
    # t=1: g = [−4, −3]; m = [−2, −1.5]; v = [4, 2.25]; m̂ = [−4, −3]; v̂ = [16, 9]; θ1 = [0.1, 0.1]
    # t=2: r = [0.1, 0.2] − [1, 3] = [−0.9, −2.8]; g = [−3.7, −2.8]
    #      m = [−2.85, −2.15]; v = [6.4225, 3.6475]; m̂ = m/0.75; v̂ = v/0.4375
    m_hat = np.array([-2.85, -2.15]) / 0.75
    v_hat = np.array([6.4225, 3.6475]) / 0.4375
    expected = 0.1 - 0.1 * m_hat / np.sqrt(v_hat)
    got = two_epochs("adam", {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0.0})
    np.testing.assert_allclose(got, expected, rtol=1e-14)


@pytest.mark.parametrize("solver", loop.SOLVERS)
def test_checking_checked_options_changes_nothing(solver):
    options = loop.check_options(solver, {"lr": 0.02, "val_size": 0, "restore_best": False})
    assert loop.check_options(solver, options) == options
    assert list(options) == list(loop.check_options(solver, options))  # the record keeps this order


@pytest.mark.parametrize("given, param, library, command_line", [
    ({"epochs": 0}, "epochs", "epochs must be >= 1, got 0", "--epochs must be >= 1, got 0"),
    ({"batch_size": 2.5}, "batch_size", "batch_size must be an integer, got 2.5",
     "--batch-size must be an integer, got 2.5"),
    ({"tol": float("nan")}, "tol", "tol must be a number >= 0, got nan", "--tol must be a number >= 0, got nan"),
    ({"restore_best": 1}, "restore_best", "restore_best must be true or false, got 1",
     "--restore-best must be true or false, got 1"),
    ({"init": "ones"}, "init", "init must be one of random, zeros, got 'ones'",
     "--init must be one of random, zeros, got 'ones'"),
    ({"val_size": 1.5}, "val_size", "val_size must be between 0 and 1", "--val-size must be between 0 and 1"),
    ({"beta1": 1.0}, "beta1", "beta1 must be < 1, got 1.0", "--beta1 must be < 1, got 1.0"),
])
def test_bad_options_name_the_parameter(given, param, library, command_line):
    with pytest.raises(ParameterError) as caught:
        loop.check_options("adam", given)
    assert caught.value.param == param
    assert str(caught.value).startswith(library)
    assert caught.value.message(flag_of).startswith(command_line)


def test_messages_naming_two_parameters():
    with pytest.raises(ParameterError) as caught:
        loop.check_options("gd", {"batch_size": 32})
    assert caught.value.message(flag_of).startswith("--batch-size does not apply to --solver gd (always full batch)")
    with pytest.raises(ParameterError) as caught:
        loop.reject_for_closed_form("lstsq", {"lr": 0.1, "epochs": 5, "seed": None})
    assert str(caught.value) == "lr, epochs only apply to the iterative solvers (gd, sgd, momentum, adam), not solver lstsq"
    assert caught.value.message(flag_of).startswith("--lr, --epochs only apply")
    with pytest.raises(ParameterError, match="solver must be one of gd, sgd, momentum, adam, got 'lbfgs'"):
        loop.check_options("lbfgs", {})
    with pytest.raises(UsageError, match="unknown training option"):
        loop.check_options("sgd", {"momentum": 0.9})


def line(n=12):
    X = np.column_stack([np.ones(n), np.linspace(-1.0, 1.0, n)])
    return X, X @ np.array([2.0, -3.0])


def test_result_summary_is_what_the_record_keeps():
    X, y = line()
    result = loop.train([np.zeros(2)], linear_loss_and_grad, linear_loss, X, y, "gd",
                        {"lr": 0.3, "epochs": 4, "patience": 50}, val=(X[:3], y[:3]))
    assert (result.epochs_run, result.converged, result.kept_epoch) == (4, False, result.best_epoch)
    summary = result.summary()
    assert summary == {
        "epochs_run": 4, "converged": False, "loss_history": result.history,
        "val_loss_history": result.val_history, "initial_loss": result.initial_loss,
        "best_epoch": result.best_epoch, "kept_epoch": result.best_epoch,
        "final_loss": result.history[result.best_epoch - 1],
        "final_val_loss": result.val_history[result.best_epoch - 1], "monitored": "validation",
    }
    assert all(type(v) is float for v in summary["loss_history"] + [summary["final_loss"]])
    assert result.notes == [loop.NotConverged("gd", 4, 1e-7)]


def test_a_converged_run_keeps_the_last_epoch_without_restore_best():
    X, y = line()
    result = loop.train([np.zeros(2)], linear_loss_and_grad, linear_loss, X, y, "gd",
                        {"lr": 0.3, "patience": 5, "tol": 1e-3, "restore_best": False})
    assert result.converged and result.notes == []
    assert result.kept_epoch == result.epochs_run and result.summary()["monitored"] == "training"
    with pytest.raises(ParameterError, match="divergence_factor must be >= 1"):
        loop.train([np.zeros(2)], linear_loss_and_grad, linear_loss, X, y, "gd", {}, divergence_factor=0.5)
