"""Where the one-pass streamed fit's time goes, thread by thread (issue 23): the imports, and the first pass's
CPU seconds in the main thread (pandas' parse), in its second thread (each chunk's arrays, country keys and
least-squares state, model/fit/stream_passes.py `pipelined`) and in the reading thread (the row check and
the SHA-256, data/chunk_frames.py `ReadAhead`; 0 where there is none), read from /proc (Linux) at every
chunk. On two cores the pass takes at least half its CPU seconds, and at least its longest thread's.

    .venv/bin/python bench/stream_threads.py                 # the 1M-row file of bench/performance.py
    .venv/bin/python bench/stream_threads.py --repeat 5 --rows 200000

Runs lifeexp as this interpreter imports it (a plain install: .venv-plain/bin/python), or the tree on
$PYTHONPATH: `PYTHONPATH=../other-checkout .venv-plain/bin/python bench/stream_threads.py`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIT_FEATURES = "adult_mortality,bmi,hiv,gdp,schooling,income,alcohol,polio,diphtheria,total_expenditure"

ONE_RUN = """
import os, sys, threading, time
started, cpu = time.perf_counter(), time.process_time()
from lifeexp_cli.cli.main import main
from lifeexp_cli.model.fit import stream_passes
imports = (time.perf_counter() - started, time.process_time() - cpu)
threads = {}  # name: CPU seconds, as /proc/self/task last saw them
pipelined, tick = stream_passes.pipelined, os.sysconf("SC_CLK_TCK")


def look():
    for thread in threading.enumerate():
        try:
            with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = "main" if thread is threading.main_thread() else thread.name.partition("-")[2] or "other"
        threads[name] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime


def timed(items, work):
    def watched(item):
        work(item)
        look()

    look()
    before = threads["main"]
    wall, cpu = time.perf_counter(), time.process_time()
    pipelined(items, watched)
    look()
    threads.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu, main=threads["main"] - before)

stream_passes.pipelined = timed
sys.argv = ["lifeexp", "fit", "--data", sys.argv[1], "--features", sys.argv[2], "--stream", "--quiet", "--format",
            "json", "--se", "classical", "--no-intervals", "--out", sys.argv[3]]
try:
    main()
except SystemExit:
    pass
print(imports[0], imports[1], threads["wall"], threads["cpu"], threads["main"], threads.get("stream", 0),
      threads.get("read", 0), time.perf_counter() - started, time.process_time() - cpu)
"""

COLUMNS = ["imports (wall)", "imports (CPU)", "first pass (wall)", "first pass (CPU)", "  main thread: parse",
           "  second thread: arrays, keys, state", "  reading thread: row check, SHA-256", "total (wall)",
           "total (CPU)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from performance import DATA_DIR, data_file

    path = data_file(args.rows)
    runs = []
    for _ in range(args.repeat):
        # (in bench-data/: `python -c` puts its folder first on sys.path, where a checkout would hide $PYTHONPATH)
        out = subprocess.run([sys.executable, "-c", ONE_RUN, str(path), FIT_FEATURES, "bench-threads.joblib"],
                             capture_output=True, text=True, check=True, cwd=DATA_DIR)
        runs.append([float(x) for x in out.stdout.strip().splitlines()[-1].split()])  # (after the fit's JSON)
    print(f"one-pass streamed fit of {path.name} ({path.stat().st_size / 1e6:.0f} MB), median of {args.repeat} "
          "runs, seconds:")
    for i, name in enumerate(COLUMNS):
        print(f"  {name:<40} {statistics.median(run[i] for run in runs):6.3f}")


if __name__ == "__main__":
    main()
