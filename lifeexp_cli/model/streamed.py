"""A closed-form fit of a CSV of any size, read in chunks, to the same model record as the in-memory fit.

One pass reads the file (hashing it on the way) and feeds each chunk to `state.update`; median
imputation adds passes for an exact median (so it needs a file, not stdin). Memory is bounded by the
chunk size, whatever the number of rows. Not available here: cross-validation and held-out splits
(they need the rows in memory) and the training MAE (it needs a second pass over the predictions);
RMSE and R² come exactly from the factor. A file (not stdin) gets its prediction-interval calibration
in one more pass (model/streamed_calibration.py).
"""

from __future__ import annotations

import functools
import operator
import os
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from queue import Queue
from typing import Callable, Iterator

import numpy as np

from lifeexp_cli.data import catalog, dataset, parts, reader
from lifeexp_cli.errors import DataError, DesignError, ParameterError
from lifeexp_cli.evaluate import domain
from lifeexp_cli.linear import closed_form
from lifeexp_cli.linear.stream import median, reservoir, state
from lifeexp_cli.linear.stream.state import Factor, State
from lifeexp_cli.model import fitting, record, streamed_calibration, streamed_inference
from lifeexp_cli.model.intervals import STDIN_NOTE as NO_INTERVALS_FROM_STDIN
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import impute, scaling

CHUNK_ROWS = 65_536
# `fit` streams on its own when the data file is larger than this (in-memory parsing of a CSV takes
# several times its size in memory).
AUTO_STREAM_BYTES = 64 * 1024 * 1024
QUEUED = 2


def should_stream(source: str, forced: bool | None, solver: str = "lstsq") -> bool:
    """--stream / --no-stream decide; otherwise stream files larger than AUTO_STREAM_BYTES (closed-form
    solvers only: an iterative solver needs the rows in memory)."""
    if forced is not None:
        return forced
    if solver not in closed_form.SOLVERS:
        return False
    try:
        return source != "-" and os.path.getsize(source) > AUTO_STREAM_BYTES
    except OSError:
        return False  # the in-memory reader reports the problem


def pipelined(items: Iterator, work: Callable) -> None:
    """work(item) for every item, in a second thread while the next items are produced (two cores:
    pandas parses the next chunk while numpy and LAPACK, which release the GIL, factor this one).
    At most QUEUED items wait, so memory stays bounded. The first error of either thread is raised."""
    queue: Queue = Queue(maxsize=QUEUED)
    failed: list[BaseException] = []

    def consume():
        while (item := queue.get()) is not None:
            if not failed:
                try:
                    work(item)
                except BaseException as exc:  # handed to the main thread below
                    failed.append(exc)

    worker = threading.Thread(target=consume, name="lifeexp-stream", daemon=True)
    worker.start()
    try:
        for item in items:
            if failed:
                break
            queue.put(item)
    finally:
        queue.put(None)
        worker.join()
    if failed:
        raise failed[0]


@dataclass
class StreamSolution:
    """What the state gives once the fill values are known: the scaler, the design's factor and θ."""

    fill: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    factor: Factor  # of the imputed, scaled design
    solution: closed_form.Solution  # θ = [intercept,] weights in scaled units; refinement updates it
    used: int  # rows fitted on
    columns: int  # columns of the design


@dataclass
class Reduced:
    """What the first pass over one source (or several, merged) leaves: the state and the counts."""

    state: State | None  # None: no data row yet
    skipped: int  # rows without a target
    chunks: int
    hashes: list[str]  # SHA-256 of each source, in order
    features: list[str] | None  # None until decided from the first chunk (--features all)
    target: str
    columns: list[str]  # the source's columns (canonical names)
    sample: reservoir.Reservoir | None = None  # the rows used, sampled for the domain check (+ group key)
    folds: list[State | None] | None = None  # one state per calibration fold (their merge is `state`)
    groups: np.ndarray | None = None  # the distinct country keys seen (uint64), or None: no country column

    def merge(self, other: Reduced) -> Reduced:
        """Both sources' rows together (this one's first): the states merged exactly, the counts added,
        the samples merged (the smallest keys of both)."""
        sample = (reservoir.merge(self.sample, other.sample) if self.sample and other.sample
                  else self.sample or other.sample)
        folds = None if self.folds is None or other.folds is None else \
            [streamed_calibration.merged(pair) for pair in zip(self.folds, other.folds)]
        groups = None if self.groups is None or other.groups is None else np.union1d(self.groups, other.groups)
        return Reduced(streamed_calibration.merged([self.state, other.state]), self.skipped + other.skipped,
                       self.chunks + other.chunks, self.hashes + other.hashes, self.features or other.features,
                       self.target, self.columns, sample, folds, groups)


class OneMachine:
    """Passes over the sources in this process, one source after the other.

    `map_reduce(work, merge, *args)`: work(source, *args) for every source, results merged in order. The
    Dask engine (model/distributed.py) gives the same method, run on a cluster and merged in a tree.
    """

    def __init__(self, sources: list[str]):
        self.sources = sources

    def map_reduce(self, work: Callable, merge: Callable, *args):
        return functools.reduce(merge, (work(source, *args) for source in self.sources))


def check_spec(spec: Spec, chunk_rows: int) -> None:
    """What a streamed fit cannot do, said before reading (not after a pass over a large file)."""
    if spec.kind != "linear" or spec.solver not in closed_form.SOLVERS:
        raise ParameterError(f"{{stream}} fits closed-form linear models only ({{solver}} "
                             f"{' or '.join(closed_form.SOLVERS)})", "solver", spec.solver)
    if chunk_rows < 1:
        raise ParameterError("{chunk_rows} must be at least 1, got {value}", "chunk_rows", chunk_rows)
    if spec.impute not in impute.METHODS:
        raise ParameterError(f"{{impute}} must be one of {', '.join(impute.METHODS)}, got {{value!r}}",
                             "impute", spec.impute)
    if spec.scale not in scaling.METHODS:
        raise ParameterError(f"{{scale}} must be one of {', '.join(scaling.METHODS)}, got {{value!r}}",
                             "scale", spec.scale)


def fit_csv(data: str | None, features: str | list[str], target: str, spec: Spec,
            chunk_rows: int = CHUNK_ROWS, se: str | None = None, seed: int = 0, intervals: bool = True) -> dict:
    """Stream `data` (a CSV, stdin or a Parquet file) and return the model record (as `fitting.fit_model`
    builds it). se: the coefficients' standard errors (model/streamed_inference.py; cluster and hc3 take
    one more pass); seed: of the interval calibration's folds (model/streamed_calibration.py); intervals
    False: no calibration (and no pass for it)."""
    source = dataset.locate(data)
    check_spec(spec, chunk_rows)
    if spec.impute == "median" and source == "-":
        raise ParameterError("{impute} median with {stream} reads the data more than once: give a file with "
                             "{data}, or use {impute} mean", "data", data)
    # stdin's header cannot be read ahead: decided as if it had a country column (classical, or an error
    # when --se asks for a second pass), and said after the fit when it had one.
    names = [catalog.GROUP_COLUMN] if source == "-" else parts.part_columns(source)
    se_type = streamed_inference.check_se(se, source, names)
    first = reduce_source(source, features, target, spec, chunk_rows,
                          seed if source != "-" and intervals else None)
    data = {"sha256": first.hashes[0], "source": source}
    fitted = finish(first, OneMachine([source]), spec, data, {"chunk_rows": chunk_rows}, se_type, seed,
                    rereadable=source != "-", intervals=intervals)
    if source == "-" and se is None and streamed_inference.check_se(None, "file", first.columns) != "classical":
        fitted["warnings"].append(streamed_inference.STDIN_NOTE)
    return fitted


def finish(first: Reduced, over, spec: Spec, data: dict, streamed: dict, se_type: str, seed: int = 0,
           rereadable: bool = True, intervals: bool = True) -> dict:
    """From the first pass's state to the record: the median passes, the solution, the refinement passes,
    the coefficients' inference, the interval calibration (seed: its folds'). `over` makes the passes
    (`OneMachine`, or the Dask engine's)."""
    seen, skipped, features, target = first.state, first.skipped, first.features, first.target
    if seen is None or seen.rows + skipped == 0:
        raise DataError(f"{reader.shown(data['source'])} has a header but no data rows")
    passes = 1
    medians = None
    if spec.impute == "median":
        medians, extra = median_passes(over, seen, features, target, streamed["chunk_rows"])
        passes += extra
    sol = solution(seen, spec, features, medians)
    if rereadable:  # stdin can be read once: stream_record says so when refinement was needed
        passes += refine(sol, spec, lambda at: over.map_reduce(correction_part, operator.add, at, spec, features,
                                                               target, streamed["chunk_rows"]))
    tss = float(seen.y.m2[0]) if spec.intercept else float(seen.y.m2[0] + seen.y.n[0] * seen.y.mean[0] ** 2)
    grouped = first.groups is not None
    units = len(first.groups) if grouped else seen.rows
    models, notes = None, [NO_INTERVALS_FROM_STDIN] if intervals and not rereadable else []
    if first.folds is not None:
        models, notes = streamed_calibration.prepare(first.folds, units, grouped, spec, features, medians)
    robust_se = se_type if streamed_inference.needs_pass(sol, se_type) else None
    robust, sample = None, None
    if robust_se or models:  # one pass at the solution serves both
        robust, sample = over.map_reduce(residual_part, merge_residual_parts, sol, spec, features, target,
                                         streamed["chunk_rows"], robust_se, models, seed)
        passes += 1
    inferred, covariance = streamed_inference.streamed_inference(sol, spec, features, se_type, tss, robust)
    calibration = None
    if sample is not None:
        calibration, more = streamed_calibration.from_sample(sample, units, grouped, sol.fill)
        notes += more
    fitted = stream_record(seen, spec, features, target, sol, skipped,
                           {**data, "rows": seen.rows + skipped},
                           {**streamed, "chunks": first.chunks, "passes": passes},
                           {"domain": domain_reference(first.sample, sol.fill, first.groups is not None),
                            "inference": inferred, "coefficient_covariance": covariance}, calibration)
    fitted["warnings"] += notes
    return fitted



def domain_reference(sample: reservoir.Reservoir, fill: np.ndarray, grouped: bool) -> dict | None:
    """The domain check's reference from the reservoir of rows used, filled as the model fills them.
    grouped: the last column holds each row's country key (a sampled row leaves out its whole country,
    as in memory); otherwise each sampled row leaves out only itself."""
    if sample is None:
        return None
    rows = reservoir.rows(sample)
    groups = None
    if grouped:
        rows, groups = rows[:, :-1], rows[:, -1]
    return domain.reference(np.where(np.isnan(rows), fill, rows), groups, sampled_from=sample.seen)


def source_was_stdin(data: dict) -> bool:
    return data["source"] == "-"


@contextmanager
def opened(source: str, features: str | list[str] | None, target: str, chunk_rows: int, extra: tuple = ()):
    """A CSV (or stdin) or Parquet source opened for one pass: (target name, features or None for `all`,
    its columns, frames, hasher). frames yields (blocks read, DataFrame of the needed columns and those
    `extra` ones the source has); hasher has `hash(blocks)` and `finish()` (the source's SHA-256)."""
    if parts.is_parquet(source):
        names = list(parts.parquet_columns(source))
        target_name, chosen = dataset.header_columns(names, features, target)
        wanted = None if chosen is None else [target_name, *chosen, *(e for e in extra if e in names)]
        yield target_name, chosen, names, (((), frame) for frame in parts.parquet_frames(source, wanted, chunk_rows)), \
            FileHash(source)
        return
    with reader.open_source(source) as raw:
        stream = reader.HashingReader(raw)
        names, sep, encoding = reader.header(stream, reader.shown(source))
        target_name, chosen = dataset.header_columns(names, features, target)
        wanted = None if chosen is None else [target_name, *chosen, *(e for e in extra if e in names)]
        frames = ((stream.take(), frame) for frame in reader.frames(stream, names, sep, encoding, wanted, chunk_rows))
        yield target_name, chosen, names, frames, stream


class FileHash:
    """A whole file's SHA-256, taken once the pass is done (a Parquet file is not read front to back)."""

    def __init__(self, path: str):
        self.path = path

    def hash(self, blocks) -> None:
        pass

    def finish(self) -> str:
        return parts.file_sha256(self.path)


def reduce_source(source: str, features: str | list[str], target: str, spec: Spec, chunk_rows: int,
                  seed: int | None = 0) -> Reduced:
    """The first pass over one source: its state, rows without a target, chunks and SHA-256; the rows
    split in calibration folds by `seed` (model/streamed_calibration.py), or None: no folds (stdin)."""
    from threadpoolctl import threadpool_limits

    with opened(source, features, target, chunk_rows, (catalog.GROUP_COLUMN,)) as \
            (target_name, chosen, names, frames, hasher):
        grouped = catalog.GROUP_COLUMN in names
        totals = {"state": None, "skipped": 0, "chunks": 0, "sample": None, "start": 0,
                  "folds": [None] * streamed_calibration.FOLDS, "groups": (np.empty(0, np.uint64), [])}
        # The rows the domain check keeps: keys from a generator of this source's own (partitions differ),
        # seeded by the file's name, not its folder: the same file gives the same model wherever it lives.
        sampling = np.random.default_rng([7, zlib.crc32(os.path.basename(str(source)).encode())])

        def chunks():
            nonlocal chosen
            for blocks, frame in frames:
                if chosen is None:
                    chosen = dataset.resolve_features(frame, "all", target_name)
                keys = streamed_calibration.chunk_keys(frame, target_name, source, totals["start"])
                totals["start"] += len(frame)
                yield blocks, dataset.frame_arrays(frame, chosen, target_name), keys

        def add(item):
            blocks, (X, y, skipped), keys = item
            hasher.hash(blocks)
            if seed is None:
                totals["state"] = state.update(totals["state"] or state.start(X.shape[1], spec.impute), X, y)
            else:
                totals["folds"] = streamed_calibration.update_folds(totals["folds"], X, y, keys, spec.impute, seed)
            if grouped:
                totals["groups"] = streamed_calibration.add_keys(totals["groups"], keys)
            used, used_keys = (X, keys) if spec.impute != "drop" else \
                (X[complete := ~np.isnan(X).any(axis=1)], keys[complete])
            if grouped:  # the country's key rides along, for the domain check's leave-one-country-out
                used = np.column_stack([used, used_keys.astype(float)])
            sample = totals["sample"] or reservoir.start(domain.sample_size(X.shape[1]), used.shape[1])
            totals["sample"] = reservoir.update(sample, used, sampling)
            totals["skipped"] += skipped
            totals["chunks"] += 1

        # Tall-skinny QR is fastest on one BLAS thread; the second core parses meanwhile.
        with threadpool_limits(limits=1, user_api="blas"):
            pipelined(chunks(), add)
        sha256 = hasher.finish()
    folds = None if seed is None else totals["folds"]
    whole = totals["state"] if folds is None else streamed_calibration.merged(folds)
    countries = streamed_calibration.distinct_keys(totals["groups"]) if grouped else None
    return Reduced(whole, totals["skipped"], totals["chunks"], [sha256], chosen, target_name, names,
                   totals["sample"], folds, countries)


def feature_rows(source: str, features: list[str], target: str, chunk_rows: int) -> Iterator:
    """(X, y) of each chunk of a source, for the passes after the first."""
    for _, frame in frames_of(source, features, target, chunk_rows):
        yield dataset.frame_arrays(frame, features, target)[:2]


def frames_of(source: str, features: list[str], target: str, chunk_rows: int, extra: tuple = ()) -> Iterator:
    """(blocks, DataFrame) of each chunk of a source: the target, the features and the `extra` columns."""
    with opened(source, features, target, chunk_rows, extra) as (_, _, _, frames, _):
        yield from frames


def residual_part(source: str, sol: StreamSolution, spec: Spec, features: list[str], target: str,
                  chunk_rows: int, se_type: str | None, models: list | None, seed: int) -> tuple:
    """One source's share of the pass at the solution: (the robust standard errors' meat and scores, for
    se_type hc3 or cluster, else None; the calibration's sample of out-of-fold residuals by the fold
    `models`, or None without them)."""
    robust = streamed_inference.robust_start(sol) if se_type else None
    sample = streamed_calibration.sample_start(len(features)) if models else None
    sampling = streamed_calibration.sampling(source)
    start = 0
    for _, frame in frames_of(source, features, target, chunk_rows, (catalog.GROUP_COLUMN,)):
        X, y, _ = dataset.frame_arrays(frame, features, target)
        if robust is not None:
            groups = dataset.frame_groups(frame, target) if se_type == "cluster" else None
            robust = streamed_inference.robust_update(robust, X, y, groups, sol, spec, se_type)
        if sample is not None:
            keys = streamed_calibration.chunk_keys(frame, target, source, start)
            sample = streamed_calibration.sample_update(sample, X, y, keys, models, spec, seed, sampling)
        start += len(frame)
    return robust, sample


def merge_residual_parts(a: tuple, b: tuple) -> tuple:
    return (None if a[0] is None else streamed_inference.add_robust(a[0], b[0]),
            None if a[1] is None else reservoir.merge(a[1], b[1]))


def median_part(source: str, searches: list, features: list[str], target: str, chunk_rows: int) -> list:
    """One source's share of a median pass: its histograms (or collected keys) per open search."""
    found = median.accumulators(searches)
    for X, _ in feature_rows(source, features, target, chunk_rows):
        median.update(searches, found, X)
    return found


def median_passes(over, seen: State, features: list[str], target: str, chunk_rows: int) -> tuple[np.ndarray, int]:
    """Exact medians of the present feature values (rows with a target), by radix select over the data:
    each pass's histograms are counted per source and added up."""
    state.fill_values(seen, features)  # fails clearly on a feature without values
    searches = median.start(seen.present.n)
    passes = 0
    while True:
        found = over.map_reduce(median_part, median.merge, searches, features, target, chunk_rows)
        passes += 1
        if median.narrow(searches, found):
            return median.values(searches, len(features)), passes


def solution(seen: State, spec: Spec, features: list[str], medians: np.ndarray | None) -> StreamSolution:
    """Fill, scaler, the design's factor and θ from the state (before any refinement)."""
    fill = state.fill_values(seen, features, medians)
    used = state.used_rows(seen)
    if used == 0:
        raise DesignError("every row has a missing feature value: use {impute} mean or median",
                          "impute", spec.impute)
    columns = len(features) + spec.intercept
    if columns > used:
        raise DataError(f"{columns} coefficients but only {used} rows: use fewer features or more rows")
    moments = state.imputed_moments(seen, fill)
    center, scale = scaling.scaler_from_statistics(spec.scale, len(features), moments, center=spec.intercept)
    factor = state.design_factor(seen, state.design_map(seen, fill, center, scale, spec.intercept))
    return StreamSolution(fill, center, scale, factor, state.solve(factor, used, spec.solver), used, columns)


def correction_of(rows: Iterator, sol: StreamSolution, spec: Spec) -> np.ndarray:
    """Xᵀ(y − Xθ) over (raw X, y) blocks of rows, in long double: one refinement step's right-hand side."""
    correction = state.correction_start(sol.columns)
    for X, y in rows:
        if spec.impute == "drop":
            complete = ~np.isnan(X).any(axis=1)
            X, y = X[complete], y[complete]
        design = state.design_rows(X, sol.fill, sol.center, sol.scale, spec.intercept)
        correction = state.correction_update(correction, design, y, sol.solution.theta)
    return correction


def correction_part(source: str, sol: StreamSolution, spec: Spec, features: list[str], target: str,
                    chunk_rows: int) -> np.ndarray:
    """One source's share of a refinement step (they add up)."""
    return correction_of(feature_rows(source, features, target, chunk_rows), sol, spec)


def refine(sol: StreamSolution, spec: Spec, correction: Callable[[StreamSolution], np.ndarray]) -> int:
    """Corrected semi-normal equations, one pass over the rows per step (`correction(sol)`: Xᵀ(y − Xθ) over
    every row, at sol's θ), when the estimated loss of digits is large (as the in-memory lstsq refines
    every time): θ += (RᵀR)⁻¹Xᵀ(y − Xθ), residuals in long double, until a step no longer changes θ.
    Updates sol.solution.theta; returns the number of passes made."""
    if spec.solver != "lstsq" or sol.solution.rank < sol.columns or \
            not state.refinement_needed(sol.factor, sol.solution.theta):
        return 0
    for step in range(1, closed_form.REFINEMENT_STEPS + 1):
        delta = state.correction_solve(sol.factor.R, correction(sol))
        sol.solution.theta = sol.solution.theta + delta
        if closed_form.converged(delta, sol.solution.theta):
            break
    return step


def fit_arrays(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
               block_rows: int = CHUNK_ROWS, rows: np.ndarray | None = None) -> fitting.Fit:
    """The closed-form fit of rows already in memory, a block of rows at a time through the streamed
    fit's state: the same answer as `fitting.fit` to rounding, without the copies of the whole design
    that imputing, scaling, QR and refinement otherwise make (five or six times X's size).
    rows: fit on these rows only (indices or a mask; a fold's training rows), never copied whole."""
    if rows is not None and rows.dtype == bool:
        rows = np.flatnonzero(rows)
    count = len(y) if rows is None else len(rows)

    def blocks():
        for start in range(0, count, block_rows):
            picked = slice(start, start + block_rows) if rows is None else rows[start:start + block_rows]
            yield X_raw[picked], y[picked]

    seen = state.start(X_raw.shape[1], spec.impute)
    for X, y_block in blocks():
        seen = state.update(seen, X, y_block)
    medians = None
    if spec.impute == "median":
        state.fill_values(seen, features)  # fails clearly on a feature without values
        medians = np.array([np.nanmedian(X_raw[:, j] if rows is None else X_raw[rows, j])
                            for j in range(X_raw.shape[1])])
    sol = solution(seen, spec, features, medians)
    refine(sol, spec, lambda at: correction_of(blocks(), at, spec))
    used = sol.used
    moments = state.imputed_moments(seen, sol.fill)
    constant = [f for f, lo, hi in zip(features, moments["min"], moments["max"]) if lo == hi and used > 1]
    notes = [f"feature(s) {', '.join(constant)} are constant in the training rows: their effect cannot be "
             "told apart from the intercept; drop them"] if constant else []
    notes += solution_notes(seen, sol, spec, features)
    return fitting.Fit(solution_params(sol, spec), used, seen.rows - used, imputed_counts(seen, spec, features),
                       sol.solution.condition_number, notes, {})


def solution_notes(seen: State, sol: StreamSolution, spec: Spec, features: list[str]) -> list[str]:
    """Collinear features, an ill-conditioned design and a deficient rank, as the in-memory fit says them."""
    rank, cond = sol.solution.rank, sol.solution.condition_number
    notes = fitting.conditioning_notes(collinear_groups(seen, sol, features, spec.intercept), spec.solver,
                                       cond, rank >= sol.columns)
    return notes + (fitting.rank_notes(rank, sol.columns) if spec.solver == "lstsq" else [])


def solution_params(sol: StreamSolution, spec: Spec) -> dict:
    """What `predict` needs: the fill, the scaler and θ (in scaled units), as plain lists."""
    return {"fill": sol.fill.tolist(), "center": sol.center.tolist(), "scale": sol.scale.tolist(),
            **fitting.linear_params(sol.solution.theta, spec.intercept)}


def imputed_counts(seen: State, spec: Spec, features: list[str]) -> dict[str, int]:
    """Values filled in per feature (none with impute drop, which leaves those rows out)."""
    return {f: 0 if spec.impute == "drop" else int(seen.rows - n) for f, n in zip(features, seen.present.n)}


def stream_record(seen: State, spec: Spec, features: list[str], target: str, sol: StreamSolution,
                  skipped: int, data: dict, streamed: dict, more: dict | None = None,
                  calibration: dict | None = None) -> dict:
    """The model record from the state and its solution (`record.build_record`, as the in-memory fit)."""
    theta, cond, used = sol.solution.theta, sol.solution.condition_number, sol.used
    notes = solution_notes(seen, sol, spec, features)
    if source_was_stdin(data) and state.refinement_needed(sol.factor, theta):
        notes.append("the design is ill-conditioned and the data came from stdin, which can be read once: "
                     "the solution was not refined; give --data FILE for full accuracy")
    params = solution_params(sol, spec)
    rss = state.residual_sum(sol.factor, theta)
    ss_tot = float(seen.y.m2[0])
    train = {"rmse": float(np.sqrt(rss / used)), "mae": None,
             "r2": 1.0 - rss / ss_tot if ss_tot > 0 else float("nan")}
    present = seen.present
    imputed = imputed_counts(seen, spec, features)
    return record.build_record(
        spec, target, features, params=params, coefficients=fitting.coefficients(params, features, spec.intercept),
        ranges={f: [float(lo), float(hi)] for f, lo, hi in zip(features, present.min, present.max)},
        means={f: float(m) for f, m in zip(features, present.mean)},
        metrics={"train": train, "test": None, "cv": None},
        rows=record.RowCounts(used, 0, skipped, seen.rows - used, imputed), split=None, data=data,
        condition_number=cond, warnings=notes, extra={"streamed": streamed, **(more or {})},
        calibration=calibration)


def collinear_groups(seen: State, sol: StreamSolution, features: list[str], intercept: bool):
    """Belsley's diagnostics from the factor of the centred features (the trailing block of [1, Xs]'s)."""
    if len(features) < 2:
        return []
    with_ones = sol.factor.R if intercept else state.design_factor(
        seen, state.design_map(seen, sol.fill, sol.center, sol.scale, True)).R
    centred = state.centred_factor(with_ones)
    # A constant feature has a centred norm at rounding level, relative to its uncentred norm.
    varying = np.linalg.norm(centred, axis=0) > 1e-12 * np.linalg.norm(with_ones[:, 1:], axis=0)
    return closed_form.centred_collinear_groups(centred, features, varying, state.used_rows(seen))
