"""Where the one-pass streamed fit's time goes, thread by thread (issue 23): the imports, and the first pass's
CPU seconds in the main thread (pandas' parse), in its second thread (each chunk's arrays, country keys and
least-squares state, model/fit/stream_passes.py) and in the reading thread (the row check and the SHA-256,
data/chunk_frames.py `ReadAhead`: what is left of the process's CPU). On two cores the pass takes at least
half its CPU seconds, and at least its longest thread's.

    .venv/bin/python bench/stream_threads.py                 # the 1M-row file of bench/performance.py
    .venv/bin/python bench/stream_threads.py --repeat 5 --rows 200000

Runs lifeexp in this process, as this interpreter imports it (a plain install: .venv-plain/bin/python).
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
import sys, time, threading
started, cpu = time.perf_counter(), time.process_time()
from lifeexp_cli.cli.main import main
from lifeexp_cli.model.fit import stream_passes
imports = (time.perf_counter() - started, time.process_time() - cpu)
spent = {}
pipelined = stream_passes.pipelined

def timed(items, work):
    second = [0.0]

    def counted(item):
        at = time.thread_time()
        work(item)
        second[0] += time.thread_time() - at

    wall, cpu, main_cpu = time.perf_counter(), time.process_time(), time.thread_time()
    pipelined(items, counted)
    spent.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu,
                 main=time.thread_time() - main_cpu, second=second[0])

stream_passes.pipelined = timed
sys.argv = ["lifeexp", "fit", "--data", sys.argv[1], "--features", sys.argv[2], "--stream", "--quiet", "--format",
            "json", "--se", "classical", "--no-intervals", "--out", sys.argv[3]]
try:
    main()
except SystemExit:
    pass
print(imports[0], imports[1], spent["wall"], spent["cpu"], spent["main"], spent["second"],
      time.perf_counter() - started, time.process_time() - cpu)
"""

COLUMNS = ["imports (wall)", "imports (CPU)", "first pass (wall)", "first pass (CPU)", "  main thread: parse",
           "  second thread: arrays, keys, state", "total (wall)", "total (CPU)"]


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
        out = subprocess.run([sys.executable, "-c", ONE_RUN, str(path), FIT_FEATURES,
                              str(DATA_DIR / "bench-threads.joblib")], capture_output=True, text=True, check=True)
        runs.append([float(x) for x in out.stdout.strip().splitlines()[-1].split()])  # (after the fit's JSON)
    print(f"one-pass streamed fit of {path.name} ({path.stat().st_size / 1e6:.0f} MB), median of {args.repeat} "
          "runs, seconds:")
    for i, name in enumerate(COLUMNS):
        print(f"  {name:<40} {statistics.median(run[i] for run in runs):6.3f}")
        if i == 5:
            reading = statistics.median(run[3] - run[4] - run[5] for run in runs)
            print(f"  {'  reading thread: row check, SHA-256':<40} {reading:6.3f}")


if __name__ == "__main__":
    main()
