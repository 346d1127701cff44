"""A closed-form fit of a CSV of any size, read in chunks, to the same model record as the in-memory fit.

One pass reads the file (hashing it on the way) and feeds each chunk to `streaming.update`; median
imputation adds passes for an exact median (so it needs a file, not stdin). Memory is bounded by the
chunk size, whatever the number of rows. Not available here: cross-validation and held-out splits
(they need the rows in memory) and the training MAE (it needs a second pass over the predictions);
RMSE and R² come exactly from the factor.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from queue import Queue
from typing import IO, Callable, Iterator

import numpy as np

from lifeexp_cli.data import catalog
from lifeexp_cli.linear import closed_form
from lifeexp_cli.data import reader
from lifeexp_cli.model import fitting
from lifeexp_cli.prep import impute
from lifeexp_cli.model import store
from lifeexp_cli.prep import scaling
from lifeexp_cli.linear.stream import state as streaming
from lifeexp_cli.errors import DataError, UsageError

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


@contextmanager
def open_binary(source: str) -> Iterator[IO[bytes]]:
    if source == "-":
        yield sys.stdin.buffer
        return
    if os.path.isdir(source):
        raise DataError(f"{source} is a directory: pass the CSV file inside it with --data")
    try:
        handle = open(source, "rb")
    except FileNotFoundError:
        raise DataError(f"data file {source} does not exist: check the path given to --data") from None
    except OSError as exc:
        raise DataError(f"cannot read {source}: {exc.strerror}") from None
    with handle:
        yield handle


def header(stream: IO[bytes], source: str) -> tuple[list[str], str, str]:
    found = reader.read_header(stream)
    if found is None:
        raise DataError(f"{source} is empty: give a CSV file with a header row and data rows")
    names = found[0]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"{source} has several columns named {', '.join(duplicates)} once made canonical: "
                        "rename them")
    return found


def resolve_columns(names: list[str], features: str | list[str], target: str) -> tuple[str, list[str] | None]:
    """Target and features by name or alias from the header; None for `all` (decided on the first chunk)."""
    target_name = catalog.resolve(target, names, what="target column")
    if isinstance(features, str) and features.strip().lower() == "all":
        return target_name, None
    chosen = catalog.resolve_many(features, [n for n in names if n != target_name])
    if catalog.GROUP_COLUMN in chosen:
        raise UsageError("country is the group key for splits, never a feature: leave it out of --features")
    return target_name, chosen


def arrays(frame, features: list[str], target: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(X, y, rows without a target) of a chunk, with `dataset`'s rules for numbers, status and blanks.

    Rows without a target are left out; X is in Fortran order (column after column).
    """
    from lifeexp_cli.data import dataset

    y = dataset.numeric_column(frame, target)
    keep = ~np.isnan(y)
    X = np.empty((int(keep.sum()), len(features)), order="F")
    for j, name in enumerate(features):
        column = dataset.numeric_column(frame, name)
        if np.isinf(column).any():
            raise DataError(f"column {name} holds an infinite value: remove it or leave the cell empty")
        X[:, j] = column[keep]
    return X, y[keep], len(y) - len(X)


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


def fit_csv(data: str | None, features: str | list[str], target: str, spec: fitting.Spec,
            chunk_rows: int = CHUNK_ROWS) -> dict:
    """Stream `data` and return the model record (as `pipeline.fit_model` builds it)."""
    from lifeexp_cli.data import dataset

    source = dataset.locate(data)
    shown = "stdin" if source == "-" else source
    if spec.kind != "linear" or spec.solver not in closed_form.SOLVERS:
        raise UsageError(f"--stream fits closed-form linear models only (--solver {' or '.join(closed_form.SOLVERS)})")
    if spec.impute == "median" and source == "-":
        raise UsageError("--impute median with --stream reads the data more than once: give a file with --data, "
                         "or use --impute mean")
    if chunk_rows < 1:
        raise UsageError(f"--chunk-rows must be at least 1, got {chunk_rows}")
    if spec.impute not in impute.METHODS:  # checked before reading, not after a pass over a large file
        raise UsageError(f"--impute must be one of {', '.join(impute.METHODS)}, got {spec.impute!r}")
    if spec.scale not in scaling.METHODS:
        raise UsageError(f"--scale must be one of {', '.join(scaling.METHODS)}, got {spec.scale!r}")
    from threadpoolctl import threadpool_limits

    with open_binary(source) as raw:
        stream = reader.HashingReader(raw)
        names, sep, encoding = header(stream, shown)
        target_name, chosen = resolve_columns(names, features, target)
        wanted = None if chosen is None else [target_name, *chosen]
        totals = {"state": None, "skipped": 0, "chunks": 0}

        def chunks():
            nonlocal chosen
            for frame in reader.frames(stream, names, sep, encoding, wanted, chunk_rows):
                if chosen is None:
                    chosen = dataset.resolve_features(frame, "all", target_name)
                yield stream.take(), arrays(frame, chosen, target_name)

        def add(item):
            blocks, (X, y, skipped) = item
            stream.hash(blocks)
            totals["state"] = streaming.update(totals["state"] or streaming.start(X.shape[1], spec.impute), X, y)
            totals["skipped"] += skipped
            totals["chunks"] += 1

        # Tall-skinny QR is fastest on one BLAS thread; the second core parses meanwhile.
        with threadpool_limits(limits=1, user_api="blas"):
            pipelined(chunks(), add)
        sha256 = stream.finish()
    state, skipped, chunks = totals["state"], totals["skipped"], totals["chunks"]
    if state is None or state["rows"] + skipped == 0:
        raise DataError(f"{shown} has a header but no data rows")
    passes = 1
    medians = None
    if spec.impute == "median":
        medians, extra = median_passes(source, state, chosen, target_name, chunk_rows)
        passes += extra
    sol = solution(state, spec, chosen, medians)
    passes += refine(source, sol, spec, chosen, target_name, chunk_rows)
    return record(state, spec, chosen, target_name, sol, skipped,
                  {"sha256": sha256, "source": source, "rows": state["rows"] + skipped},
                  {"chunk_rows": chunk_rows, "chunks": chunks, "passes": passes})


def source_was_stdin(data: dict) -> bool:
    return data["source"] == "-"


def median_passes(source: str, state: dict, features: list[str], target: str,
                  chunk_rows: int) -> tuple[np.ndarray, int]:
    """Exact medians of the present feature values (rows with a target), by radix select over the file."""
    streaming.fill_values(state, features)  # fails clearly on a feature without values
    searches = streaming.median_start(state["present"]["n"])
    passes = 0
    while True:
        found = streaming.median_pass(searches)
        with open_binary(source) as raw:
            names, sep, encoding = header(raw, source)
            for frame in reader.frames(raw, names, sep, encoding, [target, *features], chunk_rows):
                streaming.median_update(searches, found, arrays(frame, features, target)[0])
        passes += 1
        if streaming.median_narrow(searches, found):
            return streaming.median_values(searches, len(features)), passes


def solution(state: dict, spec: fitting.Spec, features: list[str], medians: np.ndarray | None) -> dict:
    """Fill, scaler, the design's factor and θ from the state (before any refinement)."""
    fill = streaming.fill_values(state, features, medians)
    used = streaming.used_rows(state)
    if used == 0:
        raise DataError("every row has a missing feature value: use --impute mean or median")
    columns = len(features) + spec.intercept
    if columns > used:
        raise DataError(f"{columns} coefficients but only {used} rows: use fewer features or more rows")
    moments = streaming.imputed_moments(state, fill)
    center, scale = scaling.scaler_from_statistics(spec.scale, len(features), moments, center=spec.intercept)
    R, qty, residual = streaming.design_factor(state, streaming.design_map(state, fill, center, scale,
                                                                          spec.intercept))
    theta, rank = streaming.solve(R, qty, used, spec.solver)
    return {"fill": fill, "center": center, "scale": scale, "R": R, "qty": qty, "residual": residual,
            "theta": theta, "rank": rank, "used": used, "columns": columns}


def refine(source: str, sol: dict, spec: fitting.Spec, features: list[str], target: str,
           chunk_rows: int) -> int:
    """Corrected semi-normal equations, one pass per step, when the estimated loss of digits is large
    (as the in-memory lstsq refines every time): θ += (RᵀR)⁻¹Xᵀ(y − Xθ), residuals in long double.
    Returns the number of passes made."""
    if spec.solver != "lstsq" or sol["rank"] < sol["columns"] or source == "-" or \
            not streaming.refinement_needed(sol["R"], sol["residual"], sol["theta"]):
        return 0
    for step in range(closed_form.REFINEMENT_STEPS):
        correction = streaming.correction_start(sol["columns"])
        with open_binary(source) as raw:
            names, sep, encoding = header(raw, source)
            for frame in reader.frames(raw, names, sep, encoding, [target, *features], chunk_rows):
                X, y, _ = arrays(frame, features, target)
                if spec.impute == "drop":
                    complete = ~np.isnan(X).any(axis=1)
                    X, y = X[complete], y[complete]
                design = streaming.design_rows(X, sol["fill"], sol["center"], sol["scale"], spec.intercept)
                correction = streaming.correction_update(correction, design, y, sol["theta"])
        sol["theta"] = sol["theta"] + streaming.correction_solve(sol["R"], correction)
    return closed_form.REFINEMENT_STEPS


def record(state: dict, spec: fitting.Spec, features: list[str], target: str, sol: dict,
           skipped: int, data: dict, streamed: dict) -> dict:
    """The model record from the state and its solution, with the keys of `pipeline.fit_model`'s."""
    from lifeexp_cli.model.plain import plain

    fill, center, scale, R, qty, residual = (sol[k] for k in ("fill", "center", "scale", "R", "qty", "residual"))
    theta, used, columns = sol["theta"], sol["used"], sol["columns"]
    cond = streaming.condition_number(R)
    notes = fitting.conditioning_notes(collinear_groups(state, fill, center, scale, features, R, spec.intercept),
                                       spec.solver, cond, sol["rank"] >= columns)
    if spec.solver == "lstsq":
        notes += fitting.rank_notes(sol["rank"], columns)
    if source_was_stdin(data) and streaming.refinement_needed(R, residual, theta):
        notes.append("the design is ill-conditioned and the data came from stdin, which can be read once: "
                     "the solution was not refined; give --data FILE for full accuracy")
    bias, weights = (float(theta[0]), theta[1:]) if spec.intercept else (0.0, theta)
    params = {"fill": fill.tolist(), "center": center.tolist(), "scale": scale.tolist(),
              "weights": weights.tolist(), "bias": bias}
    rss = streaming.residual_sum(R, qty, residual, theta)
    ss_tot = float(state["y"]["m2"][0])
    train = {"rmse": float(np.sqrt(rss / used)), "mae": None,
             "r2": 1.0 - rss / ss_tot if ss_tot > 0 else float("nan")}
    present = state["present"]
    imputed = {f: 0 if spec.impute == "drop" else int(state["rows"] - n) for f, n in zip(features, present["n"])}
    out = {
        **store.record_header(spec, target, features),
        "params": params,
        "ranges": {f: [float(lo), float(hi)] for f, lo, hi in zip(features, present["min"], present["max"])},
        "means": {f: float(m) for f, m in zip(features, present["mean"])},
        "metrics": {"train": train, "test": None, "cv": None},
        "rows": {"train": used, "test": 0, "dropped": skipped + state["rows"] - used, "dropped_target": skipped,
                 "dropped_missing": state["rows"] - used, "imputed": imputed},
        "split": None,
        "data": data,
        "condition_number": cond,
        "warnings": notes,
        "streamed": streamed,
        "coefficients": fitting.coefficients(params, features, spec.intercept),
    }
    if spec.scale != "none":
        out["coefficients_scaled"] = {"intercept": bias if spec.intercept else None,
                                      **dict(zip(features, params["weights"]))}
    return plain(out)


def collinear_groups(state: dict, fill, center, scale, features: list[str], R: np.ndarray, intercept: bool):
    """Belsley's diagnostics from the factor of the centred features (the trailing block of [1, Xs]'s)."""
    if len(features) < 2:
        return []
    with_ones = R if intercept else streaming.design_factor(
        state, streaming.design_map(state, fill, center, scale, True))[0]
    centred = streaming.centred_factor(with_ones)
    # A constant feature has a centred norm at rounding level, relative to its uncentred norm.
    varying = np.linalg.norm(centred, axis=0) > 1e-12 * np.linalg.norm(with_ones[:, 1:], axis=0)
    return closed_form.centred_collinear_groups(centred, features, varying, streaming.used_rows(state))
