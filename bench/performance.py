"""Performance benchmark (issue 7): start-up, streamed fit, batch predict and the WHO fit, against
baselines measured in the same run. Prints a table of medians, ratios and peak memory.

    .venv/bin/python bench/performance.py            # the full run (1M-row files: several minutes)
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
PY = sys.executable
# lifeexp as a user gets it: `pip install .` without extras, in .venv-plain (made by `make bench`). The
# development .venv holds the test extras, and pandas imports pyarrow when it is installed (~0.3 s and ~38 MB
# more for every command that reads data). `python -c "import numpy"` and the pandas baselines run with the
# same interpreter as lifeexp; polars, pyarrow and scikit-learn (not in a plain install) from .venv.
PLAIN = ROOT / ".venv-plain" / "bin"
PLAIN_INSTALL = (PLAIN / "lifeexp").exists() and os.environ.get("LIFEEXP_BENCH_PLAIN", "1") != "0"
LIFEEXP = str((PLAIN if PLAIN_INSTALL else BIN) / "lifeexp")
USER_PY = str(PLAIN / "python") if PLAIN_INSTALL else PY
SUPPORT = Path(__file__).resolve().parent / "support"
FIT_FEATURES = "adult_mortality,bmi,hiv,gdp,schooling,income,alcohol,polio,diphtheria,total_expenditure"
TIM = ["--model", "tim", "--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"]


def settings() -> argparse.Namespace:
    quick = os.environ.get("LIFEEXP_BENCH_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-rows", type=int,
                        default=int(os.environ.get("LIFEEXP_BENCH_FIT_ROWS", 200_000 if quick else 1_000_000)))
    parser.add_argument("--predict-rows", type=int,
                        default=int(os.environ.get("LIFEEXP_BENCH_PREDICT_ROWS", 100_000 if quick else 1_000_000)))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("LIFEEXP_BENCH_REPEAT", 3)),
                        help="runs of each large-file measurement")
    parser.add_argument("--startup-repeat", type=int, default=7 if quick else 21)
    parser.add_argument("--startup-against", metavar="DIR",
                        help="also time the start-up of the lifeexp source tree in DIR (lifeexp_cli/, models/)")
    parser.add_argument("--only", default="startup,fit,predict,json,who,memory",
                        help="comma-separated subset of: startup, fit, predict, json, who, memory")
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


# Runs lifeexp from the source tree named by its first argument (`--startup-against`).
FROM_TREE = "import sys; sys.path.insert(0, sys.argv.pop(1)); from lifeexp_cli.cli.main import main; sys.exit(main())"


def startup(repeat: int, against: str | None = None) -> list[dict]:
    """predict, compare and --help against `python -c "import numpy"`, the CPU ratio in the note. against:
    another source tree (a folder holding lifeexp_cli/ and models/, e.g. made by `git archive COMMIT
    lifeexp_cli models | tar -x -C DIR`), measured in the same interleaved runs, as the before of a
    change; both trees then run as `python -c` (FROM_TREE), so that they start alike."""
    commands = {"python -c 'import numpy'": [USER_PY, "-c", "import numpy"]}
    trees = {"": [LIFEEXP]} if against is None else {"": [USER_PY, "-c", FROM_TREE, str(ROOT)],
                                                      " [against]": [USER_PY, "-c", FROM_TREE, against]}
    for label, run in trees.items():
        commands.update({"predict" + label: [*run, "predict", *TIM], "compare" + label: [*run, "compare"],
                         "--help" + label: [*run, "--help"]})
    runs = measure.interleaved(commands, repeat, warm_up=True)
    base = runs["python -c 'import numpy'"]

    def timed(what: str, name: str, target: float) -> dict:
        return row(what, runs[name], base, target, f"CPU {runs[name].cpu_median / base.cpu_median:.2f}×")

    found = []
    for label in trees:
        found += [timed("start-up: lifeexp predict --model tim ..." + label, "predict" + label, 1.2),
                  timed("start-up: lifeexp compare" + label, "compare" + label, 1.4),
                  timed("start-up: lifeexp --help" + label, "--help" + label, 1.3)]
    return found


def reading_baseline(path: Path) -> tuple[str, list[str]]:
    """polars' read_csv of the file (the bench extra installs it), else pandas' chunked parse."""
    if importlib.util.find_spec("polars") is not None:
        return "polars.read_csv", [PY, str(SUPPORT / "pandas_baselines.py"), "polars", str(path)]
    return "pandas read_csv(chunksize=65536)", [USER_PY, str(SUPPORT / "pandas_baselines.py"), "chunks", str(path)]


def streamed_fit(rows: int, repeat: int) -> list[dict]:
    """The one-pass streamed fit against polars' read of the same file (target 1.5×), and the default
    streamed fit (clustered SEs and the interval calibration) against the one-pass fit (target 1.6×),
    all interleaved in one run; pandas' chunked parse (and pyarrow's reader, when installed) for reference."""
    path = data_file(rows)
    out = DATA_DIR / "bench-model.joblib"
    fit = [LIFEEXP, "fit", "--data", str(path), "--features", FIT_FEATURES, "--stream", "--quiet", "--format",
           "json", "--out", str(out)]
    label, reader = reading_baseline(path)
    commands = {label: reader, "fit": [*fit, *ONE_PASS], "fit, defaults": fit}
    references = {"pandas read_csv(chunksize=65536)": [USER_PY, str(SUPPORT / "pandas_baselines.py"), "chunks",
                                                        str(path)]}
    if importlib.util.find_spec("pyarrow") is not None:
        references["pyarrow.csv.read_csv"] = [PY, str(SUPPORT / "pandas_baselines.py"), "pyarrow", str(path)]
    # What bounds the one-pass fit from below: pandas' import alone (lifeexp's reader is pandas' C parser), the
    # file's SHA-256 (the record's provenance, whatever the reader), and a streamed fit's floor on polars (its
    # batched reader of the used columns and XᵀX, nothing else).
    references["import pandas"] = [USER_PY, str(SUPPORT / "pandas_baselines.py"), "import-pandas"]
    references["SHA-256 of the file"] = [USER_PY, str(SUPPORT / "pandas_baselines.py"), "sha256", str(path)]
    if label.startswith("polars"):
        references["polars batches + XᵀX (used columns)"] = [PY, str(SUPPORT / "pandas_baselines.py"),
                                                             "polars-stream", str(path), used_columns(path)]
        # ... and that floor with what every lifeexp fit adds whatever its reader (start-up, SHA-256, the record)
        references["polars floor + lifeexp start-up, SHA-256, record"] = [
            PY, str(SUPPORT / "pandas_baselines.py"), "polars-fit-floor", str(path), used_columns(path),
            str(DATA_DIR / "bench-floor.joblib")]
    runs = measure.interleaved({**commands, **{k: v for k, v in references.items() if k not in commands}}, repeat)
    size = path.stat().st_size / 1e6
    one_pass = runs["fit"]
    note = "" if label.startswith("polars") else "polars not installed (pip install -e '.[bench]'): pandas instead"
    found = [row(f"fit --stream {' '.join(ONE_PASS)}, {rows:,} rows x 10 features ({size:.0f} MB)", one_pass,
                 runs[label], 1.5, note or "one pass"),
             row(f"fit --stream (defaults: clustered SEs, intervals), {rows:,} rows", runs["fit, defaults"],
                 relabelled(one_pass, "the one-pass fit above"), 1.6, "the later passes read the first's cached arrays")]
    for name in references:  # against the reader above, without a target: what bounds the fit from below
        if name != label:
            found.append(row(f"  reader: {name}", runs[name], runs[label], None))
    return found


def used_columns(path: Path) -> str:
    """The header names of FIT_FEATURES and the target in the synthetic file (as the one-pass fit reads them)."""
    from lifeexp_cli.data import catalog

    with open(path, encoding="utf-8") as f:
        names = f.readline().rstrip("\n").split(",")
    available = [catalog.canonical(n) for n in names]
    wanted = {*catalog.resolve_many(FIT_FEATURES, available), catalog.DEFAULT_TARGET}
    return ",".join(n for n in names if catalog.canonical(n) in wanted)


def relabelled(runs: measure.Runs, label: str) -> measure.Runs:
    """The same measurements under another label (a lifeexp run as the baseline of another)."""
    return measure.Runs(label, runs.seconds, runs.peak_mb, runs.cpu)


def without_country(path: Path) -> Path:
    """The synthetic file without its first column (country): the in-memory fit's other shape."""
    out = path.with_name(path.stem + "-no-country.csv")
    if not out.exists():
        temp = out.with_name("." + out.name + ".tmp")
        with open(path, encoding="utf-8") as source, open(temp, "w", encoding="utf-8") as sink:
            for line in source:
                sink.write(line.split(",", 1)[1])
        os.replace(temp, out)
    return out


def in_memory_fit(rows: int, repeat: int) -> list[dict]:
    """fit --no-stream (what --folds needs): its peak memory against the file's size (target: at most 3×), on
    1, 10 and all features, with and without a country column; the last three shapes again with
    --no-intervals, which leaves out the interval calibration (evaluate/shift.py) and shows what reading
    and fitting cost on their own."""
    path = data_file(rows)
    out = DATA_DIR / "bench-model.joblib"
    measured = []
    shapes = [(path, "bmi", "1 feature, --no-intervals"), (path, FIT_FEATURES, "10 features"),
              (path, "all", "all features"), (without_country(path), FIT_FEATURES, "10 features, no country column")]
    shapes += [(data, features, label + ", --no-intervals") for data, features, label in shapes[1:]]
    for data, features, label in shapes:
        size = data.stat().st_size / 1e6
        extra = ["--no-intervals"] if "--no-intervals" in label else []
        runs = measure.interleaved({"fit": [LIFEEXP, "fit", "--data", str(data), "--features", features,
                                            "--no-stream", "--quiet", "--format", "json", "--out", str(out),
                                            *extra]}, repeat)["fit"]
        ratio = runs.peak / size
        measured.append({**row(f"fit --no-stream, {rows:,} rows x {label} ({size:.0f} MB)", runs, None, None),
                         "ratio": ratio, "target": 3.0, "met": ratio <= 3.0,
                         "note": "ratio = peak MB / file MB, interpreter and libraries included"})
    return measured


def batch_json(rows: int, repeat: int) -> list[dict]:
    """predict --input --format json of the 1M-row file: its peak memory (target: at most 300 MB), and its time
    against the CSV output of the same rows, interleaved (no target: a ratio to watch; the JSON text is about four
    times the CSV's bytes)."""
    path = data_file(rows)
    out = {"predict": str(DATA_DIR / "bench-predicted.json"), "predict --format csv": str(DATA_DIR / "bench-predicted.csv")}
    predict = [LIFEEXP, "predict", "--model", "tim", "--input", str(path), "--quiet", "--format"]
    runs = measure.interleaved({"predict": [*predict, "json"], "predict --format csv": [*predict, "csv"]}, repeat,
                               stdout_to=out)
    for name in out.values():
        Path(name).unlink(missing_ok=True)
    ratio = runs["predict"].peak / 300
    return [{**row(f"predict --input --format json, {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB)", runs["predict"],
                   None, None), "ratio": ratio, "target": 1.0, "met": ratio <= 1.0, "note": "ratio = peak MB / 300 MB"},
            row(f"predict --input --format json vs csv, {rows:,} rows", runs["predict"], runs["predict --format csv"],
                None, "JSON writes about 4x the CSV's bytes")]


def batch_predict(rows: int, repeat: int) -> list[dict]:
    path = data_file(rows)
    out = DATA_DIR / "bench-predicted.csv"
    runs = measure.interleaved({
        "pandas read_csv + to_csv": [USER_PY, str(SUPPORT / "pandas_baselines.py"), "copy", str(path), str(out)],
        "predict": [LIFEEXP, "predict", "--model", "tim", "--input", str(path), "--quiet"],
    }, repeat, stdout_to={"predict": str(out)})
    out.unlink(missing_ok=True)
    return [row(f"predict --input, {rows:,} rows", runs["predict"], runs["pandas read_csv + to_csv"], 1.3)]


def who_fit(repeat: int) -> list[dict]:
    data = who_data()
    out = DATA_DIR / "bench-who.joblib"
    commands = {
        "pandas + numpy script": [USER_PY, str(SUPPORT / "minimal_fit.py"), data],
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
    print(f"\nlifeexp performance — {context['install']}\n{m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB; load average at start "
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
               "pandas": version("pandas"), "typer": version("typer"), "settings": vars(args),
               "install": (f"lifeexp from a plain install ({LIFEEXP}: pip install ., no extras)" if PLAIN_INSTALL
                           else f"lifeexp from the development install ({LIFEEXP}: editable, with the test "
                                "extras; pandas imports pyarrow) — `make bench` makes the plain one")}
    DATA_DIR.mkdir(exist_ok=True)
    rows: list[dict] = []
    steps = [("startup", lambda: startup(args.startup_repeat, args.startup_against)),
             ("who", lambda: who_fit(max(args.startup_repeat // 2, 3))),
             ("predict", lambda: batch_predict(args.predict_rows, args.repeat)),
             ("json", lambda: batch_json(args.predict_rows, args.repeat)),
             ("fit", lambda: streamed_fit(args.fit_rows, args.repeat)),
             ("memory", lambda: in_memory_fit(args.predict_rows, args.repeat))]
    for name, step in steps:
        if name in only:
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            rows += step()
    show(rows, context)
    (DATA_DIR / "performance.json").write_text(json.dumps({**context, "rows": rows}, indent=2) + "\n")
    print(f"\n(also written to {DATA_DIR / 'performance.json'})")


if __name__ == "__main__":
    main()
