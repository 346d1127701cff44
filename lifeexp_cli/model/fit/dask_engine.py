"""The Dask engine: the streamed fit and the batch prediction over data in many files, on a cluster.

Each part (one file) is a task: a worker reads it in chunks and reduces it to the `--stream` state
(model/fit/stream_passes.py `reduce_source`: the TSQR factor and column moments, a few kilobytes whatever the
number of rows); the states merge exactly, pairwise, in a tree of tasks; the client then solves as
`--stream` does. Median imputation, refinement, robust standard errors and the interval calibration
make further passes the same way (per-part histograms, corrections, scores or samples, merged in the
tree). So the coefficients are those of `--stream` on the
same rows, and the model file is the ordinary one.

Without a scheduler address, a local cluster of worker processes on this machine, bound to 127.0.0.1.
dask and distributed come with the `dask` extra and are imported only here, when the engine runs.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import warnings
from contextlib import contextmanager

from lifeexp_cli.data import dataset, parts
from lifeexp_cli.errors import DataError, LifeexpError, ParameterMessage
from lifeexp_cli.data.sources import CHUNK_ROWS, opened
from lifeexp_cli.model.predict import prediction
from lifeexp_cli.model.record import ModelRecord, from_plain, to_plain
from lifeexp_cli.model.fit import standard_errors
from lifeexp_cli.model.fit.stream import check_spec, finish
from lifeexp_cli.model.fit.stream_passes import Reduced, reduce_source
from lifeexp_cli.model.spec import Spec

CONNECT_SECONDS = 5
HANDSHAKE_SECONDS = 30.0  # for the scheduler's first words once connected, and each later answer (--connect-timeout)
NO_WORKERS_SECONDS = 20.0  # a cluster without a worker this long has lost them (tasks would wait for ever)
POLL_SECONDS = 2.0
LOCALHOST = "127.0.0.1"
PART_NAME = "part-{:05d}.parquet"


class EngineError(LifeexpError):
    """The Dask cluster cannot be reached, or failed while working (exit code 1)."""


def _dask():
    try:
        import distributed
    except ImportError:
        raise EngineError(f"--engine dask needs dask and distributed, which come with the dask extra: "
                          f"{parts.EXTRA}") from None
    return distributed


def tcp_address(scheduler: str) -> tuple[str, int] | None:
    """(host, port) of a plain TCP scheduler address (`tcp://HOST:PORT`, `HOST:PORT`, or a scheduler file's
    `address`); None for another protocol (tls://, ...) or what cannot be read (distributed says why)."""
    address = scheduler
    if os.path.isfile(scheduler):
        try:
            with open(scheduler, encoding="utf-8") as handle:
                address = json.load(handle).get("address", "")
        except (OSError, ValueError, AttributeError):
            return None
    if not isinstance(address, str):
        return None
    if "://" in address:
        protocol, _, address = address.partition("://")
        if protocol != "tcp":
            return None
    host, _, port = address.rpartition(":")
    return (host.strip("[]"), int(port)) if host and port.isdigit() else None


def check_answers(scheduler: str, seconds: float) -> None:
    """A Dask scheduler speaks first: on a new connection it sends its handshake at once. distributed waits
    for it without a timeout, so a port that accepts and never answers would hang the run: wait here for
    its first byte, `seconds` at most. A refused connection is left to distributed, which says so."""
    found = tcp_address(scheduler)
    if found is None:
        return
    try:
        with socket.create_connection(found, timeout=CONNECT_SECONDS) as probe:
            probe.settimeout(seconds)
            probe.recv(1)
    except socket.timeout:
        raise EngineError(f"the scheduler at {scheduler} accepted the connection but did not answer within "
                          f"{seconds:g} s: check --scheduler (is it a Dask scheduler, and not overloaded?), or "
                          "wait longer with --connect-timeout") from None
    except OSError:
        return


def silence_logs() -> None:
    """distributed's chatter is not ours to show: our error comes first and alone. Its configuration gives some
    of its loggers their own level (distributed.client: a lost scheduler's reconnection traceback at ERROR), so
    each is raised to CRITICAL, not only the parent. asyncio's too: a run interrupted while the local cluster
    starts leaves tasks whose failures it would print at exit ("Task exception was never retrieved").
    Its warnings too (`connect` ignores them in this process): the local cluster's worker processes start with
    PYTHONWARNINGS=ignore (on a busy machine, "Creating scratch directories is taking a surprisingly long time")."""
    import dask

    names = [name for name in list(logging.root.manager.loggerDict)
             if name.partition(".")[0] in ("distributed", "asyncio", "tornado")]
    for name in ("distributed", "asyncio", "tornado", *names):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    dask.config.set({"distributed.nanny.pre-spawn-environ.PYTHONWARNINGS": "ignore"})


@contextmanager
def connect(scheduler: str | None, workers: int, connect_timeout: float | None = None):
    """A Dask client: to the scheduler at `scheduler` (an address, or a scheduler file), else to a new
    local cluster of `workers` single-threaded worker processes bound to 127.0.0.1. Closed on exit.
    connect_timeout: seconds the scheduler has to answer once connected (default HANDSHAKE_SECONDS).
    distributed's log lines and warnings are not shown (`silence_logs`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # for the connection's life: distributed's threads warn at any time
        # multiprocessing starts its processes with our -W options: the local cluster's workers, and its resource
        # tracker, which outlives an interrupted run and warned of what it found already removed
        sys.warnoptions.append("ignore")
        try:
            with connected(scheduler, workers, connect_timeout) as client:
                yield client
        finally:
            sys.warnoptions.remove("ignore")


@contextmanager
def connected(scheduler: str | None, workers: int, connect_timeout: float | None):
    distributed = _dask()
    silence_logs()
    cluster = None
    if scheduler:
        check_answers(scheduler, connect_timeout or HANDSHAKE_SECONDS)
    try:
        if scheduler:
            where = {"scheduler_file": scheduler} if os.path.isfile(scheduler) else {"address": scheduler}
            client = distributed.Client(**where, timeout=CONNECT_SECONDS)
        else:
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               host=LOCALHOST, dashboard_address=None,
                                               silence_logs=logging.CRITICAL,  # our error first, and alone
                                               scheduler_kwargs={
                                                   "dashboard": False, "dashboard_address": f"{LOCALHOST}:0"})
            client = distributed.Client(cluster, timeout=CONNECT_SECONDS)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while the local cluster starts: its processes end with ours;
        for half_started in list(distributed.SpecCluster._instances):  # closing it again at exit would only
            half_started.shutdown_on_close = False  # print distributed's traceback after our error
        raise
    except Exception as exc:  # refused, timed out, not a Dask scheduler (garbage on the wire) ...
        if cluster is not None:
            cluster.close()
        reason = parts.first_line(exc)
        if not scheduler:
            raise EngineError(f"could not start a local Dask cluster ({reason}): give --scheduler ADDRESS of a "
                              "running one") from None
        raise EngineError(f"no Dask scheduler answered at {scheduler} within {CONNECT_SECONDS} s ({reason}): "
                          "check --scheduler (start one with `dask scheduler`)") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def in_part(work, source: str, *args):
    """work(source, *args) on a worker; an error names the part it came from."""
    try:
        return work(source, *args)
    except ParameterMessage as exc:
        template = exc.template if source in exc.template else \
            source.replace("{", "{{").replace("}", "}}") + ": " + exc.template
        raise type(exc)(template, exc.param, exc.value) from None
    except LifeexpError as exc:
        raise type(exc)(str(exc) if source in str(exc) else f"{source}: {exc}") from None


def tree(client, futures: list, merge):
    """Merge futures pairwise, neighbours with neighbours (order kept), until one is left."""
    while len(futures) > 1:
        futures = [client.submit(merge, *pair, pure=False) if len(pair) == 2 else pair[0]
                   for pair in (futures[i:i + 2] for i in range(0, len(futures), 2))]
    return futures[0]


class OnCluster:
    """`pipeline.OneMachine`'s `map_reduce` on a Dask cluster: one task per part, merged in a tree.
    answer_seconds: how long the scheduler has to answer while the tasks run (`wait_with_workers`)."""

    def __init__(self, client, sources: list[str], answer_seconds: float | None = None):
        self.client, self.sources = client, sources
        self.answer_seconds = answer_seconds or HANDSHAKE_SECONDS

    def map_reduce(self, work, merge, *args):
        return gathered(self.client, tree(self.client, self.map(work, *args), merge), self.answer_seconds)

    def map(self, work, *args) -> list:
        n = len(self.sources)
        return self.client.map(in_part, [work] * n, self.sources, *[[a] * n for a in args], pure=False)


def gathered(client, future, answer_seconds: float = HANDSHAKE_SECONDS):
    """The result of a task; a failure of the cluster itself (not of the data) is an EngineError."""
    try:
        wait_with_workers(client, future, answer_seconds)
        try:
            return future.result(timeout=answer_seconds)  # done: fetching its few kilobytes is quick
        except TimeoutError:
            raise silent_scheduler(client, answer_seconds) from None
    except LifeexpError:
        raise
    except Exception as exc:  # a worker died, a connection dropped, a worker lacks lifeexp ...
        if client.status != "running":  # the scheduler went away: the client has given up reconnecting
            raise EngineError(f"lost the connection to the Dask scheduler at {client.scheduler.address} "
                              f"({type(exc).__name__}): check that it still runs, then run again") from None
        raise EngineError(f"the Dask cluster failed ({type(exc).__name__}: {parts.first_line(exc)}): "
                          "check the workers (each needs lifeexp installed with the dask extra)") from None


def wait_with_workers(client, future, answer_seconds: float = HANDSHAKE_SECONDS) -> None:
    """Wait for `future` while the cluster has workers and its scheduler answers. A cluster that loses its only
    worker (one without a nanny to restart it) keeps the task waiting for ever: NO_WORKERS_SECONDS without a
    worker is an error. So would a scheduler that stops answering (stopped, or its machine gone, with the
    connection still open): asked every POLL_SECONDS how many workers it has, it must answer within
    `answer_seconds`."""
    import time

    distributed = _dask()
    alone_since = None
    while not future.done():
        try:
            distributed.wait(future, timeout=POLL_SECONDS)
        except TimeoutError:
            pass
        if future.done():
            return
        try:
            threads = client.nthreads(callback_timeout=answer_seconds)
        except TimeoutError:
            raise silent_scheduler(client, answer_seconds) from None
        if threads:
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > NO_WORKERS_SECONDS:
            raise EngineError(f"the Dask cluster has had no worker for {NO_WORKERS_SECONDS:g} s (they were lost or "
                              "never joined): start workers (`dask worker ADDRESS`, with a nanny to restart them)")


def silent_scheduler(client, seconds: float) -> EngineError:
    return EngineError(f"the Dask scheduler at {client.scheduler.address} stopped answering (nothing for {seconds:g} s "
                       "while the tasks ran): check that it still runs and is not overloaded, or wait longer with "
                       "--connect-timeout")


def local_workers(parts_count: int) -> int:
    return max(1, min(os.cpu_count() or 1, parts_count))


def first_columns(source: str, features: str | list[str], target: str, chunk_rows: int) -> tuple[str, list[str]]:
    """Target and features from the first part (`all`: its numeric columns, decided on its first chunk as
    `--stream` does), so that every part reads the same columns."""
    with opened(source, features, target, chunk_rows) as (target_name, chosen, _, frames, _):
        if chosen is None:
            frame = next(frames, (None, None))[1]
            if frame is None:
                raise DataError(f"{source} has a header but no data rows: name the features with --features")
            chosen = dataset.resolve_features(frame, "all", target_name)
    return target_name, chosen


def fit_on_cluster(pattern: str, features: str | list[str], target: str, spec: Spec, chunk_rows: int = CHUNK_ROWS,
                   scheduler: str | None = None, se: str | None = None, seed: int = 0,
                   intervals: bool = True, connect_timeout: float | None = None) -> dict:
    """Fit on every row of the files `pattern` names (a glob or a folder; CSV or Parquet parts) on a Dask
    cluster; the model record, as `stream.fit_source` gives it for the same rows in one file (seed: of
    the interval calibration's folds; intervals False: no calibration)."""
    check_spec(spec, chunk_rows)
    files = parts.expand(pattern)
    se_type = standard_errors.check_se(se, pattern, parts.check_same_columns(files))
    target_name, chosen = first_columns(files[0], features, target, chunk_rows)
    with connect(scheduler, local_workers(len(files)), connect_timeout) as client:
        over = OnCluster(client, files, connect_timeout)
        first = over.map_reduce(reduce_source, Reduced.merge, chosen, target_name, spec,
                                chunk_rows, seed if intervals else None)
        data = {"sha256": parts.combined_sha256(first.hashes), "source": pattern, "files": files}
        return finish(first, over, spec, data, {"chunk_rows": chunk_rows, "engine": "dask",
                                                         "parts": len(files)}, se_type, seed,
                               intervals=intervals)


def predict_on_cluster(record: ModelRecord, pattern: str, out_dir: str, scheduler: str | None = None, level: float = 0,
                       chunk_rows: int = CHUNK_ROWS, connect_timeout: float | None = None) -> dict:
    """Predict every row of the files `pattern` names into Parquet parts in `out_dir` (part-00000.parquet
    for the first file in sorted order, ...): the input columns and `prediction.predicted_columns`
    (predicted_<target>, and lower_/upper_<target> at `level` for a calibrated model), then `in_domain`
    (1/0, `prediction.domain_flags`) for a model with the domain check's reference. The parts are
    written to a hidden folder in `out_dir` and moved into place only when every part is done, so a failure
    leaves nothing. Returns the counts (rows, filled, outside, unlike) as the local batch predict does, and
    parts. The workers are sent the record's plain values (a read-only mapping does not pickle), typed again
    there."""
    files = parts.expand(pattern, "--input")
    created = not os.path.exists(out_dir)
    staging = parts.staging_dir(out_dir)
    try:
        with connect(scheduler, local_workers(len(files)), connect_timeout) as client:
            over = OnCluster(client, files, connect_timeout)
            targets = [os.path.join(staging, PART_NAME.format(i)) for i in range(len(files))]
            futures = over.client.map(in_part, [predict_part] * len(files), files, targets,
                                       [to_plain(record)] * len(files), [level] * len(files), [chunk_rows] * len(files),
                                       pure=False)
            counts = [gathered(client, f, over.answer_seconds) for f in futures]
        parts.publish(staging, out_dir)
    finally:
        parts.discard(staging, out_dir, created)
    missing = sorted({f for c in counts for f in c["missing"]}, key=record.features.index)
    return {"parts": len(files), "missing": missing,
            **{key: sum(c[key] for c in counts) for key in ("rows", "filled", "outside", "unlike")}}


def predict_part(source: str, target_path: str, stored: dict, level: float, chunk_rows: int) -> dict:
    """One part's predictions, written as Parquet to `target_path`; its counts. A feature the part has no
    column for takes its training mean (as the local batch predict does; the counts name it). stored: the
    record's plain values."""
    import numpy as np

    record = from_plain(stored)
    counts = {"rows": 0, "filled": 0, "outside": 0, "unlike": 0, "missing": []}

    def predicted():
        for chunk, view in parts.frames_as_read(source, chunk_rows):
            names = list(view.columns)
            index = prediction.feature_columns(record, names)
            counts["missing"] = [f for f, i in zip(record.features, index) if i is None]
            if len(view) == 0:  # a part without rows: its columns and the added ones, no rows
                yield chunk, {name: np.empty(0) for name in prediction.output_columns(record, level)}
                continue
            X = np.column_stack([np.full(len(view), record.means[f]) if i is None
                                 else dataset.numeric_column(view, names[i]) for f, i in zip(record.features, index)])
            added = prediction.predicted_columns(record, X, counts, level)
            prediction.check_finite(record, np.column_stack(list(added.values())), counts["rows"] + 2, source)
            added.update(prediction.domain_flags(record, X, counts))
            counts["rows"] += len(X)
            yield chunk, added

    parts.write_parquet(target_path, predicted())
    return counts
