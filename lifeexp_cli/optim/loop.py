"""The one training loop shared by the iterative linear models and the network, and the one check of its
options.

A model kind supplies its initial parameters, its loss and its loss-and-gradient; everything else (the
options and their defaults, their checks, mini-batches, early stopping, divergence, the history and the
"not converged" fact) is here, so the linear solvers and the network train alike. What is worth telling the
user comes back as facts (`NotConverged`, `RangeSpread`); the model layer words them
(lifeexp_cli/model/notes.py), because the words name the command line's flags.

Epochs are numbered from 1. Stopping rule: the monitored loss (validation loss when a validation set is
given, else training loss) counts as improved when it falls below best − tol·max(best, 1), where best is
the lowest monitored loss so far. That is a relative tolerance for losses above 1 and an absolute one
below 1, so a loss heading to 0 (noise-free data) still stops. After `patience` consecutive epochs
without such an improvement the loop stops with converged=True; running out of epochs leaves
converged=False. The best epoch (kept with restore_best) is the plain minimum of the monitored loss.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from lifeexp_cli import options
from lifeexp_cli.errors import DataError, DivergenceError, ParameterError, TrainingError, UsageError
from lifeexp_cli.limits import MAX_EPOCHS  # epochs and patience; a model file storing more is refused
from lifeexp_cli.optim import optimizers

SOLVERS = optimizers.OPTIMIZERS

# The defaults (per optimizer, and common to all) are declared with the options (lifeexp_cli/options.py);
# a model kind may give its own (the network's are there too).
SOLVER_DEFAULTS = options.SOLVER_DEFAULTS
COMMON_DEFAULTS = options.TRAINING_DEFAULTS
HP_KEYS = tuple(optimizers.DEFAULT_HP)
OPTION_KEYS = options.TRAINING_KEYS
INIT_METHODS = options.INIT_METHODS
INIT_STREAM = 0x11FE  # keeps the θ draw independent of the shuffling stream seeded with the same seed
DIVERGENCE_HINT = "try a smaller {lr} or {scale} standard"


def is_iterative(solver: str) -> bool:
    return solver in SOLVERS


# --- the options ---------------------------------------------------------------------------------------

def check_options(solver: str, given: dict, defaults: dict | None = None) -> dict:
    """All options of a training run, defaults filled in (None means default), after range checks.

    defaults: a model kind's own defaults, over the ones above. val_size 0 turns a default validation
    split off (and stays 0, so checking again keeps it off). Checking a checked dict returns it unchanged.
    The result is plain values only, so it is stored as is in the model record (spec.options).
    """
    optimizers.check_name(solver)
    unknown = sorted(set(given) - set(OPTION_KEYS))
    if unknown:
        raise UsageError(f"unknown training option(s): {', '.join(unknown)}")
    chosen = {k: v for k, v in given.items() if v is not None}
    if solver == "gd" and chosen.get("batch_size") is not None:
        raise ParameterError("{batch_size} does not apply to {solver} gd (always full batch): "
                             "use {solver} sgd, momentum or adam for mini-batches", "batch_size", chosen["batch_size"])
    if solver != "momentum" and chosen.get("momentum_form") is not None:
        raise ParameterError("{momentum_form} applies only to {solver} momentum", "momentum_form",
                             chosen["momentum_form"])
    options = {**COMMON_DEFAULTS, **SOLVER_DEFAULTS[solver], **(defaults or {}), **chosen}
    if solver == "momentum":
        _check_momentum_form(options, "lr" in chosen)
    options.update(optimizers.resolve_hp({"lr": options["lr"], **{k: options.get(k) for k in HP_KEYS}}))
    if options["init"] not in INIT_METHODS:
        raise ParameterError(f"{{init}} must be one of {', '.join(INIT_METHODS)}, got {{value!r}}", "init",
                             options["init"])
    for key, low in (("epochs", 1), ("patience", 1), ("seed", 0)):
        _check_int(key, options[key], low)
    for key in ("epochs", "patience"):
        if options[key] > MAX_EPOCHS:
            raise ParameterError(f"{{{key}}} must be at most {MAX_EPOCHS}, got {{value}}", key, options[key])
    if options["batch_size"] is not None:
        _check_int("batch_size", options["batch_size"], 1)
    tol = options["tol"]
    if isinstance(tol, bool) or not (isinstance(tol, numbers.Real) and math.isfinite(tol) and tol >= 0):
        raise ParameterError("{tol} must be a number >= 0, got {value}", "tol", tol)
    if not isinstance(options["restore_best"], bool):
        raise ParameterError("{restore_best} must be true or false, got {value!r}", "restore_best",
                             options["restore_best"])
    val_size = options["val_size"]
    if val_size not in (None, 0) and not 0 < val_size < 1:
        raise ParameterError("{val_size} must be between 0 and 1 (exclusive), or 0 for none, got {value}",
                             "val_size", val_size)
    return {k: (float(v) if k in ("lr", "tol", *HP_KEYS) else v) for k, v in options.items()}


def _check_momentum_form(options: dict, lr_given: bool) -> None:
    """One of optimizers.MOMENTUM_FORMS; Polyak's form without a given lr takes the default lr × (1 − β), which
    makes the same steps as the slides' form with the default lr (its sum of gradients is 1/(1 − β) times
    their average)."""
    form = options["momentum_form"]
    if form not in optimizers.MOMENTUM_FORMS:
        raise ParameterError(f"{{momentum_form}} must be one of {', '.join(optimizers.MOMENTUM_FORMS)}, "
                             "got {value!r}", "momentum_form", form)
    if form == "polyak" and not lr_given:
        beta = options.get("beta")
        beta = optimizers.DEFAULT_HP["beta"] if beta is None else beta
        if isinstance(beta, numbers.Real) and 0 <= beta < 1:
            options["lr"] = float(f"{options['lr'] * (1 - beta):.12g}")


def _check_int(key: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{{{key}}} must be an integer, got {{value!r}}", key, value)
    if value < low:
        raise ParameterError(f"{{{key}}} must be >= {low}, got {{value}}", key, value)


def reject_for_closed_form(solver: str, given: dict) -> None:
    """Training options make no sense for an exact solver: say so instead of ignoring them."""
    used = [k for k, v in given.items() if v is not None and k in OPTION_KEYS]
    if used:
        verb = "applies" if len(used) == 1 else "apply"
        names = ", ".join(f"{{{k}}}" for k in used)
        raise ParameterError(f"{names} only {verb} to the iterative solvers ({', '.join(SOLVERS)}), "
                             f"not {{solver}} {solver}", used[0], given[used[0]])


def init_rng(seed: int) -> np.random.Generator:
    """The generator for a model's initial parameters (a stream apart from the shuffling one)."""
    return np.random.default_rng([INIT_STREAM, seed])


# --- the run -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingResult:
    """How a run ended. params: the kept parameters (those of the best epoch with restore_best, else the
    last); history / val_history: the training / validation loss after each epoch (val_history None
    without a validation set); kept_epoch: the epoch whose parameters were kept; notes: facts worth telling
    (a `NotConverged` when the run used every epoch)."""

    params: list[np.ndarray]
    history: list[float]
    val_history: list[float] | None
    converged: bool
    best_epoch: int
    best_loss: float
    initial_loss: float
    kept_epoch: int
    notes: list

    @property
    def epochs_run(self) -> int:
        return len(self.history)

    def summary(self) -> dict:
        """What the model record keeps of the run: plain lists and numbers."""
        val = self.val_history
        return {
            "epochs_run": self.epochs_run,
            "converged": bool(self.converged),
            "loss_history": [float(v) for v in self.history],
            "val_loss_history": None if val is None else [float(v) for v in val],
            "initial_loss": float(self.initial_loss),
            "best_epoch": self.best_epoch,
            "kept_epoch": self.kept_epoch,
            "final_loss": float(self.history[self.kept_epoch - 1]),
            "final_val_loss": None if val is None else float(val[self.kept_epoch - 1]),
            "monitored": "validation" if val is not None else "training",
        }


def train(params, loss_and_grad, loss, X, y, solver: str, options: dict, *, val=None, on_epoch=None,
          divergence_factor: float = 1e6) -> TrainingResult:
    """Fit `params` with optimizer `solver` and `options` (checked here with check_options).

    loss_and_grad(params, Xb, yb) -> (float, list of arrays) drives the steps; loss(params, X, y) -> float
    scores the full training set (and validation set) once per epoch. val is None or (X_val, y_val):
    with it, early stopping watches the validation loss. on_epoch(epoch, train_loss, val_loss_or_None) is
    called after every epoch. A diverging run raises TrainingError (so no model file follows it); a
    training loss above divergence_factor × the initial loss counts as diverging.
    """
    options = check_options(solver, options)
    if not divergence_factor >= 1:
        raise ParameterError("{divergence_factor} must be >= 1, got {value}", "divergence_factor",
                             divergence_factor)
    X_val, y_val = val if val is not None else (None, None)
    _check_data(X, y, X_val, y_val)
    hp = {k: options[k] for k in ("lr", *HP_KEYS, "momentum_form") if k in options}
    batch_size = options["batch_size"]
    full_batch = batch_size is None or batch_size >= len(X)
    rng = np.random.default_rng(options["seed"])  # one generator per run: same seed, same batches
    params = [np.asarray(p, dtype=np.float64) for p in params]
    state = optimizers.init_state(solver, params)
    history, val_history = [], ([] if val is not None else None)

    # We detect overflow ourselves and raise TrainingError, so numpy's warnings would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        initial_loss = float(loss(params, X, y))
        if not np.isfinite(initial_loss):
            raise TrainingError(
                f"initial loss is {initial_loss}; check the data for missing or infinite values"
            )
        limit = divergence_factor * initial_loss if initial_loss > 0 else np.inf
        monitor = _Monitor(options["tol"], options["patience"])
        for epoch in range(1, options["epochs"] + 1):
            batches = [None] if full_batch else _batch_rows(len(X), batch_size, rng)
            params, state = _run_epoch(params, state, loss_and_grad, X, y, batches, solver, hp, epoch)
            train_loss = float(loss(params, X, y))
            _check_divergence(train_loss, limit, epoch)
            val_loss = None
            if val is not None:
                val_loss = float(loss(params, X_val, y_val))
                _check_divergence(val_loss, np.inf, epoch)
                val_history.append(val_loss)
            history.append(train_loss)
            if on_epoch is not None:
                on_epoch(epoch, train_loss, val_loss)
            if monitor.update(val_loss if val is not None else train_loss, epoch, params):
                break

    restore = options["restore_best"]
    return TrainingResult(
        params=monitor.best_params if restore else params, history=history, val_history=val_history,
        converged=monitor.stopped, best_epoch=monitor.best_epoch, best_loss=monitor.best_loss,
        initial_loss=initial_loss, kept_epoch=monitor.best_epoch if restore else len(history),
        notes=[] if monitor.stopped else [NotConverged(solver, options["epochs"], options["tol"])],
    )


class _Monitor:
    """Tracks the best monitored loss and decides when to stop (rule in the module docstring)."""

    def __init__(self, tol, patience):
        self.tol, self.patience = tol, patience
        self.best_loss, self.best_epoch, self.best_params = np.inf, 0, None
        self.epochs_without_gain, self.stopped = 0, False

    def update(self, value, epoch, params) -> bool:
        """Record one epoch; return True when training should stop."""
        significant = value < self.best_loss - self.tol * max(self.best_loss, 1.0)
        self.epochs_without_gain = 0 if significant else self.epochs_without_gain + 1
        if value < self.best_loss:
            self.best_loss, self.best_epoch = float(value), epoch
            self.best_params = [p.copy() for p in params]
        self.stopped = self.epochs_without_gain >= self.patience
        return self.stopped


def _run_epoch(params, state, loss_and_grad, X, y, batches, solver, hp, epoch):
    """One optimizer step per batch; a batch of None means all rows."""
    for rows in batches:
        Xb, yb = (X, y) if rows is None else (X[rows], y[rows])
        batch_loss, grads = loss_and_grad(params, Xb, yb)
        _check_divergence(batch_loss, np.inf, epoch)  # stop before stepping on a NaN gradient
        params, state = optimizers.step(solver, params, grads, state, hp)
    return params, state


def _batch_rows(n, batch_size, rng):
    """Row indices of each mini-batch of one shuffled epoch; the last batch may be smaller."""
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _check_divergence(value, limit, epoch):
    if not np.isfinite(value) or value > limit:
        raise DivergenceError(f"training diverged at epoch {epoch} (loss {value:.3g}); {DIVERGENCE_HINT}",
                              "lr")


def _check_data(X, y, X_val, y_val):
    if len(X) == 0:
        raise DataError("no training rows left to fit on")
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} rows but y has {len(y)}")
    if X_val is not None and len(X_val) != len(y_val):
        raise DataError(f"X_val has {len(X_val)} rows but y_val has {len(y_val)}")


# --- facts worth telling ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotConverged:
    """A run that used every epoch while its loss still improved by more than tol each `patience` epochs."""

    solver: str
    epochs: int
    tol: float


@dataclass(frozen=True)
class RangeSpread:
    """Unscaled features whose ranges differ by `ratio` (at least 100): gradient descent crawls along the
    narrow one, or needs a tiny learning rate. `wide` and `narrow` name the features, the spans are max − min."""

    ratio: float
    wide: str
    wide_span: float
    narrow: str
    narrow_span: float


def range_spread(X: np.ndarray, features: list[str]) -> RangeSpread | None:
    """The widest and narrowest ranges of X's columns when they differ by a factor of 100 or more, else None.

    X may hold NaN (missing values are ignored); constant or empty columns are left out.
    """
    if X.shape[1] < 2 or len(X) == 0:
        return None
    with np.errstate(invalid="ignore"):
        present = ~np.isnan(X)
        high = np.where(present, X, -np.inf).max(axis=0)
        low = np.where(present, X, np.inf).min(axis=0)
    spread = np.where(present.any(axis=0), high - low, 0.0)
    positive = spread > 0
    if positive.sum() < 2:
        return None
    wide, narrow = int(np.argmax(np.where(positive, spread, -np.inf))), \
        int(np.argmin(np.where(positive, spread, np.inf)))
    ratio = spread[wide] / spread[narrow]
    if ratio < 100:
        return None
    return RangeSpread(float(ratio), features[wide], float(spread[wide]), features[narrow], float(spread[narrow]))
