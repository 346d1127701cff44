"""The Dask engine against `fit --stream`: the same 10M rows × 10 features, as 8 Parquet parts and as one CSV.

    .venv/bin/python bench/dask_engine.py              # 10,000,000 rows (writes ~1.3 GB to bench-data/)
    LIFEEXP_BENCH_QUICK=1 .venv/bin/python bench/dask_engine.py   # 200,000 rows

Measures, each in a child process: wall time, and peak resident memory of the child and of each of its
own children (VmHWM in /proc, read every 20 ms while they run: wait4's ru_maxrss would carry over this
process's own peak across fork and exec):

- `fit --stream` on the CSV;
- `fit --engine dask` on the 8 Parquet parts with a scheduler and two single-threaded worker processes
  started here on 127.0.0.1, and the same with the default local cluster, its start-up included (its
  two workers are the client's children);
- in this process, one part reduced to its state (the per-partition throughput of one core) and the size
  of what a partition sends back (the pickled state);
- why TSQR: on the NIST StRD linear datasets (../shared/reference/nist-strd), the digits (LRE against the
  certified values) of the streamed state solved by QR (lstsq, what the engine does), of the same state
  solved by the normal equations (what a Σ XᵀX map-reduce gives), and of the Dask engine on the file cut
  in two parts (`--only digits` runs this part alone).

`--se classical --no-intervals` throughout: the synthetic file has 625,000 "countries" of 16 rows, and
clustered standard errors and the interval calibration (the defaults) add a pass that is not the
engine's cost; `fit --stream --intervals` (the calibration's pass included) is measured too.
Results go to bench-data/dask_engine.json; docs/performance.md quotes them.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from support import measure, synthetic  # noqa: E402

QUICK = os.environ.get("LIFEEXP_BENCH_QUICK") == "1"
ROWS = 200_000 if QUICK else 10_000_000
PARTS = 8
FEATURES = "adult_mortality,bmi,hiv,gdp,schooling,income,alcohol,polio,diphtheria,total_expenditure"
BIN = Path(sys.executable).parent
LOCALHOST = "127.0.0.1"


def inputs() -> tuple[Path, Path]:
    """The CSV (bench/support/synthetic.py) and the same rows as PARTS Parquet files."""
    import pandas as pd

    data = ROOT / "bench-data"
    csv = data / f"who-{ROWS}.csv"
    if not (csv.exists() and csv.with_suffix(".json").exists()):
        synthetic.write(csv, ROWS)
    folder = data / f"who-{ROWS}-parquet"
    if not (folder / f"part-{PARTS - 1}.parquet").exists():
        folder.mkdir(exist_ok=True)
        size = -(-ROWS // PARTS)
        # Cells as pandas reads them (blank -> NaN, Status as text): the same rows, typed.
        for i, frame in enumerate(pd.read_csv(csv, chunksize=size)):
            frame.to_parquet(folder / f".part-{i}.tmp", index=False)
            os.replace(folder / f".part-{i}.tmp", folder / f"part-{i}.parquet")
    return csv, folder


def high_water_mb(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return 0.0


def run_polled(command: list[str], sink) -> tuple[float, float, float, list[float]]:
    """(wall s, peak MB of the child, CPU s of the child, peak MB of each of its descendants)."""
    import psutil  # comes with distributed

    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, env=measure.child_env())
    peaks: dict[int, float] = {}
    while True:
        try:
            family = [child.pid] + [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
        except psutil.Error:
            family = [child.pid]
        for pid in family:
            peaks[pid] = max(peaks.get(pid, 0.0), high_water_mb(pid))
        done, status, usage = os.wait4(child.pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    measure.check_finished(child, command, status)
    others = [mb for pid, mb in peaks.items() if pid != child.pid]
    return seconds, peaks[child.pid], usage.ru_utime + usage.ru_stime, others


def fit(args: list[str], out: Path) -> tuple[float, float, float, list[float], dict]:
    command = [str(BIN / "lifeexp"), "fit", "--features", FEATURES, "--se", "classical", "--out", str(out),
               "--format", "json", "--quiet", *(["--no-intervals"] if "--intervals" not in args else []), *args]
    with tempfile.TemporaryFile() as sink:
        seconds, peak, cpu, others = run_polled(command, sink)
        sink.seek(0)
        return seconds, peak, cpu, others, json.loads(sink.read())


def start_cluster(where: Path) -> tuple[Path, list[subprocess.Popen]]:
    file = where / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": measure.child_env()}
    started = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", LOCALHOST,
                                 "--port", "0", "--no-dashboard", "--dashboard-address", f"{LOCALHOST}:0",
                                 "--scheduler-file", str(file)], **quiet)]
    for _ in range(2):
        started.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                         str(file), "--host", LOCALHOST, "--nworkers", "1", "--nthreads", "1",
                                         "--no-nanny", "--no-dashboard", "--dashboard-address", f"{LOCALHOST}:0"],
                                        **quiet))
    import distributed

    deadline = time.monotonic() + 120
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    with distributed.Client(scheduler_file=str(file), timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    return file, started


def stop(processes: list[subprocess.Popen]) -> list[float]:
    """Their peak resident memory in MB (VmHWM), then SIGTERM to each, by its id."""
    peaks = [high_water_mb(process.pid) for process in processes]
    for process in reversed(processes):
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    return peaks


def per_partition(part: Path) -> dict:
    """One part reduced to its state here, on one core: seconds, rows and the pickled state's size."""
    from threadpoolctl import threadpool_limits

    from lifeexp_cli.model.fit import stream_passes
    from lifeexp_cli.model.fit.stream import CHUNK_ROWS
    from lifeexp_cli.model.spec import make_spec

    features = FEATURES.split(",")
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        reduced = stream_passes.reduce_source(str(part), features, "life_expectancy", make_spec("linear", "lstsq"),
                                              CHUNK_ROWS)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": reduced.state.rows + reduced.skipped,
            "state_bytes": len(pickle.dumps(reduced)), "factor_shape": list(reduced.state.R.shape)}


def lre(estimate, certified) -> float:
    """Log relative error: the number of correct significant digits of the worst coefficient (as bench/digits.py)."""
    import numpy as np

    error = np.abs(np.asarray(estimate) - certified) / np.abs(certified)
    return float(np.min(-np.log10(np.maximum(error, 1e-16))))


def digits(scheduler: Path) -> dict:
    """Per NIST dataset: LRE of the streamed fit by QR, by the normal equations, and of the Dask engine."""
    from decimal import Decimal

    import numpy as np

    from lifeexp_cli.model.fit import dask_engine
    from lifeexp_cli.model.fit import stream as streamed_fit
    from lifeexp_cli.model.spec import make_spec

    folder = ROOT / "../shared/reference/nist-strd"
    if not (folder / "certified.json").is_file():
        print(f"no NIST StRD data in {folder}: digits skipped", file=sys.stderr)
        return {}
    found = {}
    for name, spec in json.loads((folder / "certified.json").read_text())["datasets"].items():
        certified = np.array([float(Decimal(b)) for b in spec["certified_beta"]])
        terms = (["intercept"] if spec["intercept"] else []) + spec["features"]  # certified's order
        lines = (folder / spec["file"]).read_text().splitlines()
        with tempfile.TemporaryDirectory() as where:
            half = 1 + (len(lines) - 1) // 2
            for i, rows in enumerate((lines[1:half], lines[half:])):
                Path(where, f"part{i}.csv").write_text("\n".join([lines[0], *rows]) + "\n")
            fits = {}
            for label, solver in (("stream_qr", "lstsq"), ("stream_normal", "normal")):
                model = make_spec("linear", solver, intercept=spec["intercept"])
                fits[label] = streamed_fit.fit_source(str(folder / spec["file"]), spec["features"], spec["target"],
                                                      model)
            fits["dask_qr"] = dask_engine.fit_on_cluster(where, spec["features"], spec["target"],
                                                         make_spec("linear", "lstsq", intercept=spec["intercept"]),
                                                         scheduler=str(scheduler))
        found[name] = {label: lre([fit["coefficients"][t] for t in terms], certified) for label, fit in fits.items()}
    return found


def worst_difference(a: dict, b: dict) -> float:
    return max(abs(a[t] - b[t]) / abs(b[t]) for t in b)


def show_digits(found: dict) -> None:
    print("NIST StRD, digits (LRE) of the worst coefficient:")
    print(f"{'dataset':10} {'stream QR':>10} {'stream normal eq.':>18} {'dask QR (2 parts)':>18}")
    for name, row in found.items():
        print(f"{name:10} {row['stream_qr']:10.1f} {row['stream_normal']:18.1f} {row['dask_qr']:18.1f}")


def main() -> None:
    if sys.argv[1:] == ["--only", "digits"]:
        with tempfile.TemporaryDirectory() as where:
            file, started = start_cluster(Path(where))
            try:
                found = digits(file)
            finally:
                stop(started)
        show_digits(found)
        return
    csv, folder = inputs()
    print(f"== {ROWS} rows x 10 features: {csv.name} ({csv.stat().st_size / 1e6:.0f} MB) and {PARTS} Parquet "
          f"parts ({sum(p.stat().st_size for p in folder.glob('*.parquet')) / 1e6:.0f} MB)", file=sys.stderr)
    results = {"rows": ROWS, "parts": PARTS, "machine": measure.machine()}
    with tempfile.TemporaryDirectory() as where:
        where = Path(where)
        seconds, peak, cpu, _, stream_fit = fit(["--data", str(csv), "--stream"], where / "stream.joblib")
        results["stream"] = {"seconds": seconds, "peak_mb": peak, "cpu": cpu}
        seconds, peak, cpu, _, calibrated = fit(["--data", str(csv), "--stream", "--intervals"],
                                                where / "calibrated.joblib")
        results["stream_calibrated"] = {"seconds": seconds, "peak_mb": peak, "cpu": cpu,
                                        "passes": calibrated["streamed"]["passes"],
                                        "calibration_rows": calibrated["calibration"]["rows"]}
        file, started = start_cluster(where)
        try:
            seconds, peak, cpu, _, dask_fit = fit(["--data", str(folder), "--engine", "dask", "--scheduler",
                                                   str(file)], where / "dask.joblib")
            results["digits"] = digits(file)
        finally:
            scheduler_mb, *worker_mb = stop(started)
        results["dask_two_workers"] = {"seconds": seconds, "client_peak_mb": peak, "client_cpu": cpu,
                                       "worker_peak_mb": worker_mb, "scheduler_peak_mb": scheduler_mb}
        seconds, peak, cpu, others, local_fit = fit(["--data", str(folder), "--engine", "dask"], where / "local.joblib")
        results["dask_local_cluster"] = {"seconds": seconds, "client_peak_mb": peak, "client_cpu": cpu,
                                         "children_peak_mb": sorted(others, reverse=True)}
    results["coefficients_worst_relative_difference"] = {
        "dask_vs_stream": worst_difference(dask_fit["coefficients"], stream_fit["coefficients"]),
        "local_cluster_vs_stream": worst_difference(local_fit["coefficients"], stream_fit["coefficients"])}
    results["per_partition"] = per_partition(folder / "part-0.parquet")
    out = ROOT / "bench-data" / "dask_engine.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    s, d, c, p = results["stream"], results["dask_two_workers"], results["dask_local_cluster"], results["per_partition"]
    print(f"fit --stream (one CSV)                 {s['seconds']:.2f} s, peak {s['peak_mb']:.0f} MB")
    k = results["stream_calibrated"]
    print(f"fit --stream --intervals               {k['seconds']:.2f} s, peak {k['peak_mb']:.0f} MB, {k['cpu']:.1f} s CPU "
          f"({k['passes']} passes; --no-intervals: {s['cpu']:.1f} s CPU)")
    print(f"fit --engine dask, 2 workers           {d['seconds']:.2f} s, client peak {d['client_peak_mb']:.0f} MB, "
          f"workers {', '.join(f'{m:.0f}' for m in d['worker_peak_mb'])} MB, scheduler {d['scheduler_peak_mb']:.0f} MB")
    print(f"fit --engine dask, local cluster       {c['seconds']:.2f} s (cluster start-up included), client peak "
          f"{c['client_peak_mb']:.0f} MB, its children {', '.join(f'{m:.0f}' for m in c['children_peak_mb'])} MB")
    print(f"coefficients, worst relative difference to --stream: "
          f"{results['coefficients_worst_relative_difference']['dask_vs_stream']:.1e} (2 workers), "
          f"{results['coefficients_worst_relative_difference']['local_cluster_vs_stream']:.1e} (local cluster)")
    print(f"one part on one core: {p['rows']} rows in {p['seconds']:.2f} s ({p['rows'] / p['seconds'] / 1e6:.2f} M rows/s); "
          f"its state: {p['state_bytes']} bytes pickled (R {p['factor_shape'][0]}x{p['factor_shape'][1]})")
    show_digits(results["digits"])
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
