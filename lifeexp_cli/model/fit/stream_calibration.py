"""Prediction-interval calibration of a streamed fit (`fit --stream`, the Dask engine), in bounded memory.

The in-memory fit calibrates on out-of-fold residuals from 5 country-grouped folds (model/fit/interval_calibration.py,
evaluate/conformal.py). A stream does the same with one more pass over the data:

- the first pass (model/fit/stream_passes.py) keeps one least-squares state per fold. A row's fold is a hash of
  its country's name and the seed (`splits.hashed_folds`), or of its position when the data has no
  country column, so every chunk, pass and part agrees without a list of countries. The fold states
  partition the rows: their merge is the whole fit's state, and no row is factored twice;
- fold k's model is solved from the merge of the other folds' states: no pass, no row of fold k's
  countries in it (with median imputation the fill values are the whole data's medians);
- one more pass (model/fit/stream_passes.py `residual_part`, shared with the robust standard errors; over
  the first pass's arrays, kept in a temporary file, not the text) collects the rows' out-of-fold
  residuals by their folds' models as the in-memory fit collects its own
  (model/fit/interval_calibration.py `collect`), into a uniform reservoir sample of (features, residual)
  of at most SAMPLE_ROWS rows whatever the data size; the keys are drawn first, and only the rows that
  enter the sample are predicted (`sample_update`: tens of thousands of a million rows);
- `interval_calibration.finish` on that sample, as on the in-memory fit's rows, gives the record's
  calibration; its `rows` is the sample's size, which sets the quantile's finite-sample correction.

What only a stream does is here (the hashed folds, their states and models, the residuals of each chunk);
the collection, the notes (`interval_calibration.plan`) and the finish are the in-memory fit's. The
sample carries no fold, Status or country per row, so `finish` gives it evaluate/conformal.py's
calibration (method cv-conformal), while the in-memory fit's rows carry them and get evaluate/shift.py's
(shift-conformal): the streamed records keep the cv-conformal calibration their files have always held
(tests/system/test_fit_records_unchanged.py pins it). For a streamed shift calibration the sample would
carry the rows' fold, Status (a column the passes do not read unless it is a feature) and country key
(reservoir labels), and the domain reference would be drawn before the pass at the solution.
"""

from __future__ import annotations

import os
import zlib

import numpy as np

from lifeexp_cli.data import dataset
from lifeexp_cli.errors import DataError, LifeexpError
from lifeexp_cli.linear.stream import reservoir, state
from lifeexp_cli.linear.stream.state import State
from lifeexp_cli.model.fit import interval_calibration as intervals
from lifeexp_cli.model.fit.stream_solve import solution
from lifeexp_cli.prep import splits

FOLDS = intervals.FOLDS
# Out-of-fold residuals kept at most: the 90% quantile of 20,000 scores is off by about ±0.002 in
# coverage (binomial standard deviation), and each Dask part sends at most 20,000 × (p + 1) numbers.
SAMPLE_ROWS = 20_000


def chunk_keys(frame, target: str, source: str, start: int, names: dict | None = None) -> np.ndarray:
    """A key per row with a target: its country's, or, without a country column, its position's in the
    source (start: rows of the source before this chunk). A file's name, not its folder, goes into a
    position's key: the same file gives the same folds wherever it lives. names: a dict that gets
    {key: country} of the chunk's countries (`dataset.frame_group_keys`)."""
    keys = dataset.frame_group_keys(frame, target, names)
    if keys is not None:
        return keys
    keep = ~np.isnan(dataset.numeric_column(frame, target))
    return splits.position_keys(os.path.basename(str(source)), start, len(frame))[keep]


def add_keys(collected: tuple[np.ndarray, list], keys: np.ndarray) -> tuple[np.ndarray, list]:
    """(distinct keys, pending chunks' distinct keys) with a chunk's keys added. The pending ones are
    merged in only once they outnumber the known ones: counting the countries of a long stream then
    costs O(n log n) in all, and memory stays about twice the number of countries."""
    known, pending = collected
    pending = [*pending, np.unique(keys)]
    if sum(len(p) for p in pending) <= max(len(known), 1 << 16):
        return known, pending
    return distinct_keys((known, pending)), []


def distinct_keys(collected: tuple[np.ndarray, list]) -> np.ndarray:
    """The distinct keys of everything `add_keys` was given, sorted."""
    known, pending = collected
    return np.unique(np.concatenate([known, *pending]))


def update_folds(folds: list[State | None], X: np.ndarray, y: np.ndarray, keys: np.ndarray, impute: str,
                 seed: int) -> list[State | None]:
    """Each fold's state with this chunk's rows of that fold added. The rows are put in fold order once (in
    order within a fold), column after column: each fold's rows are then a slice whose columns are
    contiguous, as `state.update` reads them (the same numbers as from a copy of the fold's rows)."""
    fold = splits.hashed_folds(keys, FOLDS, seed)
    order = np.argsort(fold, kind="stable")
    grouped = np.empty(X.shape, order="F")
    for j in range(X.shape[1]):
        np.take(X[:, j], order, out=grouped[:, j])
    ends = np.cumsum(np.bincount(fold, minlength=FOLDS))
    updated = list(folds)
    for k, (start, end) in enumerate(zip(np.r_[0, ends[:-1]], ends)):
        if end > start:
            rows = order[start:end]
            updated[k] = state.update(folds[k] or state.start(X.shape[1], impute), grouped[start:end], y[rows])
    return updated


def merged(states) -> State | None:
    """The state of all the given states' rows (None entries are folds without rows)."""
    present = [s for s in states if s is not None]
    if not present:
        return None
    total = present[0]
    for other in present[1:]:
        total = state.merge(total, other)
    return total


def fold_models(folds: list[State | None], spec, features: list[str], medians: np.ndarray | None) -> list:
    """Fold k's solution (model/fit/stream_solve.py `StreamSolution`) from the other folds' rows; None for a
    fold without rows (no row is ever judged by it)."""
    models = []
    for k, own in enumerate(folds):
        others = merged(s for j, s in enumerate(folds) if j != k)
        if own is not None and others is None:
            raise DataError("every row fell in one fold")
        models.append(None if own is None else solution(others, spec, features, medians))
    return models


def sampling(source: str) -> np.random.Generator:
    """The reservoir's keys for one source: seeded by its file's name, so the same file gives the same
    calibration wherever it lives (and parts draw independent keys)."""
    return np.random.default_rng([11, zlib.crc32(os.path.basename(str(source)).encode())])


def sample_start(p: int) -> reservoir.Reservoir:
    """No row yet: rows of [x₁ … x_p, out-of-fold residual]."""
    return reservoir.start(SAMPLE_ROWS, p + 1)


def sample_update(sample: reservoir.Reservoir, X: np.ndarray, y: np.ndarray, keys: np.ndarray, models: list,
                  spec, seed: int, rng: np.random.Generator) -> reservoir.Reservoir:
    """A chunk's rows (raw X, y, their keys) predicted by their folds' models, their residuals collected
    as the in-memory fit collects its own (model/fit/interval_calibration.py `collect`), into a sample.
    The residuals are computed for the rows that enter the sample only (a few thousand of a long stream's
    chunk, `reservoir.offer`); which rows are offered must be known before: the rows `collect` counts, those
    of a fold with a model (and, with impute drop, complete), when no residual can be NaN (`defined`;
    otherwise every row's residual is computed first)."""
    fold = splits.hashed_folds(keys, FOLDS, seed)
    drop = spec.impute == "drop"
    if not defined(X, y, models, spec.intercept):
        return intervals.collect(sample, intervals.Residuals(X, out_of_fold(X, y, fold, models, spec)), drop, rng,
                                 SAMPLE_ROWS)
    counted = np.array([model is not None for model in models])[fold]
    for j in range(X.shape[1]) if drop else []:  # a column at a time: no mask of X's shape
        counted &= ~np.isnan(X[:, j])
    rows = np.flatnonzero(counted)

    def made(positions: np.ndarray) -> np.ndarray:
        at = rows[positions]
        return np.column_stack([X[at], out_of_fold_at(X, y, fold, models, spec, at)])

    return reservoir.offer(sample, rng.random(len(rows)), made)


def out_of_fold(X: np.ndarray, y: np.ndarray, fold: np.ndarray, models: list, spec) -> np.ndarray:
    """Each row's residual by its fold's model (NaN: a fold without a model)."""
    residuals = np.full(len(y), np.nan)
    for k, model in enumerate(models):
        rows = fold == k
        if model is not None and rows.any():
            residuals[rows] = y[rows] - predictions(X[rows], model, spec.intercept)
    return residuals


def out_of_fold_at(X: np.ndarray, y: np.ndarray, fold: np.ndarray, models: list, spec, at: np.ndarray) -> np.ndarray:
    """`out_of_fold`'s residuals of the rows `at` (increasing) alone: each fold's wanted rows predicted
    together by its model. When they are all of the fold's rows (a short stream: the sample keeps every
    row), the product is `out_of_fold`'s own, to the bit; otherwise a matrix product of fewer rows may sum
    a row in another order (BLAS kernels take rows in blocks), which moves a residual at rounding level."""
    residuals = np.full(len(at), np.nan)
    for k, model in enumerate(models):
        wanted = np.flatnonzero(fold[at] == k)
        if model is not None and len(wanted):
            rows = at[wanted]
            residuals[wanted] = y[rows] - predictions(X[rows], model, spec.intercept)
    return residuals


def predictions(X: np.ndarray, model, intercept: bool) -> np.ndarray:
    return state.design_rows(X, model.fill, model.center, model.scale, intercept) @ model.solution.theta


def defined(X: np.ndarray, y: np.ndarray, models: list, intercept: bool) -> bool:
    """Whether no fold model's residual of these rows can be NaN (only ∞ − ∞ makes one of finite numbers):
    y finite, and every term of every prediction bounded far below overflow (|design entry| ≤
    (max(|x|, |fill|) + |center|) / |scale|, a column's bound by |θ|, summed)."""
    if not np.isfinite(y).all():
        return False
    largest = np.fmax.reduce(np.abs(X), axis=0, initial=0.0)  # NaN (missing) ignored; ∞ kept
    with np.errstate(all="ignore"):
        for model in models:
            if model is None:
                continue
            theta = model.solution.theta
            bound = (np.fmax(largest, np.abs(model.fill)) + np.abs(model.center)) / np.abs(model.scale)
            total = np.abs(theta[1:]) @ bound + abs(theta[0]) if intercept else np.abs(theta) @ bound
            if not total < 1e300:  # NaN or ∞ too
                return False
    return True


def prepare(folds: list[State | None], units: int, grouped: bool, spec, features: list[str],
            medians: np.ndarray | None) -> tuple[list | None, list[str]]:
    """(the fold models, or None when there can be no calibration; notes). units: the countries (or,
    without a country column, the rows) the fit saw."""
    ok, notes = intervals.plan(grouped, FOLDS, units)
    if not ok:
        return None, notes
    try:
        return fold_models(folds, spec, features, medians), notes
    except LifeexpError as exc:
        return None, notes + [intervals.unfitted_note(exc)]
