"""The loop's one check of its options (errors name parameters; the CLI shows flags) and its named result."""

import numpy as np
import pytest

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError, UsageError
from lifeexp_cli.linear.loss import linear_loss, linear_loss_and_grad
from lifeexp_cli.optim import loop


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
    assert result.warnings == ["gd did not converge within --epochs 4 (the loss was still improving by more "
                               "than --tol 1e-07): raise --epochs, or --lr if the loss falls slowly"]


def test_a_converged_run_keeps_the_last_epoch_without_restore_best():
    X, y = line()
    result = loop.train([np.zeros(2)], linear_loss_and_grad, linear_loss, X, y, "gd",
                        {"lr": 0.3, "patience": 5, "tol": 1e-3, "restore_best": False})
    assert result.converged and result.warnings == []
    assert result.kept_epoch == result.epochs_run and result.summary()["monitored"] == "training"
    with pytest.raises(ParameterError, match="divergence_factor must be >= 1"):
        loop.train([np.zeros(2)], linear_loss_and_grad, linear_loss, X, y, "gd", {}, divergence_factor=0.5)
