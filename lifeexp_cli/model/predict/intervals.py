"""Prediction intervals of a saved model, read back from the calibration `fit` stored
(model/fit/interval_calibration.py): `interval_for` (arrays) and `interval_one` (one person, pure Python)
for `predict` and `compare`. A network ensemble's own spread for each row (`arrays.prediction_spread`)
feeds the error-size model.
"""

from __future__ import annotations

import math

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.evaluate import conformal

DEFAULT_LEVEL = 0.9


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

        from lifeexp_cli.model.predict import arrays  # numpy: kept off the path of a single prediction

        spread = float(arrays.prediction_spread(record["kind"], record["params"], np.array([row], dtype=float))[0])
    half = quantile(record, level) * conformal.row_scale(calibration, filled, spread)
    return {"level": level, "lower": prediction - half, "upper": prediction + half, "method": calibration["method"]}


def interval_for(record: dict, X, level: float):
    """(predictions, lower, upper) arrays for the raw rows X (n, p; NaN filled as the model fills it), or
    None without a calibration or at level 0. What `predict --input` and `compare` show."""
    if not level or not calibrated(record):
        return None
    import numpy as np  # predict and compare start without numpy; only arrays of rows need it

    from lifeexp_cli.model.predict import arrays

    X = np.asarray(X, dtype=float)
    predicted = arrays.predict(record["kind"], record["params"], X)
    filled = np.where(np.isnan(X), np.asarray(record["params"]["fill"]), X)
    spread = arrays.prediction_spread(record["kind"], record["params"], X) \
        if record["calibration"].get("spread") else None
    half = quantile(record, level) * conformal.scale_of(record["calibration"], filled, spread)
    return predicted, predicted - half, predicted + half


def missing_note(record: dict, name: str) -> str:
    """Said once on stderr when a model without calibration is asked for intervals (it predicts without
    them): the one likely cause the record shows, and its way out."""
    return f"model {name} has no prediction-interval calibration: {missing_cause(record)}"


def missing_cause(record: dict) -> str:
    """Why a record has no calibration: the most likely cause the record shows (only that one is named)."""
    own = next((note for note in record.get("warnings") or [] if note.startswith("no prediction intervals: ")),
               None)
    if own is not None:  # the fit said why (too few countries for the folds, a fold that could not be fitted)
        return own.removeprefix("no prediction intervals: ")
    if record.get("training") and not (record.get("metrics") or {}).get("cv"):
        return "it was trained iteratively without --folds; refit it with --folds 5 to calibrate intervals on its folds"
    if (record.get("data") or {}).get("source") == "-":
        return "it was fitted from stdin, which can be read once; refit it with --data FILE"
    return "it was fitted with --no-intervals, or by a lifeexp older than intervals; refit it with `lifeexp fit`"
