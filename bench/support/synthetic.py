"""Synthetic WHO-like CSVs with known true coefficients, for benchmarks (never committed).

    python bench/support/synthetic.py --rows 1000000 --out bench-data/who-1000000.csv

Columns use the WHO file's own header spellings (stray spaces and all), so every reader path that the
real file takes is exercised. life_expectancy = intercept + Σ βⱼ·xⱼ + N(0, σ²), with x drawn around the
WHO means and spreads, rounded like the WHO file. A few features have blank cells at roughly the WHO
rates. The true coefficients are written next to the CSV as JSON (`<name>.json`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

TARGET = "Life expectancy "
# header as in the WHO file -> (mean, std, low, high, decimals, true coefficient, share of blank cells)
FEATURES = {
    "Adult Mortality": (165.0, 124.0, 1, 723, 0, -0.030, 0.0),
    " BMI ": (38.0, 20.0, 1, 87, 1, 0.060, 0.01),
    " HIV/AIDS": (1.7, 5.0, 0.1, 50.6, 1, -0.450, 0.0),
    "GDP": (7500.0, 14000.0, 1, 119000, 2, 0.00004, 0.05),
    "Schooling": (12.0, 3.4, 0, 20.7, 1, 0.55, 0.02),
    "Income composition of resources": (0.63, 0.21, 0, 0.948, 3, 6.0, 0.02),
    "Alcohol": (4.6, 4.1, 0.01, 17.9, 2, 0.08, 0.03),
    "Polio": (82.0, 23.0, 3, 99, 0, 0.02, 0.0),
    "Diphtheria ": (82.0, 24.0, 2, 99, 0, 0.025, 0.0),
    "Total expenditure": (5.9, 2.5, 0.37, 17.6, 2, 0.09, 0.03),
}
INTERCEPT = 52.0
NOISE = 3.0
CHUNK = 200_000


def columns(rng: np.random.Generator, n: int, start: int, missing: bool) -> tuple[list[str], list[list[str]]]:
    """One chunk of rows as formatted text columns (country, year, status, target, features)."""
    X = {}
    y = np.full(n, INTERCEPT)
    for name, (mean, std, low, high, decimals, beta, _) in FEATURES.items():
        x = np.round(np.clip(rng.normal(mean, std, n), low, high), decimals)
        X[name] = x
        y += beta * x
    y = np.round(y + rng.normal(0.0, NOISE, n), 1)
    ids = np.arange(start, start + n)
    text = {"Country": [f"Country {i // 16:07d}" for i in ids],
            "Year": [str(2000 + i % 16) for i in ids],
            "Status": ["Developed" if i % 7 == 0 else "Developing" for i in (ids // 16)],
            TARGET: [f"{v:.1f}" for v in y]}
    for name, (_, _, _, _, decimals, _, blank) in FEATURES.items():
        cells = [f"{v:.{decimals}f}" for v in X[name]]
        if missing and blank:
            for i in np.flatnonzero(rng.random(n) < blank):
                cells[i] = ""
        text[name] = cells
    return list(text), list(text.values())


def chunk_text(job: tuple[int, int, int, bool]) -> str:
    """The CSV text of one chunk (with the header when it is the first); its own seed, so chunks can be
    made in parallel and the file is the same whatever the number of workers."""
    seed, start, n, missing = job
    header, cols = columns(np.random.default_rng([seed, start]), n, start, missing)
    body = "\n".join(map(",".join, zip(*cols))) + "\n"
    return (",".join(header) + "\n" + body) if start == 0 else body


def write(path: Path, rows: int, seed: int = 0, missing: bool = True) -> Path:
    """Write `rows` rows to `path` (atomically) and the true coefficients to `path` with .json."""
    from concurrent.futures import ProcessPoolExecutor

    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    jobs = [(seed, start, min(CHUNK, rows - start), missing) for start in range(0, rows, CHUNK)]
    with open(temp, "w", encoding="utf-8", newline="") as out, ProcessPoolExecutor(os.cpu_count()) as pool:
        for text in pool.map(chunk_text, jobs):
            out.write(text)
    os.replace(temp, path)
    truth = {"rows": rows, "seed": seed, "missing": missing, "intercept": INTERCEPT, "noise_sd": NOISE,
             "coefficients": {name: spec[5] for name, spec in FEATURES.items()}}
    path.with_suffix(".json").write_text(json.dumps(truth, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="number of data rows")
    parser.add_argument("--out", type=Path, help="CSV path (default bench-data/who-ROWS.csv)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-missing", action="store_true", help="no blank cells")
    args = parser.parse_args(argv)
    out = args.out or Path("bench-data") / f"who-{args.rows}.csv"
    if out.exists() and out.with_suffix(".json").exists():
        print(f"{out} exists", file=sys.stderr)
        return
    write(out, args.rows, args.seed, not args.no_missing)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
