"""Running the one training loop (training.train) for any iterative model: option defaults, the run
itself, and what the model record keeps of it.

A model kind supplies its loss, its loss-and-gradient and its initial parameters; everything else
(defaults per optimizer, validation of the options, early stopping, divergence, the history and the
"not converged" warning) is shared here, so the linear solvers and the neural network train alike.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lifeexp_cli.optim import optimizers
from lifeexp_cli.optim import loop as training
from lifeexp_cli.errors import UsageError

SOLVERS = optimizers.OPTIMIZERS

# Per-optimizer defaults, chosen on Tim's three standardized features (bench/solvers.py measures them):
# each reaches the least-squares optimum to well within 0.1% RMSE and 1% per coefficient. Mini-batch
# noise, not speed, limits sgd and momentum, so their steps are small; momentum's effective step is
# lr/(1 − β) = 10·lr, hence a tenth of sgd's. Adam moves each parameter by about lr per step whatever
# the gradient's scale, so an intercept near 69 years takes some 69/lr steps.
SOLVER_DEFAULTS = {
    "gd": {"lr": 0.1, "batch_size": None},
    "sgd": {"lr": 0.003, "batch_size": 64},
    "momentum": {"lr": 0.0003, "batch_size": 64},
    "adam": {"lr": 0.005, "batch_size": 64},
}
# Momentum and Adam losses can rise for tens of epochs before falling again, so patience must span that.
COMMON_DEFAULTS = {"epochs": 1000, "tol": 1e-7, "patience": 50, "init": "random", "seed": 0,
                   "restore_best": True, "val_size": None}
HP_KEYS = ("beta", "beta1", "beta2", "eps")
OPTION_KEYS = ("lr", "batch_size", *COMMON_DEFAULTS, *HP_KEYS)
INIT_METHODS = ("random", "zeros")
# Each option's flag, for messages.
FLAGS = {key: "--" + key.replace("_", "-") for key in OPTION_KEYS}
FLAGS["restore_best"] = "--restore-best"
INIT_STREAM = 0x11FE  # keeps the θ draw independent of the shuffling stream seeded with the same --seed


def is_iterative(solver: str) -> bool:
    return solver in SOLVERS


def resolve_options(solver: str, given: dict, defaults: dict | None = None) -> dict:
    """All options of an iterative run, defaults filled in (None means default), after range checks.

    defaults: a model kind's own defaults, over the ones above (the network's come from network.py).
    --val-size 0 turns a default validation split off (and stays 0, so resolving again keeps it off). The result is plain values only, so it is
    stored as is in the model record (spec.options).
    """
    optimizers.check_name(solver)
    unknown = sorted(set(given) - set(OPTION_KEYS))
    if unknown:
        raise UsageError(f"unknown training option(s): {', '.join(unknown)}")
    chosen = {k: v for k, v in given.items() if v is not None}
    if solver == "gd" and chosen.get("batch_size") is not None:
        raise UsageError("--batch-size does not apply to --solver gd (always full batch): "
                         "use --solver sgd, momentum or adam for mini-batches")
    options = {**COMMON_DEFAULTS, **SOLVER_DEFAULTS[solver], **(defaults or {}), **chosen}
    hp = optimizers.resolve_hp({"lr": options["lr"], **{k: options.get(k) for k in HP_KEYS}})
    options.update(hp)
    if options["init"] not in INIT_METHODS:
        raise UsageError(f"--init must be one of {', '.join(INIT_METHODS)}, got {options['init']!r}")
    for key, low in (("epochs", 1), ("patience", 1), ("seed", 0)):
        _require_int(key, options[key], low)
    if options["batch_size"] is not None:
        _require_int("batch_size", options["batch_size"], 1)
    if not (isinstance(options["tol"], numbers.Real) and math.isfinite(options["tol"]) and options["tol"] >= 0):
        raise UsageError(f"--tol must be a number >= 0, got {options['tol']}")
    if not isinstance(options["restore_best"], bool):
        raise UsageError(f"--restore-best must be true or false, got {options['restore_best']!r}")
    val_size = options["val_size"]
    if val_size not in (None, 0) and not 0 < val_size < 1:
        raise UsageError(f"--val-size must be between 0 and 1 (exclusive), or 0 for none, got {val_size}")
    return {k: (float(v) if k in ("lr", "tol", *HP_KEYS) else v) for k, v in options.items()}


def _require_int(key, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{FLAGS[key]} must be an integer, got {value!r}")
    if value < low:
        raise UsageError(f"{FLAGS[key]} must be >= {low}, got {value}")


def reject_for_closed_form(solver: str, given: dict) -> None:
    """Training options make no sense for an exact solver: say so instead of ignoring them."""
    used = [FLAGS[k] for k, v in given.items() if v is not None and k in FLAGS]
    if used:
        verb = "applies" if len(used) == 1 else "apply"
        raise UsageError(f"{', '.join(used)} only {verb} to the iterative solvers ({', '.join(SOLVERS)}), "
                         f"not --solver {solver}")


def init_rng(seed: int) -> np.random.Generator:
    """The generator for a model's initial parameters (a stream apart from the shuffling one)."""
    return np.random.default_rng([INIT_STREAM, seed])


def run(params, loss_and_grad, loss, X, y, options: dict, solver: str, *, val=None, on_epoch=None):
    """Train with `options` (from resolve_options); return (params, training summary, warnings).

    val is None or (X_val, y_val): with it, early stopping watches the validation loss. A diverging
    run raises TrainingError, so nothing after it (the model file) is written.
    """
    X_val, y_val = val if val is not None else (None, None)
    hp = {k: options[k] for k in ("lr", *HP_KEYS)}
    result = training.train(
        params, loss_and_grad, loss, X, y, optimizer=solver, hp=hp, epochs=options["epochs"],
        batch_size=options["batch_size"], seed=options["seed"], tol=options["tol"],
        patience=options["patience"], X_val=X_val, y_val=y_val, restore_best=options["restore_best"],
        on_epoch=on_epoch,
    )
    return result["params"], summary(result, options), convergence_warnings(result, options, solver)


def summary(result: dict, options: dict) -> dict:
    """What the model record keeps of a run: plain lists and numbers."""
    history = [float(v) for v in result["history"]]
    kept = result["best_epoch"] if options["restore_best"] else result["epochs_run"]
    val_history = result["val_history"]
    return {
        "epochs_run": result["epochs_run"],
        "converged": bool(result["converged"]),
        "loss_history": history,
        "val_loss_history": None if val_history is None else [float(v) for v in val_history],
        "initial_loss": float(result["initial_loss"]),
        "best_epoch": result["best_epoch"],
        "kept_epoch": kept,
        "final_loss": history[kept - 1],
        "final_val_loss": None if val_history is None else float(val_history[kept - 1]),
        "monitored": "validation" if val_history is not None else "training",
    }


def convergence_warnings(result: dict, options: dict, solver: str) -> list[str]:
    if result["converged"]:
        return []
    return [f"{solver} did not converge within --epochs {options['epochs']} (the loss was still improving "
            f"by more than --tol {options['tol']:g}): raise --epochs, or --lr if the loss falls slowly"]


def range_spread_warning(X: np.ndarray, features: list[str]) -> list[str]:
    """Unscaled features whose ranges differ by orders of magnitude make gradient descent crawl.

    X may hold NaN (missing values are ignored).
    """
    if X.shape[1] < 2 or len(X) == 0:
        return []
    with np.errstate(invalid="ignore"):
        present = ~np.isnan(X)
        high = np.where(present, X, -np.inf).max(axis=0)
        low = np.where(present, X, np.inf).min(axis=0)
    spread = np.where(present.any(axis=0), high - low, 0.0)
    positive = spread > 0
    if positive.sum() < 2:
        return []
    wide, narrow = int(np.argmax(np.where(positive, spread, -np.inf))), \
        int(np.argmin(np.where(positive, spread, np.inf)))
    ratio = spread[wide] / spread[narrow]
    if ratio < 100:
        return []
    return [f"unscaled features differ in range by a factor of {ratio:.3g} ({features[wide]} spans "
            f"{spread[wide]:.4g}, {features[narrow]} {spread[narrow]:.4g}): gradient descent will converge "
            "slowly or need a tiny --lr; use --scale standard"]
