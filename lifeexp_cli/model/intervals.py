"""Prediction intervals of a model: calibrated by `fit` (conformal, evaluate/conformal.py), stored in the
record under "calibration", read back by `predict` and `compare` through `interval_for` / `interval_one`.

When fit calibrates: a linear model by an exact solver (lstsq, normal) always (5 country-grouped folds,
or the --cv folds when they are grouped by country); an iteratively trained model (a network, or a
linear model by gd, sgd, momentum, adam) only when the fit runs cross-validation (its folds' out-of-fold
predictions are reused: training five more models only for the intervals would multiply the fit time).
A streamed fit calibrates the same way, in one more pass (model/streamed_calibration.py); data read
from stdin, which can be read once, gets none. Fewer countries than folds: a warning and no calibration.

A network ensemble (`--ensemble K`, K ≥ 2) also feeds its members' spread to the error-size model: the
out-of-fold spreads of the fold ensembles at calibration, the model's own spread for each row at
prediction (`fitting.prediction_spread`).
"""

from __future__ import annotations

import math

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.evaluate import conformal

DEFAULT_LEVEL = 0.9
FOLDS = 5  # calibration folds when the fit runs no cross-validation of its own


BY_ROW_NOTE = ("the data has no country column: prediction intervals are calibrated on folds of rows, for new "
               "rows like these (rows of one country would make them too narrow)")


STDIN_NOTE = ("the data came from stdin, which can be read once: no prediction intervals (they take one more "
              "pass); give --data FILE for them")


def too_few_note(k: int, what: str, units: int) -> str:
    return f"no prediction intervals: calibrating them needs at least {k} {what}, the training rows have {units}"


def unfitted_note(exc: Exception) -> str:
    return f"no prediction intervals: a calibration fold could not be fitted ({exc})"


def check_level(level: float) -> None:
    """A level is 0 (no interval) or in (0, 1)."""
    if not (isinstance(level, (int, float)) and math.isfinite(level) and 0 <= level < 1):
        raise ParameterError("{level} must be between 0 and 1 (0.9 for 90% intervals, 0 for none), got {value}",
                             "level", level)


def calibrated(record: dict) -> bool:
    return isinstance(record.get("calibration"), dict)


def quantile(record: dict, level: float) -> float:
    """q_L of the record's calibration; too few calibration rows for the level is an error naming the way out."""
    calibration = record["calibration"]
    q = conformal.quantile(calibration, level)
    if q is None:
        n, needed = calibration["rows"], max(1, math.floor(level / (1 - level)) - 2)
        while conformal.rank_needed(level, needed) > needed:  # the fewest scores with ⌈(n+1)L⌉ ≤ n
            needed += 1
        highest = math.floor(conformal.max_level(n) * 100) / 100
        raise ParameterError(f"{{level}} {{value}} needs at least {needed} calibration rows, the model was "
                             f"calibrated on {n}: use {{level}} {highest:g} or lower", "level", level)
    return q


def interval_one(record: dict, row: list[float], prediction: float, level: float) -> dict | None:
    """{"level", "lower", "upper", "method"} around one prediction (row: complete, in feature order), or
    None without a calibration or at level 0. Pure Python: a single prediction never imports numpy."""
    if not level or not calibrated(record):
        return None
    calibration = record["calibration"]
    filled = [fill if math.isnan(x) else x for x, fill in zip(row, record["params"]["fill"])]
    spread = None
    if calibration.get("spread"):  # a network ensemble: numpy is loaded for its prediction anyway
        import numpy as np

        from lifeexp_cli.model import fitting

        spread = float(fitting.prediction_spread(record["kind"], record["params"], np.array([row], dtype=float))[0])
    half = quantile(record, level) * conformal.row_scale(calibration, filled, spread)
    return {"level": level, "lower": prediction - half, "upper": prediction + half, "method": calibration["method"]}


def interval_for(record: dict, X, level: float):
    """(predictions, lower, upper) arrays for the raw rows X (n, p; NaN filled as the model fills it), or
    None without a calibration or at level 0. What `predict --input` and `compare` show."""
    if not level or not calibrated(record):
        return None
    import numpy as np

    from lifeexp_cli.model import fitting

    X = np.asarray(X, dtype=float)
    predicted = fitting.predict(record["kind"], record["params"], X)
    filled = np.where(np.isnan(X), np.asarray(record["params"]["fill"]), X)
    spread = fitting.prediction_spread(record["kind"], record["params"], X) \
        if record["calibration"].get("spread") else None
    half = quantile(record, level) * conformal.scale_of(record["calibration"], filled, spread)
    return predicted, predicted - half, predicted + half


def missing_note(record: dict, name: str) -> str:
    """Said once on stderr when a model without calibration is asked for intervals."""
    return (f"model {name} has no prediction-interval calibration (fitted with --no-intervals, from stdin "
            "with --stream, before lifeexp stored one, or trained iteratively without --cv): predictions come "
            "without intervals; refit it with `lifeexp fit` (iterative solvers and networks: add --cv 5)")


def calibrate_rows(X_raw, y, groups, fill, out_of_fold, *, folds: int, split: str, complete_only: bool,
                   spread=None) -> dict:
    """The record's calibration from out-of-fold predictions of the training rows (evaluate/conformal.py).

    fill: the fitted model's values for missing features; complete_only: use only rows without a missing
    value (impute drop: the others were never fitted); spread: an ensemble's out-of-fold member spreads
    (one per row), or None."""
    import numpy as np

    residuals = y - out_of_fold
    if complete_only:
        keep = ~np.isnan(X_raw).any(axis=1)
        X_raw, residuals, groups = X_raw[keep], residuals[keep], groups[keep]
        spread = None if spread is None else spread[keep]
    return conformal.calibrate(X_raw, residuals, folds=folds, split=split, groups=len(np.unique(groups)),
                               fill=fill, spread=spread)
