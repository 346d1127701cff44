"""The Dask engine against a real cluster: a scheduler and two worker processes started here, bound to
127.0.0.1, stopped by their process ids. `fit --engine dask` gives `fit --stream`'s coefficients on the
same rows (1e-10 relative), `predict --engine dask` the local batch predict's values (1e-9), and bad
input is one `Error:` line with nothing written.

Skipped, saying why, only when the dask extra (dask, distributed, pyarrow) is not installed; `make test`
installs it.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from lifeexp_cli.model import store
from support import pause
from support.cli import run_cli, run_process

MISSING_EXTRA = [m for m in ("dask", "distributed", "pyarrow") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(bool(MISSING_EXTRA), reason=f"the dask extra is not installed (no "
                                f"{', '.join(MISSING_EXTRA)}): pip install 'lifeexp[dask]'")
LOCALHOST = "127.0.0.1"
FEATURES = "bmi,adult_mortality,hiv,gdp,status"


def stop(process: subprocess.Popen) -> None:
    """Stop one process we started, by its id: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def cluster(where: Path, workers: int, worker_env: dict | None = None):
    """(scheduler file, processes): a scheduler on 127.0.0.1 and `workers` single-threaded workers without a
    nanny (each its own process, in `worker_env`), all connected; stopped by their process ids on exit."""
    import distributed

    file = where / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": where}
    started = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", LOCALHOST,
                                 "--port", "0", "--no-dashboard", "--dashboard-address", f"{LOCALHOST}:0",
                                 "--scheduler-file", str(file)], **quiet)]
    try:
        for _ in range(workers):
            started.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(file), "--host",
                 LOCALHOST, "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--dashboard-address", f"{LOCALHOST}:0"], env=worker_env, **quiet))
        deadline = time.monotonic() + 120
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        with distributed.Client(scheduler_file=str(file), timeout=60) as client:
            client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
        yield file, started
    finally:
        for process in reversed(started):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)  # a stopped process ends only once it runs again
            stop(process)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a scheduler on 127.0.0.1 with two single-threaded workers (separate processes)."""
    import distributed

    with cluster(tmp_path_factory.mktemp("dask"), 2) as (file, started):
        with distributed.Client(scheduler_file=str(file), timeout=60) as client:
            workers = client.scheduler_info()["workers"]
            address = client.scheduler.address
        assert len(workers) == 2 and all(w.startswith(f"tcp://{LOCALHOST}:") for w in workers), workers
        assert address.startswith(f"tcp://{LOCALHOST}:")
        assert listening([p.pid for p in started]) == {LOCALHOST}
        yield address


def listening(pids: list[int]) -> set[str]:
    """The addresses the processes listen on (psutil comes with distributed)."""
    import psutil

    return {c.laddr.ip for pid in pids for c in psutil.Process(pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN}


def test_the_local_cluster_listens_on_127_0_0_1_only():
    from lifeexp_cli.model.fit import dask_engine

    with dask_engine.connect(None, 2) as client:
        workers = list(client.run(os.getpid).values())
        assert len(workers) == 2
        assert listening([os.getpid(), *workers]) == {LOCALHOST}


def synthetic(rows: int, seed: int, gaps: bool = True):
    """WHO-like columns with known coefficients; a few blanks; text status; some rows without a target."""
    rng = np.random.default_rng(seed)
    columns = {"Country": [f"C{i % 97}" for i in range(rows)], "Status": np.where(rng.random(rows) < 0.3,
                                                                                      "Developed", "Developing"),
               " BMI ": rng.uniform(15, 60, rows), "Adult Mortality": rng.uniform(50, 400, rows),
               " HIV/AIDS": rng.exponential(1.5, rows), "GDP": rng.lognormal(8, 1.2, rows)}
    y = 50 + 0.2 * columns[" BMI "] - 0.03 * columns["Adult Mortality"] - 0.8 * columns[" HIV/AIDS"] \
        + 3e-4 * columns["GDP"] + 3 * (columns["Status"] == "Developed") + rng.normal(0, 0.5, rows)
    columns["Life expectancy "] = y
    if gaps:
        for name in (" BMI ", "GDP"):
            columns[name][rng.random(rows) < 0.05] = np.nan
        columns["Life expectancy "][rng.random(rows) < 0.01] = np.nan
    import pandas as pd

    return pd.DataFrame(columns)


def split(frame, folder: Path, count: int, kinds=("parquet",)) -> list[Path]:
    """`frame` as `count` parts in `folder`, alternating the given kinds; also the whole as one CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    edges = np.linspace(0, len(frame), count + 1).astype(int)
    paths = []
    for i in range(count):
        part = frame.iloc[edges[i]:edges[i + 1]]
        kind = kinds[i % len(kinds)]
        path = folder / f"part{i:02d}.{kind}"
        part.to_parquet(path, index=False) if kind == "parquet" else part.to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """6000 rows as one CSV and as 8 parts (CSV and Parquet mixed)."""
    frame = synthetic(6000, seed=3)
    where = tmp_path_factory.mktemp("parts")
    whole = where / "whole.csv"
    frame.to_csv(whole, index=False)
    parts = split(frame, where / "parts", 8, kinds=("parquet", "csv"))
    return whole, parts


def fitted(tmp_path, *args) -> dict:
    out = tmp_path / f"m{len(list(tmp_path.glob('*.joblib')))}.joblib"
    return json.loads(run_cli("fit", *args, "--out", out, "--format", "json", "--quiet").stdout) | \
        {"record": store.load(str(out))}


@pytest.mark.parametrize("impute", ["mean", "median", "drop"])
def test_the_dask_fit_gives_the_streamed_fit_of_the_same_rows(scheduler, data, tmp_path, impute):
    whole, parts = data
    common = ["--features", FEATURES, "--impute", impute, "--chunk-rows", "500"]
    local = fitted(tmp_path, "--data", whole, "--stream", *common)
    dask = fitted(tmp_path, "--data", parts[0].parent, "--engine", "dask", "--scheduler", scheduler, *common)
    for term, value in local["coefficients"].items():
        assert dask["coefficients"][term] == pytest.approx(value, rel=1e-10, abs=1e-12), term
    assert dask["metrics"]["train"]["rmse"] == pytest.approx(local["metrics"]["train"]["rmse"], rel=1e-10)
    assert dask["rows"] == local["rows"]
    assert dask["streamed"]["passes"] == local["streamed"]["passes"]
    record = dask["record"]
    inferred = local["record"]["inference"]
    assert record["inference"]["se_type"] == inferred["se_type"] == "cluster"  # countries span the parts
    for term, value in inferred["coefficients"].items():
        assert record["inference"]["coefficients"][term]["se"] == pytest.approx(value["se"], rel=1e-9), term
    assert record["streamed"]["engine"] == "dask" and record["streamed"]["parts"] == 8
    calibration, expected = record["calibration"], local["record"]["calibration"]
    assert calibration["split"] == "country" and calibration["rows"] == expected["rows"]  # folds by country hash
    for key in ("coef", "clip", "scores"):
        assert calibration[key] == pytest.approx(expected[key], rel=1e-8, abs=1e-12), key
    assert record["data"]["files"] == [str(p) for p in parts]
    hashes = "".join(hashlib.sha256(p.read_bytes()).hexdigest() + "\n" for p in parts)
    assert record["data"]["sha256"] == hashlib.sha256(hashes.encode()).hexdigest()
    assert record["data"]["rows"] == 6000


def test_an_ill_conditioned_fit_is_refined_on_the_cluster_as_when_streamed(scheduler, tmp_path):
    """x, x², …, x⁵: QR alone loses digits; both engines make the same refinement passes."""
    import pandas as pd

    rng = np.random.default_rng(5)
    x = rng.uniform(1, 2, 4000)
    frame = pd.DataFrame({f"x{k}": x**k for k in range(1, 6)} | {"y": 1 + x - 0.5 * x**3 + 0.01 * x**5
                                                                        + rng.normal(0, 0.01, 4000)})
    whole = tmp_path / "poly.csv"
    frame.to_csv(whole, index=False)
    split(frame, tmp_path / "poly", 4, kinds=("csv",))
    common = ["--features", "x1,x2,x3,x4,x5", "--target", "y", "--chunk-rows", "700"]
    local = fitted(tmp_path, "--data", whole, "--stream", *common)
    dask = fitted(tmp_path, "--data", tmp_path / "poly" / "*.csv", "--engine", "dask", "--scheduler", scheduler,
                  *common)
    assert local["streamed"]["passes"] > 1 and dask["streamed"]["passes"] == local["streamed"]["passes"]
    for term, value in local["coefficients"].items():
        assert dask["coefficients"][term] == pytest.approx(value, rel=1e-10), term
    X = np.column_stack([np.ones(len(x)), *(x**k for k in range(1, 6))])
    theta = np.linalg.lstsq(X, frame["y"].to_numpy(), rcond=None)[0]
    assert [dask["coefficients"][t] for t in ["intercept", "x1", "x2", "x3", "x4", "x5"]] == \
        pytest.approx(theta, rel=1e-7)


def test_the_dask_prediction_is_the_local_batch_prediction(scheduler, data, tmp_path):
    import pandas as pd

    whole, parts = data
    model = tmp_path / "m.joblib"
    run_cli("fit", "--data", whole, "--features", FEATURES, "--out", model, "--quiet")  # calibrated: intervals
    local = pd.read_csv(__import__("io").StringIO(run_cli("predict", "--model", model, "--input", whole).stdout))
    out = tmp_path / "predicted"
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()  # a process that has ended: its id names no running process
    stale = out / f".lifeexp-partial-{gone.pid}-x7k2"  # left by a run that was killed (SIGKILL)
    stale.mkdir(parents=True)
    (stale / "part-00000.parquet").write_bytes(b"PAR1 half")
    result = run_cli("predict", "--engine", "dask", "--scheduler", scheduler, "--model", model, "--input",
                     parts[0].parent / "part*", "--output", out)
    assert "Predicted 6000 rows" in result.stderr
    assert not stale.exists() and not list(out.glob(".*"))  # the stale folder removed, the run's own too
    written = sorted(glob.glob(str(out / "*")))
    assert [Path(p).name for p in written] == [f"part-{i:05d}.parquet" for i in range(8)]
    frames = [pd.read_parquet(p) for p in written]
    assert [len(f) for f in frames] == [len(pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p))
                                        for p in parts]
    merged = pd.concat(frames, ignore_index=True)
    assert len(merged) == len(local) == 6000  # every input row once, in order
    assert list(merged["Country"]) == list(local["Country"])
    added = [c for c in local.columns if c.endswith("_life_expectancy") and c != "Life expectancy "]
    assert added == ["predicted_life_expectancy", "lower_life_expectancy", "upper_life_expectancy"]
    for column in added:  # the prediction and its interval, as the local batch predict gives them
        assert merged[column].to_numpy() == pytest.approx(local[column].to_numpy(), rel=1e-9), column


def test_a_local_cluster_on_127_0_0_1_when_no_scheduler_is_given(data, tmp_path):
    whole, parts = data
    local = fitted(tmp_path, "--data", whole, "--stream", "--features", "bmi,hiv")
    dask = fitted(tmp_path, "--data", parts[0].parent / "*.parquet", "--engine", "dask", "--features", "bmi,hiv")
    assert dask["record"]["streamed"]["parts"] == 4
    assert dask["rows"]["train"] < local["rows"]["train"]  # half the parts: Parquet ones only


def test_parquet_data_with_the_local_engine(data, tmp_path):
    import pandas as pd

    whole, _ = data
    parquet = tmp_path / "whole.parquet"
    pd.read_csv(whole).to_parquet(parquet, index=False)
    for mode in ("--stream", "--no-stream"):
        csv_fit = fitted(tmp_path, "--data", whole, mode, "--features", FEATURES)
        parquet_fit = fitted(tmp_path, "--data", parquet, mode, "--features", FEATURES)
        for term, value in csv_fit["coefficients"].items():
            assert parquet_fit["coefficients"][term] == pytest.approx(value, rel=1e-10), term
        assert parquet_fit["record"]["data"]["sha256"] == hashlib.sha256(parquet.read_bytes()).hexdigest()


# --- Bad input: one Error: line, nothing written ------------------------------------------------------

def refused(tmp_path, *args, code: int = 1) -> str:
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_cli(*args, code=code)
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 1 and lines[-1].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    return lines[-1]


def test_a_glob_that_matches_nothing(tmp_path):
    said = refused(tmp_path, "fit", "--engine", "dask", "--data", tmp_path / "nothing*.parquet", "--features", "bmi",
                   "--out", tmp_path / "m.joblib")
    assert "matches no file" in said


def test_parts_with_different_columns(tmp_path):
    frame = synthetic(200, seed=1)
    split(frame, tmp_path / "in", 2, kinds=("csv",))
    frame.drop(columns=["GDP"]).to_csv(tmp_path / "in" / "part09.csv", index=False)
    said = refused(tmp_path, "fit", "--engine", "dask", "--data", tmp_path / "in", "--features", "bmi",
                   "--out", tmp_path / "m.joblib")
    assert "different columns" in said and "part09.csv" in said and "gdp" in said


def test_an_unreachable_scheduler_fails_within_seconds_naming_it(data, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind((LOCALHOST, 0))
        port = probe.getsockname()[1]
    address = f"tcp://{LOCALHOST}:{port}"
    started = time.monotonic()
    said = refused(tmp_path, "fit", "--engine", "dask", "--scheduler", address, "--data", data[1][0],
                   "--features", "bmi", "--out", tmp_path / "m.joblib")
    assert address in said and time.monotonic() - started < 30


def test_a_scheduler_that_accepts_but_never_answers_fails_after_the_handshake_timeout(data, tmp_path):
    """Issue 24 item 11: distributed waits for the scheduler's handshake without a timeout; a port that
    accepts and never answers (here a socket on 127.0.0.1 that only listens) is refused after --connect-timeout."""
    with socket.socket() as silent:
        silent.bind((LOCALHOST, 0))
        silent.listen(8)  # the kernel accepts connections for us; nobody ever writes
        address = f"tcp://{LOCALHOST}:{silent.getsockname()[1]}"
        said = refused(tmp_path, "fit", "--engine", "dask", "--scheduler", address, "--connect-timeout", "1",
                       "--data", data[1][0], "--features", "bmi", "--out", tmp_path / "m.joblib")
        said_predict = refused(tmp_path, "predict", "--engine", "dask", "--scheduler", address, "--connect-timeout",
                               "1", "--model", "tim", "--input", data[1][0], "--output", tmp_path / "out")
    for words in (said, said_predict):
        assert words == (f"Error: the scheduler at {address} accepted the connection but did not answer within 1 s: "
                         "check --scheduler (is it a Dask scheduler, and not overloaded?), or wait longer with "
                         "--connect-timeout")


def test_parts_without_rows_keep_their_columns(scheduler, tmp_path):
    """A header-only CSV part and a Parquet part of no rows give output parts of no rows with every column
    (issue 24 item 11: the first failed as "the Dask cluster failed", the second had no columns)."""
    import pandas as pd

    frame = synthetic(400, seed=6, gaps=False)
    paths = split(frame, tmp_path / "in", 1, kinds=("csv",))
    frame.iloc[:0].to_csv(tmp_path / "in" / "part01.csv", index=False)
    frame.iloc[:0].to_parquet(tmp_path / "in" / "part02.parquet", index=False)
    model = tmp_path / "m.joblib"
    run_cli("fit", "--data", paths[0], "--features", "bmi,hiv", "--out", model, "--quiet")
    result = run_cli("predict", "--engine", "dask", "--scheduler", scheduler, "--model", model, "--input",
                     tmp_path / "in", "--output", tmp_path / "out")
    assert "Predicted 400 rows" in result.stderr
    written = [pd.read_parquet(tmp_path / "out" / f"part-{i:05d}.parquet") for i in range(3)]
    assert [len(f) for f in written] == [400, 0, 0]
    assert list(written[1].columns) == list(written[2].columns) == list(written[0].columns)
    assert list(written[0].columns)[-2:] == ["upper_life_expectancy", "in_domain"]


def test_a_cluster_that_lost_its_only_worker_fails_within_a_minute(data, tmp_path):
    """A worker without a nanny, killed (SIGKILL): the scheduler has no worker and would keep the tasks
    waiting for ever; the fit fails, saying so, once the cluster has had no worker for 20 s."""
    with cluster(tmp_path, 1) as (file, started):
        started[1].kill()  # the only worker, lost
        started[1].wait(timeout=15)
        result = run_process([sys.executable, "-m", "lifeexp_cli", "fit", "--engine", "dask", "--scheduler", file,
                              "--data", data[1][0], "--features", "bmi", "--out", tmp_path / "m.joblib", "--quiet"],
                             code=1, timeout=110)  # before: waited for ever
        assert result.stderr.startswith("Error: the Dask cluster has had no worker for 20 s"), result.stderr
        assert not (tmp_path / "m.joblib").exists()


def test_a_part_that_fails_mid_way_fails_the_whole_fit(scheduler, tmp_path):
    frame = synthetic(3000, seed=2, gaps=False)
    paths = split(frame, tmp_path / "in", 3, kinds=("csv",))
    lines = paths[2].read_text().splitlines()
    lines[700] = lines[700].replace("Developing", "Dvlpng").replace("Developed", "Dvlpd")
    paths[2].write_text("\n".join(lines) + "\n")
    said = refused(tmp_path, "fit", "--engine", "dask", "--scheduler", scheduler, "--data", tmp_path / "in",
                   "--features", "bmi,status", "--chunk-rows", "100", "--out", tmp_path / "m.joblib")
    assert "part02.csv" in said and "status" in said


def test_a_prediction_part_that_fails_leaves_no_output(scheduler, tmp_path):
    frame = synthetic(2000, seed=4, gaps=False)
    paths = split(frame, tmp_path / "in", 2, kinds=("csv",))
    model = tmp_path / "m.joblib"
    run_cli("fit", "--data", paths[0], "--features", "bmi,hiv", "--out", model, "--quiet")
    lines = paths[1].read_text().splitlines()
    cells = lines[500].split(",")
    cells[2] = "abc"  # the BMI cell
    lines[500] = ",".join(cells)
    paths[1].write_text("\n".join(lines) + "\n")
    said = refused(tmp_path, "predict", "--engine", "dask", "--scheduler", scheduler, "--model", model,
                   "--input", tmp_path / "in", "--output", tmp_path / "out")
    assert "part01.csv" in said and "abc" in said


def test_dask_options_that_do_not_go_together(tmp_path):
    out = tmp_path / "m.joblib"
    assert "--folds" in refused(tmp_path, "fit", "--engine", "dask", "--data", "x", "--features", "bmi", "--folds", "5",
                             "--out", out, code=2)
    assert "--engine dask" in refused(tmp_path, "fit", "--scheduler", "tcp://127.0.0.1:1", "--features", "bmi",
                                      "--data", "x", "--out", out, code=2)
    assert "--output" in refused(tmp_path, "predict", "--engine", "dask", "--model", "tim", "--input", "x",
                                 code=2)
    assert "--engine dask" in refused(tmp_path, "predict", "--model", "tim", "--input", "x", "--output", "o",
                                      code=2)


def test_reading_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    from lifeexp_cli.data import parts
    from lifeexp_cli.errors import DataError

    path = tmp_path / "x.parquet"
    synthetic(10, seed=1).to_parquet(path, index=False)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # `import pyarrow.parquet` raises ImportError
    with pytest.raises(DataError, match=r"lifeexp\[dask\]"):
        parts.read_parquet(str(path))
    assert os.path.exists(path)


# --- Issue 24 item 11: a scheduler that stops answering or dies mid-run, a signal while the local cluster
# starts or works. Each run is paused at a known point (tests/support/pause.py: an audit hook holds a worker as
# it opens a part, or the lifeexp process as its cluster starts a worker), then acted on: no guessed delays.

def two_parts(tmp_path: Path) -> tuple[Path, Path]:
    """(folder of two CSV parts, a model fitted on the first)."""
    paths = split(synthetic(400, seed=8, gaps=False), tmp_path / "in", 2, kinds=("csv",))
    model = tmp_path / "m.joblib"
    run_cli("fit", "--data", paths[0], "--features", "bmi,hiv", "--out", model, "--quiet")
    return paths[0].parent, model


def dask_command(command: str, folder: Path, model: Path, *more) -> list:
    out = folder.parent / ("fitted.joblib" if command == "fit" else "predicted")
    where = ["fit", "--data", folder, "--features", "bmi,hiv", "--out", out] if command == "fit" else \
        ["predict", "--model", model, "--input", folder, "--output", out]
    return [sys.executable, "-m", "lifeexp_cli", *where, "--engine", "dask", "--quiet", *more]


def started(argv: list, env: dict | None = None, signum: int | None = None) -> subprocess.Popen:
    """`argv` running, its output captured; `signum` back to its default, as in a shell (see conftest)."""
    reset = (lambda: signal.signal(signum, signal.SIG_DFL)) if signum else None
    return subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**(env or os.environ), "COLUMNS": "2000"}, preexec_fn=reset)  # no line wraps


def one_error(run: subprocess.Popen, code: int) -> str:
    """The one line a finished run wrote: `Error: ...` alone (no log line, no traceback before or after it)."""
    try:
        out, err = run.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        run.kill()  # stopped by its id
        pytest.fail(f"`{' '.join(map(str, run.args[2:6]))} ...` did not end within 180 s: {run.communicate()}")
    assert run.returncode == code and err.count("\n") == 1 and err.startswith("Error: "), (run.returncode, err)
    assert out == ""
    return err.strip()


def left(tmp_path: Path) -> list[str]:
    """What a run left in tmp_path besides the inputs and the pause hook's files."""
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                  if not p.name.startswith("pause-") and "pause-hook" not in p.relative_to(tmp_path).parts
                  and p.parent.name != "in" and p.name not in ("in", "m.joblib", "scheduler.json"))


@pytest.mark.parametrize("command", ["predict", "fit"])
def test_a_scheduler_that_stops_answering_mid_run_fails_after_the_connect_timeout(tmp_path, command):
    """Stopped (SIGSTOP) while a task runs: the connection stays open and nothing answers; distributed would
    wait for ever. Asked every 2 s for its workers, the scheduler must answer within --connect-timeout."""
    folder, model = two_parts(tmp_path)
    env, ready, release = pause.environment(tmp_path, "open", "part01.csv")
    with cluster(tmp_path, 1, worker_env=env) as (file, processes):
        run = started(dask_command(command, folder, model, "--scheduler", file, "--connect-timeout", "2"))
        pause.wait_for(ready, run, *processes)
        os.kill(processes[0].pid, signal.SIGSTOP)
        release.touch()
        said = one_error(run, 1)
    assert said.startswith("Error: the Dask scheduler at tcp://127.0.0.1:") and \
        said.endswith("stopped answering (nothing for 2 s while the tasks ran): check that it still runs and is not "
                      "overloaded, or wait longer with --connect-timeout"), said
    assert left(tmp_path) == []


@pytest.mark.parametrize("command", ["fit"])  # predict waits for its parts the same way (dask_engine.gathered)
def test_a_scheduler_that_dies_mid_run_is_our_error_first_and_alone(tmp_path, command):
    """Killed (SIGKILL) while a task runs: distributed's client logged its reconnection traceback at ERROR
    (its own logger's level, not the parent's) before our error; now our line alone."""
    folder, model = two_parts(tmp_path)
    env, ready, release = pause.environment(tmp_path, "open", "part01.csv")
    with cluster(tmp_path, 1, worker_env=env) as (file, processes):
        run = started(dask_command(command, folder, model, "--scheduler", file))
        pause.wait_for(ready, run, *processes)
        processes[0].kill()
        processes[0].wait(timeout=15)
        release.touch()
        said = one_error(run, 1)
    assert "Dask" in said, said
    assert left(tmp_path) == []


# Each signal with one command at each point, so that both signals and both commands are seen at both points
# at half the cost (each run starts a local cluster).
SIGNALS = [("predict", signal.SIGTERM, 143, "Error: terminated (SIGTERM)"),
           ("fit", signal.SIGINT, 130, "Error: interrupted (Ctrl-C)")]
SIGNALS_SWAPPED = [("fit", *SIGNALS[0][1:]), ("predict", *SIGNALS[1][1:])]


@pytest.mark.parametrize("command, signum, code, says", SIGNALS, ids=["SIGTERM-predict", "SIGINT-fit"])
def test_a_signal_while_the_local_cluster_starts_is_one_line(tmp_path, command, signum, code, says):
    """The signal lands while the local cluster starts: both worker processes spawned, each held as it binds
    its port (so none is half-spawned when lifeexp ends: multiprocessing's own EOFError would follow), until
    lifeexp has ended; then they end too. distributed printed the half-started cluster's close at exit
    ("Exception ignored in atexit callback", AssertionError: Status.init) and asyncio "Task exception was
    never retrieved" after our error."""
    folder, model = two_parts(tmp_path)
    env, ready, release = pause.environment(tmp_path, "socket.bind", LOCALHOST, spawned_only=True)
    run = started(dask_command(command, folder, model), env, signum)
    try:
        pause.wait_for(ready, run, count=2)
        run.send_signal(signum)
        said = one_error(run, code)
    finally:
        release.touch()
    assert said.startswith(says)
    assert left(tmp_path) == []


@pytest.mark.parametrize("command, signum, code, says", SIGNALS_SWAPPED, ids=["SIGTERM-fit", "SIGINT-predict"])
def test_a_signal_while_a_task_runs_on_the_local_cluster_is_one_line(tmp_path, command, signum, code, says):
    """The signal lands while a worker of the local cluster reads a part (held there until lifeexp has ended):
    one line, the exit code of the signal, and nothing left (no .lifeexp-partial-* folder, no output folder, no
    model file)."""
    folder, model = two_parts(tmp_path)
    env, ready, release = pause.environment(tmp_path, "open", "part01.csv", spawned_only=True)
    run = started(dask_command(command, folder, model), env, signum)
    try:
        pause.wait_for(ready, run)
        run.send_signal(signum)
        said = one_error(run, code)
    finally:
        release.touch()  # the held worker ended with lifeexp (pause.py); this is for a test that failed
    assert said.startswith(says)
    assert left(tmp_path) == []


def test_distributed_warnings_are_not_shown(tmp_path):
    """On a busy machine a worker's scratch folder can take over a second to create, and distributed warned so
    (a UserWarning on the shared stderr, from each worker process). Held 1.5 s there (a lower bound: the warning
    is certain), a quiet run's stderr holds only our warnings (the rows outside the training range)."""
    folder, model = two_parts(tmp_path)
    env, ready, release = pause.environment(tmp_path, "tempfile.mkdtemp", "worker-", spawned_only=True)
    run = started(dask_command("predict", folder, model), env)
    try:
        pause.wait_for(ready, run)
        time.sleep(1.5)
    finally:
        release.touch()
    out, err = run.communicate(timeout=180)
    assert (run.returncode, out) == (0, "")
    assert err and all(line.startswith("Warning: ") and "rows" in line for line in err.splitlines()), err
    assert len(list((tmp_path / "predicted").glob("part-*.parquet"))) == 2
