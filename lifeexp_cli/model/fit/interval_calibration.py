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

One implementation for both fits: `plan` (whether there can be a calibration, and the notes), `collect`
(out-of-fold residuals a chunk at a time: the in-memory fit's training rows as one chunk, every row kept
with its fold, Status, country and spread; a stream's chunks into a bounded uniform sample of features
and residuals), `merge` (parts) and `finish` (the record's calibration: shift-conformal when each row's
fold is known and there is no spread, cv-conformal otherwise).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

import numpy as np

from lifeexp_cli.evaluate import conformal, shift
from lifeexp_cli.linear.stream import reservoir
from lifeexp_cli.prep import splits

FOLDS = 5  # calibration folds when the fit runs no cross-validation of its own

BY_ROW_NOTE = ("the data has no country column: prediction intervals are calibrated on folds of rows, for new "
               "rows like these (rows of one country would make them too narrow)")

STDIN_NOTE = ("the data came from stdin, which can be read once: no prediction intervals (they take one more "
              "pass); give --data FILE for them")


def too_few_note(k: int, what: str, units: int) -> str:
    return f"no prediction intervals: calibrating them needs at least {k} {what}, the training rows have {units}"


def unfitted_note(exc: Exception) -> str:
    return f"no prediction intervals: a calibration fold could not be fitted ({exc})"


def plan(grouped: bool, k: int, units: int | None = None) -> tuple[bool, list[str]]:
    """(whether there can be a calibration on k folds, the notes to give): units, the countries (or,
    without a country column, the rows) the folds split, when they are yet to be made (None: they were
    made already, by the fit's cross-validation)."""
    notes = [] if grouped else [BY_ROW_NOTE]
    if units is not None and units < k:
        return False, notes + [too_few_note(k, "countries" if grouped else "rows", units)]
    return True, notes


# The out-of-fold residuals, collected a chunk at a time --------------------------------------------

@dataclass(frozen=True)
class Residuals:
    """Training rows' out-of-fold residuals and what the calibration needs of each row: its raw features
    (NaN where missing) and, when known, the fold that predicted it, its Status code, its country and a
    network ensemble's member spread. X: an array, or (the in-memory fit's rows when some are left out)
    evaluate/shift.py's `Selected` rows of one; residuals: an array, or (the in-memory fit's fold models')
    remade a block of rows at a time (model/fit/in_memory.py `OutOfFold`)."""

    X: np.ndarray | shift.Selected
    residuals: np.ndarray
    fold: np.ndarray | None = None
    status: np.ndarray | None = None
    group: np.ndarray | None = None
    spread: np.ndarray | None = None

    def rows(self, which) -> Residuals:
        return Residuals(*(None if v is None else v[which] for v in columns(self)))


def columns(found: Residuals) -> tuple:
    return tuple(getattr(found, f.name) for f in fields(Residuals))


def collect(collected: Residuals | reservoir.Reservoir | None, chunk: Residuals, drop: bool,
            rng: np.random.Generator | None = None, capacity: int = 0) -> Residuals | reservoir.Reservoir:
    """A chunk's out-of-fold residuals added to what was collected (None: nothing yet). A row no fold
    model judged (NaN residual) never counts, nor, with `drop` (impute drop: the fit never saw them),
    a row with a missing value. With a generator, a uniform sample of at most `capacity` rows of
    [features, residual] is kept (linear/stream/reservoir.py: a streamed fit's bounded memory; nothing
    else of the rows); without one every row is kept, a single chunk without a copy (its kept rows of X
    are read where they are used: `shift.Selected`)."""
    keep = judged(chunk.residuals)
    for j in range(chunk.X.shape[1]) if drop else []:  # a column at a time: no mask of X's shape
        keep &= ~np.isnan(chunk.X[:, j])
    if not keep.all() and shift.remade(chunk.residuals):  # rows left out: the residuals as an array, as they were
        chunk = Residuals(chunk.X, chunk.residuals.values(), *columns(chunk)[2:])
    if not keep.all() and rng is None and collected is None:  # the rows kept, X's read where they are used
        index = np.flatnonzero(keep)
        chunk = Residuals(shift.Selected(chunk.X, index), *(None if v is None else v[index] for v in columns(chunk)[1:]))
    elif not keep.all():
        chunk = chunk.rows(keep)
    if rng is not None:
        sample = collected if collected is not None else reservoir.start(capacity, chunk.X.shape[1] + 1)
        return reservoir.update(sample, np.column_stack([chunk.X, chunk.residuals]), rng)
    if collected is None:
        return chunk
    return Residuals(*(None if a is None else np.concatenate([a, b])
                       for a, b in zip(columns(collected), columns(chunk))))


def judged(residuals) -> np.ndarray:
    """Which rows a fold model judged (a residual that is not NaN): of an array, or of residuals remade a block
    of rows at a time (model/fit/in_memory.py `OutOfFold`), a block at a time."""
    if not shift.remade(residuals):
        return ~np.isnan(residuals)
    keep = np.empty(len(residuals), dtype=bool)
    for start in range(0, len(keep), shift.BLOCK_ROWS):
        keep[start:start + shift.BLOCK_ROWS] = ~np.isnan(residuals[start:start + shift.BLOCK_ROWS])
    return keep


def kept(found: Residuals, known: tuple | None) -> tuple | None:
    """(positions among the collected rows, distances) of the chunk's rows `known` measured that were
    kept (`collect` selects the rows a fold model judged)."""
    if known is None or not isinstance(found.X, shift.Selected):
        return known
    rows, distances = known
    index = found.X.index
    at = np.minimum(np.searchsorted(index, rows), len(index) - 1)
    hit = index[at] == rows
    return at[hit], np.asarray(distances)[hit]


def merge(a, b):
    """What two parts collected (samples merge exactly; kept rows are joined)."""
    if isinstance(a, reservoir.Reservoir):
        return reservoir.merge(a, b)
    return collect(a, b, False)


def finish(collected: Residuals | reservoir.Reservoir | None, fill, *, folds: int, split: str,
           units: int | None = None, reference: tuple = (None, None),
           known: tuple | None = None, overwrite: bool = False) -> tuple[dict | None, list[str]]:
    """(the record's calibration, notes) from the collected residuals: evaluate/shift.py's when each row's
    fold is known and there is no member spread, else evaluate/conformal.py's.

    fill: the fitted model's values for missing features; folds, split: how the residuals were made, kept
    in the record; units: the countries (or rows) the folds split, when the rows do not say it (a
    sample); reference: (the domain check's reference, its rows' countries), or (None, None): no distance
    term in the shift calibration; known: (rows of the one chunk collected, their distances) that the
    reference measured already (model/fit/design.py `measured`), or None; overwrite: the collected
    residuals are the caller's to overwrite (shift.py `calibrate` puts its scores there: no array of their
    size more); the residuals may also be remade a block at a time (model/fit/in_memory.py `OutOfFold`)."""
    if isinstance(collected, reservoir.Reservoir):
        rows = reservoir.rows(collected)
        collected = Residuals(rows[:, :-1], rows[:, -1])
    n = 0 if collected is None else len(collected.residuals)
    if n < 2:
        return None, [too_few_note(folds, "rows", n)]
    found = collected
    if units is None:
        units = splits.distinct_count(found.group)
    if found.fold is None or found.spread is not None:
        residuals = found.residuals.values() if shift.remade(found.residuals) else found.residuals
        return conformal.calibrate(found.X, residuals, folds=folds, split=split, groups=units, fill=fill,
                                   spread=found.spread), []
    domain, reference_groups = reference  # the rows filled with `fill` where read: no filled copy of X
    # Made by shift.calibrate, not here: it lets them go once it has scored the rows.
    distances = None if domain is None else functools.partial(shift.left_out_distances, domain, found.X,
                                                               found.group, reference_groups, fill=fill,
                                                               known=kept(found, known))
    return shift.calibrate(found.residuals, found.X, found.group, found.fold, found.status, distances,
                           fill=fill, split=split, overwrite=overwrite), []
