"""Performance benchmark (issue 7): start-up, streamed fit, batch predict and the WHO fit, against
baselines measured in the same run. Prints a table of medians, ratios and peak memory.

    .venv/bin/python bench/performance.py            # the full run (10M-row fit: several minutes)
    LIFEEXP_BENCH_QUICK=1 .venv/bin/python bench/performance.py   # small sizes, for a quick look

Sizes and repeats: --fit-rows, --predict-rows, --repeat (large files), --startup-repeat, or the
environment variables LIFEEXP_BENCH_FIT_ROWS, LIFEEXP_BENCH_PREDICT_ROWS, LIFEEXP_BENCH_REPEAT.
Synthetic data is generated into bench-data/ on first use (see bench/support/synthetic.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "bench-data"
BIN = Path(sys.executable).parent
LIFEEXP = str(BIN / "lifeexp")
PY = sys.executable
SUPPORT = Path(__file__).resolve().parent / "support"
FIT_FEATURES = "adult_mortality,bmi,hiv,gdp,schooling,income,alcohol,polio,diphtheria,total_expenditure"
TIM = ["--model", "tim", "--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"]


def settings() -> argparse.Namespace:
    quick = os.environ.get("LIFEEXP_BENCH_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-rows", type=int,
                        default=int(os.environ.get("LIFEEXP_BENCH_FIT_ROWS", 200_000 if quick else 10_000_000)))
    parser.add_argument("--predict-rows", type=int,
                        default=int(os.environ.get("LIFEEXP_BENCH_PREDICT_ROWS", 100_000 if quick else 1_000_000)))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("LIFEEXP_BENCH_REPEAT", 3)),
                        help="runs of each large-file measurement")
    parser.add_argument("--startup-repeat", type=int, default=7 if quick else 21)
    parser.add_argument("--only", default="startup,fit,predict,who,memory,readers",
                        help="comma-separated subset of: startup, fit, predict, who, memory, readers")
    return parser.parse_args()


def data_file(rows: int) -> Path:
    path = DATA_DIR / f"who-{rows}.csv"
    if not (path.exists() and path.with_suffix(".json").exists()):
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        measure.run_once([PY, str(SUPPORT / "synthetic.py"), "--rows", str(rows), "--out", str(path)])
    return path


def who_data() -> str:
    path = os.environ.get("LIFEEXP_DATA") or str(ROOT / "../shared/data/life_expectancy_who.csv")
    if not Path(path).is_file():
        sys.exit(f"the WHO dataset is missing at {path}: set LIFEEXP_DATA")
    return path


# The streamed fit's one pass (parsing, hashing, factoring), without the second pass that the defaults
# make for clustered standard errors and the interval calibration: what compares with a reader.
ONE_PASS = ("--se", "classical", "--no-intervals")


def row(what: str, ours: measure.Runs, base: measure.Runs | None, target: float | None, note: str = "") -> dict:
    ratio = ours.median / base.median if base else None
    return {"measurement": what, "seconds": ours.median, "runs": len(ours.seconds), "peak_mb": ours.peak,
            "cpu_seconds": ours.cpu_median, "baseline": base.label if base else None,
            "baseline_seconds": base.median if base else None, "baseline_peak_mb": base.peak if base else None,
            "baseline_cpu_seconds": base.cpu_median if base else None, "ratio": ratio, "target": target,
            "met": None if ratio is None or target is None else ratio <= target, "note": note}


def startup(repeat: int) -> list[dict]:
    runs = measure.interleaved({
        "python -c 'import numpy'": [PY, "-c", "import numpy"],
        "predict": [LIFEEXP, "predict", *TIM],
        "compare": [LIFEEXP, "compare"],
        "--help": [LIFEEXP, "--help"],
    }, repeat, warm_up=True)
    base = runs["python -c 'import numpy'"]
    return [row("start-up: lifeexp predict --model tim ...", runs["predict"], base, 1.2),
            row("start-up: lifeexp compare", runs["compare"], base, 1.4),
            row("start-up: lifeexp --help", runs["--help"], base, 1.3)]


def streamed_fit(rows: int, repeat: int) -> list[dict]:
    path = data_file(rows)
    out = DATA_DIR / "bench-model.joblib"
    fit = [LIFEEXP, "fit", "--data", str(path), "--features", FIT_FEATURES, "--stream", "--quiet", "--format",
           "json", "--out", str(out)]
    runs = measure.interleaved({
        "pandas read_csv(chunksize=65536)": [PY, str(SUPPORT / "pandas_baselines.py"), "chunks", str(path)],
        "fit": [*fit, *ONE_PASS],
        "fit, defaults": fit,
    }, repeat)
    size = path.stat().st_size / 1e6
    base = runs["pandas read_csv(chunksize=65536)"]
    return [row(f"fit --stream {' '.join(ONE_PASS)}, {rows:,} rows x 10 features ({size:.0f} MB)", runs["fit"],
                base, 1.25, "one pass; peak RSS target < 400 MB"),
            row(f"fit --stream (defaults: clustered SEs, intervals), {rows:,} rows", runs["fit, defaults"], base, None,
                "two passes: the second gathers the clustered SEs and the interval calibration")]


def in_memory_fit(rows: int, repeat: int) -> list[dict]:
    """fit --no-stream (what --folds needs): its peak memory against the file's size (goal: at most 4×)."""
    path = data_file(rows)
    out = DATA_DIR / "bench-model.joblib"
    size = path.stat().st_size / 1e6
    measured = []
    for features, label in ((FIT_FEATURES, "10 features"), ("adult_mortality,bmi,hiv", "3 features")):
        runs = measure.interleaved({"fit": [LIFEEXP, "fit", "--data", str(path), "--features", features,
                                            "--no-stream", "--quiet", "--format", "json", "--out", str(out)]},
                                   repeat)["fit"]
        ratio = runs.peak / size
        measured.append({**row(f"fit --no-stream, {rows:,} rows x {label} ({size:.0f} MB)", runs, None, None),
                         "ratio": ratio, "target": 4.0, "met": ratio <= 4.0,
                         "note": "ratio = peak MB / file MB, interpreter and libraries included"})
    return measured


def readers(rows: int, repeat: int) -> list[dict]:
    """The streamed fit against reading the same file with pandas, pyarrow and polars (when installed):
    how close parsing-plus-fitting comes to the fastest parser."""
    path = data_file(rows)
    out = DATA_DIR / "bench-model.joblib"
    commands = {"cat > /dev/null": ["cat", str(path)],
                "pandas read_csv(chunksize=65536)": [PY, str(SUPPORT / "pandas_baselines.py"), "chunks", str(path)]}
    for module, label in (("pyarrow", "pyarrow.csv.read_csv"), ("polars", "polars.read_csv")):
        if importlib.util.find_spec(module) is not None:
            commands[label] = [PY, str(SUPPORT / "pandas_baselines.py"), module, str(path)]
    commands["fit"] = [LIFEEXP, "fit", "--data", str(path), "--features", FIT_FEATURES, "--stream", "--quiet",
                       "--format", "json", "--out", str(out), *ONE_PASS]
    runs = measure.interleaved(commands, repeat)
    size = path.stat().st_size / 1e6
    readers_only = {k: v for k, v in runs.items() if k not in ("fit", "cat > /dev/null")}
    fastest = min(readers_only, key=lambda k: readers_only[k].median)
    missing = [m for m in ("pyarrow", "polars") if importlib.util.find_spec(m) is None]
    note = "fastest reader installed" + (f"; not installed: {', '.join(missing)}" if missing else "")
    found = [row(f"fit --stream {' '.join(ONE_PASS)} vs readers, {rows:,} rows ({size:.0f} MB)", runs["fit"], runs[fastest], 1.5, note)]
    for label, measured in runs.items():
        if label != "fit":
            found.append(row(f"  reader: {label}", measured, None, None))
    return found


def batch_predict(rows: int, repeat: int) -> list[dict]:
    path = data_file(rows)
    out = DATA_DIR / "bench-predicted.csv"
    runs = measure.interleaved({
        "pandas read_csv + to_csv": [PY, str(SUPPORT / "pandas_baselines.py"), "copy", str(path), str(out)],
        "predict": [LIFEEXP, "predict", "--model", "tim", "--input", str(path), "--quiet"],
    }, repeat, stdout_to={"predict": str(out)})
    out.unlink(missing_ok=True)
    return [row(f"predict --input, {rows:,} rows", runs["predict"], runs["pandas read_csv + to_csv"], 1.3)]


def who_fit(repeat: int) -> list[dict]:
    data = who_data()
    out = DATA_DIR / "bench-who.joblib"
    commands = {
        "pandas + numpy script": [PY, str(SUPPORT / "minimal_fit.py"), data],
        "fit": [LIFEEXP, "fit", "--data", data, "--features", "bmi,adult_mortality,hiv", "--quiet",
                "--out", str(out)],
    }
    has_sklearn = importlib.util.find_spec("sklearn") is not None
    if has_sklearn:
        commands["scikit-learn script"] = [PY, str(SUPPORT / "sklearn_fit.py"), data]
    runs = measure.interleaved(commands, repeat, warm_up=True)
    rows = [row("fit WHO bmi,adult_mortality,hiv (end to end)", runs["fit"], runs["pandas + numpy script"], 1.3)]
    if has_sklearn:
        rows.append(row("fit WHO vs scikit-learn", runs["fit"], runs["scikit-learn script"], 0.5))
    else:
        rows.append({**row("fit WHO vs scikit-learn", runs["fit"], None, 0.5), "note": "scikit-learn not installed"})
    return rows


def show(rows: list[dict], context: dict) -> None:
    m = context["machine"]
    print(f"\nlifeexp performance — {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB; load average at start "
          f"{m['load_average']}; Python {context['python']}, numpy {context['numpy']}, pandas {context['pandas']}, "
          f"typer {context['typer']}")
    header = (f"{'measurement':50} {'median':>8} {'cpu':>7} {'peak MB':>7} | {'baseline':32} {'median':>8} "
              f"{'cpu':>7} {'peak MB':>7} | {'ratio':>6} {'target':>6} met")
    print(header)
    print("-" * len(header))
    for r in rows:
        ours = f"{r['measurement'][:50]:50} {r['seconds']:7.3f}s {r['cpu_seconds']:6.2f}s {r['peak_mb']:7.0f}"
        base = (f"{r['baseline'][:32]:32} {r['baseline_seconds']:7.3f}s {r['baseline_cpu_seconds']:6.2f}s "
                f"{r['baseline_peak_mb']:7.0f}") if r["baseline"] else f"{'—':32} {'':8} {'':7} {'':7}"
        ratio = f"{r['ratio']:5.2f}×" if r["ratio"] is not None else f"{'—':>6}"
        target = f"≤{r['target']:.2f}" if r["target"] else ""
        met = {True: "yes", False: "NO", None: "—"}[r["met"]]
        print(f"{ours} | {base} | {ratio} {target:>6} {met}" + (f"  ({r['note']})" if r["note"] else ""))


def main() -> None:
    args = settings()
    only = set(args.only.split(","))
    # This process imports neither numpy nor pandas: a child's peak RSS (wait4) starts from its parent's.
    from importlib.metadata import version

    context = {"machine": measure.machine(), "python": sys.version.split()[0], "numpy": version("numpy"),
               "pandas": version("pandas"), "typer": version("typer"), "settings": vars(args)}
    DATA_DIR.mkdir(exist_ok=True)
    rows: list[dict] = []
    steps = [("startup", lambda: startup(args.startup_repeat)),
             ("who", lambda: who_fit(max(args.startup_repeat // 2, 3))),
             ("predict", lambda: batch_predict(args.predict_rows, args.repeat)),
             ("fit", lambda: streamed_fit(args.fit_rows, args.repeat)),
             ("memory", lambda: in_memory_fit(args.predict_rows, args.repeat)),
             ("readers", lambda: readers(2 * args.predict_rows, args.repeat))]
    for name, step in steps:
        if name in only:
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            rows += step()
    show(rows, context)
    (DATA_DIR / "performance.json").write_text(json.dumps({**context, "rows": rows}, indent=2) + "\n")
    print(f"\n(also written to {DATA_DIR / 'performance.json'})")


if __name__ == "__main__":
    main()
