"""The one training loop shared by the iterative linear models and the MLP.

Epochs are numbered from 1. Stopping rule: the monitored loss (validation loss when X_val is given,
else training loss) counts as improved when it falls below best − tol·max(best, 1), where best is
the lowest monitored loss so far. That is a relative tolerance for losses above 1 and an absolute one
below 1, so a loss heading to 0 (noise-free data) still stops. After `patience` consecutive epochs
without such an improvement the loop stops with converged=True; running out of epochs leaves
converged=False. The best epoch (for restore_best) is the plain minimum of the monitored loss.
"""

import numbers

import numpy as np

from lifeexp_cli.optim import optimizers
from lifeexp_cli.errors import DataError, TrainingError, UsageError

DIVERGENCE_HINT = "try a smaller --lr or --scale standard"


def train(
    params, loss_and_grad, loss, X, y, *, optimizer, hp, epochs, batch_size, seed,
    tol=1e-7, patience=10, X_val=None, y_val=None, restore_best=False, on_epoch=None,
    divergence_factor=1e6,
) -> dict:
    """Fit `params` with `optimizer`; return params, histories, and how the run ended.

    loss_and_grad(params, Xb, yb) -> (float, list of arrays) drives the steps; loss(params, X, y)
    -> float scores the full training set (and validation set) once per epoch.
    on_epoch(epoch, train_loss, val_loss_or_None) is called after every epoch.
    """
    hp = _validate(optimizer, hp, epochs, batch_size, seed, tol, patience, divergence_factor)
    _check_data(X, y, X_val, y_val)
    n = len(X)
    full_batch = optimizer == "gd" or batch_size is None or batch_size >= n
    rng = np.random.default_rng(seed)  # one generator per run: same seed, same batches
    params = [np.asarray(p, dtype=np.float64) for p in params]
    state = optimizers.init_state(optimizer, params)
    has_val = X_val is not None
    history, val_history = [], ([] if has_val else None)

    # We detect overflow ourselves and raise TrainingError, so numpy's warnings would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        initial_loss = float(loss(params, X, y))
        if not np.isfinite(initial_loss):
            raise TrainingError(
                f"initial loss is {initial_loss}; check the data for missing or infinite values"
            )
        limit = divergence_factor * initial_loss if initial_loss > 0 else np.inf
        monitor = _Monitor(tol, patience)
        for epoch in range(1, epochs + 1):
            batches = [None] if full_batch else _batch_rows(n, batch_size, rng)
            params, state = _run_epoch(params, state, loss_and_grad, X, y, batches,
                                       optimizer, hp, epoch)
            train_loss = float(loss(params, X, y))
            _check_divergence(train_loss, limit, epoch)
            val_loss = None
            if has_val:
                val_loss = float(loss(params, X_val, y_val))
                _check_divergence(val_loss, np.inf, epoch)
                val_history.append(val_loss)
            history.append(train_loss)
            if on_epoch is not None:
                on_epoch(epoch, train_loss, val_loss)
            if monitor.update(val_loss if has_val else train_loss, epoch, params):
                break

    return {
        "params": monitor.best_params if restore_best else params,
        "history": history,
        "val_history": val_history,
        "epochs_run": len(history),
        "converged": monitor.stopped,
        "best_epoch": monitor.best_epoch,
        "best_loss": monitor.best_loss,
        "initial_loss": initial_loss,
    }


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


def _run_epoch(params, state, loss_and_grad, X, y, batches, optimizer, hp, epoch):
    """One optimizer step per batch; a batch of None means all rows."""
    for rows in batches:
        Xb, yb = (X, y) if rows is None else (X[rows], y[rows])
        batch_loss, grads = loss_and_grad(params, Xb, yb)
        _check_divergence(batch_loss, np.inf, epoch)  # stop before stepping on a NaN gradient
        params, state = optimizers.step(optimizer, params, grads, state, hp)
    return params, state


def _batch_rows(n, batch_size, rng):
    """Row indices of each mini-batch of one shuffled epoch; the last batch may be smaller."""
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _check_divergence(value, limit, epoch):
    if not np.isfinite(value) or value > limit:
        raise TrainingError(
            f"training diverged at epoch {epoch} (loss {value:.3g}); {DIVERGENCE_HINT}"
        )


def _validate(optimizer, hp, epochs, batch_size, seed, tol, patience, divergence_factor):
    """Check the run options; return hp with defaults filled in."""
    optimizers.check_name(optimizer)
    _require_int("--epochs", epochs, 1)
    if batch_size is not None:
        _require_int("--batch-size", batch_size, 1)
    if seed is not None:
        _require_int("--seed", seed, 0)
    _require_int("--patience", patience, 1)
    if not (tol >= 0 and np.isfinite(tol)):
        raise UsageError(f"--tol must be >= 0, got {tol}")
    if not divergence_factor >= 1:
        raise UsageError(f"divergence_factor must be >= 1, got {divergence_factor}")
    return optimizers.resolve_hp(hp)


def _require_int(flag, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{flag} must be an integer, got {value!r}")
    if value < low:
        raise UsageError(f"{flag} must be >= {low}, got {value}")


def _check_data(X, y, X_val, y_val):
    if len(X) == 0:
        raise DataError("no training rows left to fit on")
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} rows but y has {len(y)}")
    if (X_val is None) != (y_val is None):
        raise UsageError("X_val and y_val must be given together")
    if X_val is not None and len(X_val) != len(y_val):
        raise DataError(f"X_val has {len(X_val)} rows but y_val has {len(y_val)}")
