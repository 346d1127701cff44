"""Fit a data source and save the model: the route (in memory, streamed in chunks, or on Dask) follows from
the source, the spec and the options; every route gives the same kind of model record."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from contextlib import nullcontext
from typing import TYPE_CHECKING, Callable, ContextManager

from lifeexp_cli.errors import UsageError

if TYPE_CHECKING:
    from lifeexp_cli.model.record import ModelRecord

MEMORY, STREAM, DASK = "memory", "stream", "dask"
# `fit` streams on its own when the data file is larger than this (in-memory parsing of a CSV takes
# several times its size in memory).
AUTO_STREAM_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Fitted:
    """A fitted and saved model: its record (typed, model/record.py ModelRecord), the file written, the route
    it took, and the warnings already passed to `warn` while it ran (the record's other warnings are still
    to be shown)."""

    record: ModelRecord
    path: Path | None  # None: not saved (`fit_record`)
    route: str
    shown: tuple[str, ...] = ()


def check_options(spec, *, cv: int | None = None, test_size: float | None = None, stream: bool | None = None,
                  name: str | None = None, out: str | None = None, se: str | None = None) -> None:
    """Refuse a combination of options before any data is read (the Dask engine's: `check_dask_options`)."""
    from lifeexp_cli.model.fit import standard_errors

    if name is not None and out is not None:
        raise UsageError("give either --name or --out, not both")
    if cv is not None and test_size is not None:
        raise UsageError("give either --folds (cross-validation) or --test-size (one held-out split), not both")
    standard_errors.choose_se(se, spec.kind, True)  # a wrong --se fails before the data is read
    if stream and (cv is not None or test_size is not None):
        raise UsageError("--stream fits on every row: --folds and --test-size need the data in memory (--no-stream)")
    if stream and not exact(spec):
        raise UsageError("--stream works with the exact solvers of a linear model (--solver lstsq or normal): "
                         "iterative training needs the rows in memory")


def exact(spec) -> bool:
    """A linear model by an exact solver: the only spec that can be fitted streamed or on Dask."""
    from lifeexp_cli.linear import closed_form

    return spec.kind == "linear" and spec.solver in closed_form.SOLVERS


def check_dask_options(engine: str, scheduler: str | None, data: str | None, closed: bool, stream: bool | None,
                       cv: int | None, test_size: float | None) -> None:
    if engine != DASK:
        raise UsageError("--scheduler is for --engine dask: add it, or leave --scheduler out")
    if cv is not None or test_size is not None:
        raise UsageError("--engine dask fits on every row: --folds and --test-size need the data in memory "
                         "(--engine local)")
    if not closed:
        raise UsageError("--engine dask works with the exact solvers of a linear model (--solver lstsq or normal)")
    if stream is False:
        raise UsageError("--engine dask always streams: leave out --no-stream")
    if data == "-":
        raise UsageError("--engine dask reads files, not stdin: give --data a glob or a folder")


def should_stream(source: str, forced: bool | None, solver: str = "lstsq") -> bool:
    """--stream / --no-stream decide; otherwise stream files larger than AUTO_STREAM_BYTES (closed-form
    solvers only: an iterative solver needs the rows in memory). Here, not in model/fit/stream.py: an
    in-memory fit does not import the streamed fit's modules to be told it is one."""
    from lifeexp_cli.linear import closed_form

    if forced is not None:
        return forced
    if solver not in closed_form.SOLVERS:
        return False
    try:
        return source != "-" and os.path.getsize(source) > AUTO_STREAM_BYTES
    except OSError:
        return False  # the in-memory reader reports the problem


def route_for(data: str | None, spec, *, cv: int | None = None, test_size: float | None = None,
              stream: bool | None = None, engine: str = "local", scheduler: str | None = None) -> str:
    """MEMORY, STREAM or DASK: Dask when asked; streamed when asked or the file is large (exact solvers,
    no held-out rows); else in memory."""
    from lifeexp_cli.data import dataset

    if engine == DASK or scheduler is not None:
        return DASK
    if stream is False:
        return MEMORY
    if cv is None and test_size is None and exact(spec) and should_stream(dataset.locate(data), stream, spec.solver):
        return STREAM
    return MEMORY


def fit_source(data: str | None, features: str, target: str, spec, *, cv: int | None = None,
               test_size: float | None = None, split: str = "country", fold_seed: int = 0, se: str | None = None,
               intervals: bool = True, stream: bool | None = None, chunk_rows: int = 65_536, engine: str = "local",
               scheduler: str | None = None, connect_timeout: float | None = None, name: str | None = None,
               out: str | None = None,
               progress_bar: Callable[[], ContextManager] | None = None, warn: Callable[[str], None] | None = None,
               read_table: Callable | None = None, starting: Callable[[str], None] | None = None,
               fitted: Callable[[str, ModelRecord], None] | None = None, reading: Callable | None = None) -> Fitted:
    """Fit `spec` on the data source and save the model (as NAME in the models folder, or to `out`); the
    options are checked and the file's place decided before any data is read. `fit_record` does the fit
    (the callbacks are its); `fitted(route, record)` runs after it, before the file is written."""
    from lifeexp_cli.data import dataset
    from lifeexp_cli.model import store

    check_options(spec, cv=cv, test_size=test_size, stream=stream, name=name, out=out, se=se)
    path = store.output_path(name, out, inputs=[dataset.locate(data)])  # refused here, before any work
    if engine == DASK or scheduler is not None:
        check_dask_options(engine, scheduler, data, exact(spec), stream, cv, test_size)
    done = fit_record(data, features, target, spec, cv=cv, test_size=test_size, split=split, fold_seed=fold_seed,
                      se=se, intervals=intervals, stream=stream, chunk_rows=chunk_rows, engine=engine,
                      scheduler=scheduler, connect_timeout=connect_timeout, progress_bar=progress_bar, warn=warn, read_table=read_table,
                      starting=starting, reading=reading)
    if fitted is not None:
        fitted(done.route, done.record)
    return Fitted(done.record, store.save_record(done.record, path), done.route, done.shown)


def fit_record(data, features, target: str, spec, *, cv: int | None = None, test_size: float | None = None,
               split: str = "country", fold_seed: int = 0, se: str | None = None, intervals: bool = True,
               stream: bool | None = None, chunk_rows: int = 65_536, engine: str = "local",
               scheduler: str | None = None, connect_timeout: float | None = None,
               progress_bar: Callable[[], ContextManager] | None = None, warn: Callable[[str], None] | None = None, read_table: Callable | None = None,
               starting: Callable[[str], None] | None = None, reading: Callable | None = None) -> Fitted:
    """The model record of `spec` fitted on the data, by the route `route_for` picks; nothing is saved.

    Callbacks: `progress_bar()` (a context giving the training loop's per-epoch callback, or None; entered
    around the in-memory fit only), `warn` (a warning known before training ends, passed on at once),
    `read_table(data, features, target)` (how the in-memory route reads: (Table, Design); default
    dataset.load_design), `starting(route)` before the fit, `reading` the byte progress of a streamed read."""
    from lifeexp_cli.data import dataset
    from lifeexp_cli.model.record import from_plain

    route = route_for(data, spec, cv=cv, test_size=test_size, stream=stream, engine=engine, scheduler=scheduler)
    if starting is not None:
        starting(route)
    shown: list[str] = []
    if route == DASK:
        from lifeexp_cli.model.fit import dask_engine

        record = dask_engine.fit_on_cluster(dataset.locate(data), features, target, spec, chunk_rows, scheduler, se, fold_seed,
                                 intervals, connect_timeout=connect_timeout)
    elif route == STREAM:
        from lifeexp_cli.model.fit import stream as streamed

        record = streamed.fit_source(data, features, target, spec, chunk_rows, se=se, seed=fold_seed,
                                     intervals=intervals, progress=reading)
    else:
        from lifeexp_cli.model.fit.design import fit_design

        table, design = (read_table or dataset.load_design)(data, features, target)
        if test_size is None:  # the rows' positions only name held-out rows (the record's test_rows): let them go
            design = replace(design, rows=None)

        def warn_now(note: str) -> None:
            shown.append(note)
            if warn is not None:
                warn(note)

        with (progress_bar or nullcontext)() as progress:
            record = fit_design(design, spec, cv=cv, test_size=test_size, split=split, seed=fold_seed,
                               data_sha256=table.sha256, source=table.source, progress=progress, warn=warn_now,
                               se=se, calibrate_intervals=intervals)
    return Fitted(from_plain(record), None, route, tuple(shown))  # the fit builds plain values (build_record)
