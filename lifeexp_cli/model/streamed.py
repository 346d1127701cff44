"""A closed-form fit of a CSV of any size, read in chunks, to the same model record as the in-memory fit.

One pass reads the file (hashing it on the way) and feeds each chunk to `state.update`; median
imputation adds passes for an exact median (so it needs a file, not stdin). Memory is bounded by the
chunk size, whatever the number of rows. Not available here: cross-validation and held-out splits
(they need the rows in memory) and the training MAE (it needs a second pass over the predictions);
RMSE and R² come exactly from the factor.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from queue import Queue
from typing import Callable, Iterator

import numpy as np

from lifeexp_cli.data import dataset, reader
from lifeexp_cli.errors import DataError, DesignError, ParameterError
from lifeexp_cli.linear import closed_form
from lifeexp_cli.linear.stream import median, state
from lifeexp_cli.linear.stream.state import Factor, State
from lifeexp_cli.model import fitting, record, streamed_inference
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


def fit_csv(data: str | None, features: str | list[str], target: str, spec: Spec,
            chunk_rows: int = CHUNK_ROWS, se: str | None = None) -> dict:
    """Stream `data` and return the model record (as `fitting.fit_model` builds it). se: the coefficients'
    standard errors (model/streamed_inference.py; cluster and hc3 take one more pass)."""
    source = dataset.locate(data)
    shown = "stdin" if source == "-" else source
    if spec.kind != "linear" or spec.solver not in closed_form.SOLVERS:
        raise ParameterError(f"{{stream}} fits closed-form linear models only ({{solver}} "
                             f"{' or '.join(closed_form.SOLVERS)})", "solver", spec.solver)
    if spec.impute == "median" and source == "-":
        raise ParameterError("{impute} median with {stream} reads the data more than once: give a file with "
                             "{data}, or use {impute} mean", "data", data)
    if chunk_rows < 1:
        raise ParameterError("{chunk_rows} must be at least 1, got {value}", "chunk_rows", chunk_rows)
    if spec.impute not in impute.METHODS:  # checked before reading, not after a pass over a large file
        raise ParameterError(f"{{impute}} must be one of {', '.join(impute.METHODS)}, got {{value!r}}",
                             "impute", spec.impute)
    if spec.scale not in scaling.METHODS:
        raise ParameterError(f"{{scale}} must be one of {', '.join(scaling.METHODS)}, got {{value!r}}",
                             "scale", spec.scale)
    from threadpoolctl import threadpool_limits

    with reader.open_source(source) as raw:
        stream = reader.HashingReader(raw)
        names, sep, encoding = reader.header(stream, shown)
        target_name, chosen = dataset.header_columns(names, features, target)
        se_type = streamed_inference.check_se(se, source, names)
        wanted = None if chosen is None else [target_name, *chosen]
        totals = {"state": None, "skipped": 0, "chunks": 0}

        def chunks():
            nonlocal chosen
            for frame in reader.frames(stream, names, sep, encoding, wanted, chunk_rows):
                if chosen is None:
                    chosen = dataset.resolve_features(frame, "all", target_name)
                yield stream.take(), dataset.frame_arrays(frame, chosen, target_name)

        def add(item):
            blocks, (X, y, skipped) = item
            stream.hash(blocks)
            totals["state"] = state.update(totals["state"] or state.start(X.shape[1], spec.impute), X, y)
            totals["skipped"] += skipped
            totals["chunks"] += 1

        # Tall-skinny QR is fastest on one BLAS thread; the second core parses meanwhile.
        with threadpool_limits(limits=1, user_api="blas"):
            pipelined(chunks(), add)
        sha256 = stream.finish()
    seen, skipped, chunks = totals["state"], totals["skipped"], totals["chunks"]
    if seen is None or seen.rows + skipped == 0:
        raise DataError(f"{shown} has a header but no data rows")
    passes = 1
    medians = None
    if spec.impute == "median":
        medians, extra = median_passes(source, seen, chosen, target_name, chunk_rows)
        passes += extra
    sol = solution(seen, spec, chosen, medians)
    if source != "-":  # stdin can be read once: stream_record says so when refinement was needed
        passes += refine(sol, spec, file_blocks(source, chosen, target_name, chunk_rows))
    tss = float(seen.y.m2[0]) if spec.intercept else float(seen.y.m2[0] + seen.y.n[0] * seen.y.mean[0] ** 2)
    inferred, covariance, extra = streamed_inference.streamed_inference(source, sol, spec, chosen, target_name,
                                                                        chunk_rows, se_type, tss)
    passes += extra
    fitted = stream_record(seen, spec, chosen, target_name, sol, skipped,
                           {"sha256": sha256, "source": source, "rows": seen.rows + skipped},
                           {"chunk_rows": chunk_rows, "chunks": chunks, "passes": passes},
                           {"inference": inferred, "coefficient_covariance": covariance})
    if source == "-" and se is None and streamed_inference.check_se(None, "file", names) != "classical":
        fitted["warnings"].append(streamed_inference.STDIN_NOTE)
    return fitted


def source_was_stdin(data: dict) -> bool:
    return data["source"] == "-"


def median_passes(source: str, seen: State, features: list[str], target: str,
                  chunk_rows: int) -> tuple[np.ndarray, int]:
    """Exact medians of the present feature values (rows with a target), by radix select over the file."""
    state.fill_values(seen, features)  # fails clearly on a feature without values
    searches = median.start(seen.present.n)
    passes = 0
    while True:
        found = median.accumulators(searches)
        for X, _ in file_blocks(source, features, target, chunk_rows)():
            median.update(searches, found, X)
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


def refine(sol: StreamSolution, spec: Spec, blocks: Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]) -> int:
    """Corrected semi-normal equations, one pass over `blocks()` (raw X and y, a block at a time) per
    step, when the estimated loss of digits is large (as the in-memory lstsq refines every time):
    θ += (RᵀR)⁻¹Xᵀ(y − Xθ), residuals in long double, until a step no longer changes θ.
    Updates sol.solution.theta; returns the number of passes made."""
    if spec.solver != "lstsq" or sol.solution.rank < sol.columns or \
            not state.refinement_needed(sol.factor, sol.solution.theta):
        return 0
    for step in range(1, closed_form.REFINEMENT_STEPS + 1):
        correction = state.correction_start(sol.columns)
        for X, y in blocks():
            if spec.impute == "drop":
                complete = ~np.isnan(X).any(axis=1)
                X, y = X[complete], y[complete]
            design = state.design_rows(X, sol.fill, sol.center, sol.scale, spec.intercept)
            correction = state.correction_update(correction, design, y, sol.solution.theta)
        delta = state.correction_solve(sol.factor.R, correction)
        sol.solution.theta = sol.solution.theta + delta
        if closed_form.converged(delta, sol.solution.theta):
            break
    return step


def file_blocks(source: str, features: list[str], target: str, chunk_rows: int):
    """A function giving, each time it is called, one more pass over the file's (X, y) chunks."""
    def blocks():
        with reader.open_source(source) as raw:
            names, sep, encoding = reader.header(raw, source)
            for frame in reader.frames(raw, names, sep, encoding, [target, *features], chunk_rows):
                X, y, _ = dataset.frame_arrays(frame, features, target)
                yield X, y
    return blocks


def fit_arrays(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
               block_rows: int = CHUNK_ROWS) -> fitting.Fit:
    """The closed-form fit of rows already in memory, a block of rows at a time through the streamed
    fit's state: the same answer as `fitting.fit` to rounding, without the copies of the whole design
    that imputing, scaling, QR and refinement otherwise make (five or six times X's size)."""
    seen = state.start(X_raw.shape[1], spec.impute)
    for start in range(0, len(y), block_rows):
        seen = state.update(seen, X_raw[start:start + block_rows], y[start:start + block_rows])
    medians = None
    if spec.impute == "median":
        state.fill_values(seen, features)  # fails clearly on a feature without values
        medians = np.array([np.nanmedian(X_raw[:, j]) for j in range(X_raw.shape[1])])
    sol = solution(seen, spec, features, medians)

    def blocks():
        for start in range(0, len(y), block_rows):
            yield X_raw[start:start + block_rows], y[start:start + block_rows]

    refine(sol, spec, blocks)
    used = sol.used
    moments = state.imputed_moments(seen, sol.fill)
    constant = [f for f, lo, hi in zip(features, moments["min"], moments["max"]) if lo == hi and used > 1]
    notes = [f"feature(s) {', '.join(constant)} are constant in the training rows: their effect cannot be "
             "told apart from the intercept; drop them"] if constant else []
    rank, cond = sol.solution.rank, sol.solution.condition_number
    notes += fitting.conditioning_notes(collinear_groups(seen, sol, features, spec.intercept), spec.solver,
                                        cond, rank >= sol.columns)
    if spec.solver == "lstsq":
        notes += fitting.rank_notes(rank, sol.columns)
    params = {"fill": sol.fill.tolist(), "center": sol.center.tolist(), "scale": sol.scale.tolist(),
              **fitting.linear_params(sol.solution.theta, spec.intercept)}
    imputed = {f: 0 if spec.impute == "drop" else int(seen.rows - n) for f, n in zip(features, seen.present.n)}
    return fitting.Fit(params, used, seen.rows - used, imputed, cond, notes, {})


def stream_record(seen: State, spec: Spec, features: list[str], target: str, sol: StreamSolution,
                  skipped: int, data: dict, streamed: dict, more: dict | None = None) -> dict:
    """The model record from the state and its solution (`record.build_record`, as the in-memory fit)."""
    theta, rank, cond = sol.solution.theta, sol.solution.rank, sol.solution.condition_number
    used, columns = sol.used, sol.columns
    groups = collinear_groups(seen, sol, features, spec.intercept)
    notes = fitting.conditioning_notes(groups, spec.solver, cond, rank >= columns)
    if spec.solver == "lstsq":
        notes += fitting.rank_notes(rank, columns)
    if source_was_stdin(data) and state.refinement_needed(sol.factor, theta):
        notes.append("the design is ill-conditioned and the data came from stdin, which can be read once: "
                     "the solution was not refined; give --data FILE for full accuracy")
    notes.append("a streamed fit stores no prediction-interval calibration (it needs out-of-fold residuals "
                 "by country): its predictions come without intervals; fit with --no-stream for intervals")
    params = {"fill": sol.fill.tolist(), "center": sol.center.tolist(), "scale": sol.scale.tolist(),
              **fitting.linear_params(theta, spec.intercept)}
    rss = state.residual_sum(sol.factor, theta)
    ss_tot = float(seen.y.m2[0])
    train = {"rmse": float(np.sqrt(rss / used)), "mae": None,
             "r2": 1.0 - rss / ss_tot if ss_tot > 0 else float("nan")}
    present = seen.present
    imputed = {f: 0 if spec.impute == "drop" else int(seen.rows - n) for f, n in zip(features, present.n)}
    return record.build_record(
        spec, target, features, params=params, coefficients=fitting.coefficients(params, features, spec.intercept),
        ranges={f: [float(lo), float(hi)] for f, lo, hi in zip(features, present.min, present.max)},
        means={f: float(m) for f, m in zip(features, present.mean)},
        metrics={"train": train, "test": None, "cv": None},
        rows=record.RowCounts(used, 0, skipped, seen.rows - used, imputed), split=None, data=data,
        condition_number=cond, warnings=notes, extra={"streamed": streamed, **(more or {})})


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
