"""A closed-form fit of a CSV of any size, read in chunks, to the same model record as the in-memory fit.

One pass reads the file (hashing it on the way) and feeds each chunk to `state.update`; median
imputation adds passes for an exact median (so it needs a file, not stdin). Memory is bounded by the
chunk size, whatever the number of rows. Not available here: cross-validation and held-out splits
(they need the rows in memory). RMSE and R² come exactly from the factor; the training MAE needs every
residual at the solution, which the pass of clustered or HC3 standard errors computes and sums for it,
and is None without that pass (classical standard errors, stdin: it would take one more). A file (not
stdin) gets its prediction-interval calibration in one more pass (model/fit/stream_calibration.py,
shared with the standard errors'). Only the first pass parses the file: it keeps the
used columns' arrays in a temporary file (data/sources.py `ChunkCache`, 8 bytes a cell) and the passes
after it read those back. The passes are model/fit/stream_passes.py's, the solve
model/fit/stream_solve.py's, the record model/fit/stream_record.py's.
"""

from __future__ import annotations

import operator

from lifeexp_cli.data import catalog, dataset, opening, parts
from lifeexp_cli.data.sources import CHUNK_ROWS, ChunkCache
from lifeexp_cli.errors import DataError, ParameterError
from lifeexp_cli.linear import closed_form
from lifeexp_cli.model.fit import domain_sample, interval_calibration, standard_errors, stream_calibration
from lifeexp_cli.model.fit.pipeline import OneMachine
from lifeexp_cli.model.fit.stream_passes import Reduced, correction_part, median_passes, reduce_source, residual_part, \
    merge_residual_parts
from lifeexp_cli.model.fit.stream_record import stream_record
from lifeexp_cli.model.fit.stream_solve import refine, solution
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import impute, scaling

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


def fit_source(data: str | None, features: str | list[str], target: str, spec: Spec,
               chunk_rows: int = CHUNK_ROWS, se: str | None = None, seed: int = 0, intervals: bool = True,
               progress=None) -> dict:
    """Stream `data` (a CSV, stdin or a Parquet file) and return the model record (as `design.fit_design`
    builds it). se: the coefficients' standard errors (model/fit/standard_errors.py; cluster and hc3
    take one more pass); seed: of the interval calibration's folds (model/fit/stream_calibration.py);
    intervals False: no calibration (and no pass for it); progress: a large CSV's byte bar for every pass
    (data/opening.py), or None."""
    source = dataset.locate(data)
    check_spec(spec, chunk_rows)
    if spec.impute == "median" and source == "-":
        raise ParameterError("{impute} median with {stream} reads the data more than once: give a file with "
                             "{data}, or use {impute} mean", "data", data)
    # stdin's header cannot be read ahead: decided as if it had a country column (classical, or an error
    # when --se asks for a second pass), and said after the fit when it had one.
    names = [catalog.GROUP_COLUMN] if source == "-" else parts.part_columns(source, progress)
    se_type = standard_errors.check_se(se, source, names)
    # The passes after the first read its arrays back from a temporary file, not the text again.
    cache = ChunkCache(source) if source != "-" and (intervals or se_type != "classical" or
                                                     spec.impute == "median") else None
    try:
        first = reduce_source(source, features, target, spec, chunk_rows,
                              seed if source != "-" and intervals else None, progress, cache)
        data = {"sha256": first.hashes[0], "source": source}
        fitted = finish(first, OneMachine([source], progress, {source: cache} if cache else None), spec, data,
                        {"chunk_rows": chunk_rows}, se_type, seed, rereadable=source != "-", intervals=intervals)
    finally:
        if cache is not None:
            cache.close()
    if source == "-" and se is None and standard_errors.check_se(None, "file", first.columns) != "classical":
        fitted["warnings"].append(standard_errors.STDIN_NOTE)
    return fitted


def finish(first: Reduced, over, spec: Spec, data: dict, streamed: dict, se_type: str, seed: int = 0,
           rereadable: bool = True, intervals: bool = True) -> dict:
    """From the first pass's state to the record: the median passes, the solution, the refinement passes,
    the coefficients' inference, the interval calibration (seed: its folds'). `over` makes the passes
    (`OneMachine`, or the Dask engine's)."""
    seen, skipped, features, target = first.state, first.skipped, first.features, first.target
    if seen is None or seen.rows + skipped == 0:
        raise DataError(f"{opening.shown(data['source'])} has a header but no data rows")
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
    models, notes = None, [interval_calibration.STDIN_NOTE] if intervals and not rereadable else []
    if first.folds is not None:
        models, notes = stream_calibration.prepare(first.folds, units, grouped, spec, features, medians)
    gathering = se_type if standard_errors.needs_pass(sol, se_type) else None
    gathered, sample = None, None
    if gathering or models:  # one pass at the solution serves both
        gathered, sample = over.map_reduce(residual_part, merge_residual_parts, sol, spec, features, target,
                                           streamed["chunk_rows"], gathering, models, seed)
        passes += 1
    inferred, covariance = standard_errors.solution_inference(sol, spec, features, se_type, tss, gathered)
    # The training MAE from the residuals the standard errors gathered at the solution; without that pass
    # (classical standard errors, stdin) it would take one more: it stays None.
    mae = gathered.absolute / gathered.n if gathered is not None and gathered.n else None
    calibration = None
    if sample is not None:
        calibration, more = interval_calibration.finish(sample, sol.fill, folds=stream_calibration.FOLDS,
                                                        split="country" if grouped else "rows", units=units)
        notes += more
    fitted = stream_record(seen, spec, features, target, sol, skipped,
                           {**data, "rows": seen.rows + skipped},
                           {**streamed, "chunks": first.chunks, "passes": passes},
                           {"domain": domain_sample.finish(first.sample, sol.fill)[0],
                            "inference": inferred, "coefficient_covariance": covariance}, calibration, mae)
    fitted["warnings"] = [*first.notes, *fitted["warnings"], *notes]  # what reading the text noticed first
    return fitted
