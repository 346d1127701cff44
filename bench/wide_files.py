"""Wide files: `lifeexp corr` and `lifeexp select` on a 50-row CSV with many columns (issue 13, part 8).

The correlation matrix used to be filled pair by pair in Python (a 5000-column file took 335 s); it is now
matrix products. This times, on synthetic 50-row files (random columns, some cells missing):

- the correlation matrix of p columns, vectorized (`correlation.matrix`) and pair by pair
  (`correlation.pairwise_matrix`, the former method, still used for Spearman with missing values), and
  the largest difference between them;
- the whole `lifeexp corr` command, and `lifeexp select --max-features 2` at its cap of candidates;
- the refusals past the caps (correlation.MAX_COLUMNS, selection.MAX_CANDIDATES), which answer at once.

docs/performance.md quotes its output.

    .venv/bin/python bench/wide_files.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import lifeexp_cli  # noqa: E402,F401  (first: it sets BLAS to one thread, as for the `lifeexp` command)
from lifeexp_cli.evaluate import correlation, selection  # noqa: E402

ROWS = 50
LIFEEXP = [sys.executable, "-m", "lifeexp_cli"]


def wide(p: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(ROWS, p)) * rng.uniform(1, 1e6, size=p) + rng.uniform(-1e6, 1e6, size=p)
    X[rng.random((ROWS, p)) < 0.1] = np.nan
    return X


def write_csv(X: np.ndarray, path: Path) -> None:
    names = [f"c{i}" for i in range(X.shape[1] - 1)] + ["life_expectancy"]
    lines = [",".join(names)] + [",".join("" if np.isnan(v) else repr(float(v)) for v in row) for row in X]
    path.write_text("\n".join(lines) + "\n")


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def command(*args: str) -> tuple[float, int]:
    seconds, done = timed(lambda: subprocess.run([*LIFEEXP, *args], capture_output=True, text=True))
    return seconds, done.returncode


def main() -> None:
    print(f"Correlation matrix of p columns × {ROWS} rows, 10% of cells missing")
    print(f"{'p':>6} {'vectorized s':>13} {'pair by pair s':>15} {'max |Δr|':>10}")
    for p in (100, 300, 1000, correlation.MAX_COLUMNS):
        X = wide(p)
        fast, (r, _) = timed(lambda: correlation.matrix(X))
        if p <= 300:
            slow, (r_loop, _) = timed(lambda: correlation.pairwise_matrix(X, "pearson"))
            both = np.isfinite(r) & np.isfinite(r_loop)
            same_nan = bool((np.isnan(r) == np.isnan(r_loop)).all())
            gap = f"{np.abs(r - r_loop)[both].max():.1e}" + ("" if same_nan else " (NaN differ)")
            print(f"{p:>6} {fast:>13.3f} {slow:>15.2f} {gap:>10}")
        else:
            print(f"{p:>6} {fast:>13.3f} {'—':>15} {'—':>10}")
    with tempfile.TemporaryDirectory() as folder:
        print("\nWhole commands (a new process each, start-up and CSV reading included)")
        for p, args in [(correlation.MAX_COLUMNS, ["corr"]), (5000, ["corr"]),
                        (selection.MAX_CANDIDATES + 1, ["select", "--max-features", "2", "--folds", "2", "-q"]),
                        (5000, ["select", "-q"])]:
            path = Path(folder) / f"wide{p}.csv"
            write_csv(wide(p, seed=1), path)
            seconds, code = command(*args, "--data", str(path), "--format", "json")
            print(f"  {' '.join(args[:1])} on {p - 1} columns + target: {seconds:.2f} s, exit {code}")


if __name__ == "__main__":
    main()
