"""The prediction-interval calibration a fit stores in the record under "calibration"; `predict` and
`compare` read it back through model/predict/intervals.py. An in-memory fit stores the calibration for
shift (evaluate/shift.py, method "shift-conformal": the rows' Status groups, their domain distances and
each calibration fold's quantile); a network ensemble and a streamed fit store evaluate/conformal.py's
("cv-conformal"), as every fit did before: shift.py has no term for the members' spread yet, and a stream
keeps neither the rows' Status column nor the domain check's reference rows' countries in its passes.

When fit calibrates: a linear model by an exact solver (lstsq, normal) always (5 country-grouped folds,
or the --folds folds when they are grouped by country); an iteratively trained model (a network, or a
linear model by gd, sgd, momentum, adam) only when the fit runs cross-validation (its folds' out-of-fold
predictions are reused: training five more models only for the intervals would multiply the fit time).
A streamed fit calibrates the same way, in one more pass (model/fit/stream_calibration.py); data read
from stdin, which can be read once, gets none. Fewer countries than folds: a warning and no calibration.

A network ensemble (`--ensemble K`, K ≥ 2) also feeds its members' out-of-fold spread to the error-size
model.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.evaluate import conformal, shift

FOLDS = 5  # calibration folds when the fit runs no cross-validation of its own

BY_ROW_NOTE = ("the data has no country column: prediction intervals are calibrated on folds of rows, for new "
               "rows like these (rows of one country would make them too narrow)")

STDIN_NOTE = ("the data came from stdin, which can be read once: no prediction intervals (they take one more "
              "pass); give --data FILE for them")


def too_few_note(k: int, what: str, units: int) -> str:
    return f"no prediction intervals: calibrating them needs at least {k} {what}, the training rows have {units}"


def unfitted_note(exc: Exception) -> str:
    return f"no prediction intervals: a calibration fold could not be fitted ({exc})"


def fold_of(folds: list[np.ndarray], n: int) -> np.ndarray:
    """The fold index of each of n rows, from each fold's test rows (prep/splits.py `kfold`)."""
    index = np.empty(n, dtype=int)
    for k, test in enumerate(folds):
        index[test] = k
    return index


def calibrate_rows(X_raw, y, groups, fill, out_of_fold, *, folds: int, split: str, complete_only: bool,
                   spread=None, fold_of=None, statuses=None, reference=(None, None)) -> dict:
    """The record's calibration from out-of-fold predictions of the training rows: evaluate/shift.py's
    when `fold_of` is given and there is no member spread, else evaluate/conformal.py's.

    fill: the fitted model's values for missing features; complete_only: use only rows without a missing
    value (impute drop: the others were never fitted); spread: an ensemble's out-of-fold member spreads
    (one per row), or None (the shift calibration has no spread term yet: an ensemble keeps cv-conformal);
    fold_of: the calibration fold that predicted each row; statuses: each row's Status code (1, 0, NaN),
    or None; reference: (the domain check's reference, its rows' countries), or (None, None): no distance
    term."""
    residuals = y - out_of_fold
    if complete_only:
        keep = ~np.isnan(X_raw).any(axis=1)
        X_raw, residuals, groups = X_raw[keep], residuals[keep], groups[keep]
        spread = None if spread is None else spread[keep]
        fold_of = None if fold_of is None else fold_of[keep]
        statuses = None if statuses is None else statuses[keep]
    if fold_of is None or spread is not None:
        return conformal.calibrate(X_raw, residuals, folds=folds, split=split, groups=len(np.unique(groups)),
                                   fill=fill, spread=spread)
    domain, reference_groups = reference  # the rows filled with `fill` where read: no filled copy of X
    distances = None if domain is None else shift.left_out_distances(domain, X_raw, groups, reference_groups,
                                                                     fill=fill)
    return shift.calibrate(residuals, X_raw, groups, fold_of, statuses, distances, fill=fill, split=split)
