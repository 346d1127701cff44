"""Prediction intervals of a saved model, read back from the calibration `fit` stored
(model/fit/interval_calibration.py): `interval_for` (arrays) and `interval_one` (one person, pure Python)
for `predict` and `compare`, by the stored method: "shift-conformal" (evaluate/shift.py: the row's domain
distance and its status, from a Status column or the status feature, unknown otherwise) or, in files
written before it and for network ensembles, "cv-conformal" (evaluate/conformal.py: a network ensemble's
own spread for each row, `arrays.prediction_spread`, feeds the error-size model).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.evaluate import conformal, shift

if TYPE_CHECKING:
    from lifeexp_cli.model.record import ModelRecord

DEFAULT_LEVEL = 0.9


def check_level(level: float) -> None:
    """A level is 0 (no interval) or in (0, 1)."""
    if not (isinstance(level, (int, float)) and math.isfinite(level) and 0 <= level < 1):
        raise ParameterError("{level} must be between 0 and 1 (0.9 for 90% intervals, 0 for none), got {value}",
                             "level", level)


def calibrated(record: ModelRecord) -> bool:
    return record.calibrated


def is_shift(record: ModelRecord) -> bool:
    return record.calibration.method == shift.METHOD


def quantile(record: ModelRecord, level: float, status=None) -> float:
    """q_L of the record's calibration (for a row of this status: 1, 0 or None unknown, under
    shift-conformal); too few calibration rows for the level is an error naming the way out."""
    calibration = record.calibration.as_mapping()
    if is_shift(record):
        q = shift.quantile(calibration, level, status)
        n = shift.group_rows(calibration, status)
    else:
        q, n = conformal.quantile(calibration, level), record.calibration.rows
    if q is None:
        raise ParameterError(f"{{level}} {{value}} needs at least {rows_needed(level)} calibration rows, the model "
                             f"was calibrated on {n}: use {{level}} {highest_level(n):g} or lower", "level", level)
    return q


def rows_needed(level: float) -> int:
    """The fewest calibration scores that give a finite interval at `level`: the least n with ⌈(n+1)L⌉ ≤ n."""
    needed = max(1, math.floor(level / (1 - level)) - 2)
    while conformal.rank_needed(level, needed) > needed:
        needed += 1
    return needed


def highest_level(n: int) -> float:
    """The highest level, in whole percent, that n calibration scores give an interval for."""
    return math.floor(conformal.max_level(n) * 100) / 100


def shortfall(record: ModelRecord, level: float) -> int | None:
    """How many rows the record's calibration rests on when they are too few for intervals at `level` for
    some row (any status, under shift-conformal), else None: a fit on a small CSV (7 rows) stores a
    calibration that a 90% interval cannot use. None, too, at level 0 or without a calibration."""
    if not level or not calibrated(record):
        return None
    statuses = (None, *shift.STATUSES.values()) if is_shift(record) else (None,)
    for status in statuses:
        try:
            quantile(record, level, status)
        except ParameterError:
            return shift.group_rows(record.calibration.as_mapping(), status) if is_shift(record) \
                else record.calibration.rows
    return None


def status_feature(record: ModelRecord, values):
    """The status of rows from the model's own status feature (a row's value, or a column of X), or None."""
    features = record.features
    return values[features.index("status")] if "status" in features else None


def interval_one(record: ModelRecord, row: list[float], prediction: float, level: float, distance: float | None = None,
                 status: float | None = None) -> dict | None:
    """{"level", "lower", "upper", "method"} around one prediction (row: complete, in feature order), or
    None without a calibration or at level 0. Pure Python: a single prediction never imports numpy.
    distance: the row's domain distance (evaluate/domain.py `judge`; computed here when not given);
    status: 1, 0 or None (unknown: the status feature's value when the model has one)."""
    if not level or not calibrated(record):
        return None
    calibration = record.calibration.as_mapping()
    filled = [fill if math.isnan(x) else x for x, fill in zip(row, record.params.fill)]
    if is_shift(record):
        status = status_feature(record, filled) if status is None else status
        if distance is None:
            distance = row_distance(record, filled)
        half = quantile(record, level, status) * shift.row_scale(calibration, filled, distance)
        return {"level": level, "lower": prediction - half, "upper": prediction + half,
                "method": record.calibration.method}
    spread = None
    if record.calibration.spread:  # a network ensemble: numpy is loaded for its prediction anyway
        import numpy as np

        from lifeexp_cli.model.predict import arrays  # numpy: kept off the path of a single prediction

        spread = float(arrays.record_spread(record, np.array([row], dtype=float))[0])
    half = quantile(record, level) * conformal.row_scale(calibration, filled, spread)
    return {"level": level, "lower": prediction - half, "upper": prediction + half,
            "method": record.calibration.method}


def row_distance(record: ModelRecord, filled: list[float]) -> float:
    """The domain distance of one filled row (evaluate/domain.py `judge`); 0 (no widening) for a model
    file without the check's reference."""
    from lifeexp_cli.evaluate import domain

    if record.domain is None:
        return 0.0
    return domain.judge(record.domain.as_mapping(), filled, record.features)["distance"]


def interval_for(record: ModelRecord, X, level: float, distances=None, statuses=None):
    """(predictions, lower, upper) arrays for the raw rows X (n, p; NaN filled as the model fills it), or
    None without a calibration or at level 0. What `predict --input` and `compare` show. distances: the
    rows' domain distances (`domain.judge_rows`; computed here when not given); statuses: (n,) 1, 0 or
    NaN unknown (an input's Status column), or None (the status feature's values, else unknown)."""
    if not level or not calibrated(record):
        return None
    import numpy as np  # predict and compare start without numpy; only arrays of rows need it

    from lifeexp_cli.model.predict import arrays

    X = np.asarray(X, dtype=float)
    predicted = arrays.predict_record(record, X)
    filled = np.where(np.isnan(X), np.asarray(record.params.fill), X)
    if is_shift(record):
        return (predicted, *shift_bounds(record, filled, predicted, level, distances, statuses))
    spread = arrays.record_spread(record, X) if record.calibration.spread else None
    half = quantile(record, level) * conformal.scale_of(record.calibration.as_mapping(), filled, spread)
    return predicted, predicted - half, predicted + half


def shift_bounds(record: ModelRecord, filled, predicted, level: float, distances, statuses):
    """(lower, upper) of evaluate/shift.py for filled rows; the level's quantiles checked first."""
    import numpy as np

    from lifeexp_cli.evaluate import domain

    if statuses is None:
        column = status_feature(record, filled.T)
        statuses = None if column is None else np.asarray(column, dtype=float)
    keys = [None] if statuses is None else \
        [shift.STATUSES.get(k) for k in set(shift.status_keys(statuses).tolist())]
    for status in keys:
        quantile(record, level, status)  # too few calibration rows for the level: the error naming the way out
    if distances is None:
        distances = np.zeros(len(filled)) if record.domain is None else \
            domain.judge_rows(record.domain.as_mapping(), filled)[0]
    return shift.interval(record.calibration.as_mapping(), filled, predicted, distances, statuses, level)


# bench/shift.py, after: the 90% intervals' coverage of the rows farther from the training data than every
# calibration row, where it met many (195 rows of held-out world regions under Tim's linear model;
# docs/math.md "Intervals under shift"). The network covered such rows (94 of them) 0.979 of the time:
# the warning is for linear models.
BEYOND_COVERAGE = "0.42"
WARNED_KINDS = ("linear",)


def narrow_note(record: ModelRecord, distance: float | None) -> str | None:
    """Said when a row lies beyond the distances the interval was calibrated on (evaluate/shift.py
    `beyond`), where intervals were measured too narrow; None otherwise."""
    if distance is None or not calibrated(record) or not is_shift(record) or record.kind not in WARNED_KINDS \
            or not shift.beyond(record.calibration.as_mapping(), distance):
        return None
    farthest = record.calibration.error_size.distance.farthest
    return (f"the prediction interval is likely too narrow: these inputs lie farther from the training data "
            f"(distance {distance:.3g}) than any row it was calibrated on ({farthest:.3g}); such rows of a held-out world "
            f"region were covered {BEYOND_COVERAGE} of the time by a linear model's 90% intervals (bench/shift.py)")


def narrow_rows_note(count: int) -> str:
    """`narrow_note` for a batch: how many rows."""
    return (f"{count} rows lie farther from the training data than any row the intervals were calibrated on: "
            f"their intervals are likely too narrow (such rows of a held-out world region were covered "
            f"{BEYOND_COVERAGE} of the time by a linear model's 90% intervals, bench/shift.py)")


def beyond_count(record: ModelRecord, distances) -> int:
    """How many of the rows' domain distances lie beyond the calibration's (`narrow_note`)."""
    if distances is None or not calibrated(record) or not is_shift(record) or record.kind not in WARNED_KINDS:
        return 0
    farthest = record.calibration.error_size.distance.farthest
    return 0 if farthest is None else int((distances > farthest).sum())


def missing_note(record: ModelRecord, name: str) -> str:
    """Said once on stderr when a model without calibration is asked for intervals (it predicts without
    them): the one likely cause the record shows, and its way out."""
    return f"model {name} has no prediction-interval calibration: {missing_cause(record)}"


def missing_cause(record: ModelRecord) -> str:
    """Why a record has no calibration: the most likely cause the record shows (only that one is named)."""
    own = next((note for note in record.warnings or () if note.startswith("no prediction intervals: ")), None)
    if own is not None:  # the fit said why (too few countries for the folds, a fold that could not be fitted)
        return own.removeprefix("no prediction intervals: ")
    if record.training and not record.metrics.cv:
        return "it was trained iteratively without --folds; refit it with --folds 5 to calibrate intervals on its folds"
    if record.data.source == "-":
        return "it was fitted from stdin, which can be read once; refit it with --data FILE"
    return "it was fitted with --no-intervals, or by a lifeexp older than intervals; refit it with `lifeexp fit`"
