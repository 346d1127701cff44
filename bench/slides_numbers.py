"""Why the lecture's slides show life_expectancy = 0.26744·bmi + 58.986 and lifeexp 0.2699·bmi + 58.91.

Each hypothesis is a way of preparing the same WHO file before fitting one least-squares line of life
expectancy on BMI; this prints the line each gives, and how far it is from the slides'. The last rows
try held-out splits (scikit-learn's train_test_split, if installed, over test sizes and seeds): many
get close by chance, which is why a near miss there identifies nothing. docs/math.md quotes the output.

    .venv/bin/python bench/slides_numbers.py
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SLIDES = (0.26744, 58.986)
TEST_SIZES = (0.1, 0.15, 0.2, 0.25, 0.3, 0.33, 0.4)
SEEDS = range(201)


def read(path: str) -> tuple[list[str], dict[str, np.ndarray]]:
    """The raw header (whitespace kept) and each numeric column as floats, NaN for a blank cell."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    columns = {}
    for j, name in enumerate(header):
        try:
            columns[name] = np.array([float(r[j]) if r[j].strip() else np.nan for r in body])
        except ValueError:
            continue  # Country, Status
    return header, columns


def line(x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    A = np.column_stack([x, np.ones(len(x))])
    slope, intercept = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(slope), float(intercept), len(x)


def filled(v: np.ndarray, value: float) -> np.ndarray:
    return np.where(np.isnan(v), value, v)


def hypotheses(columns: dict[str, np.ndarray], raw_bmi: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    y, bmi = columns["Life expectancy "], columns[raw_bmi]
    has_y, has_both = ~np.isnan(y), ~np.isnan(y) & ~np.isnan(bmi)
    plausible = np.where((bmi >= 10) & (bmi <= 60), bmi, np.nan)
    complete = np.all([~np.isnan(v) for v in columns.values()], axis=0)
    return {
        "lifeexp: rows without a target dropped, BMI mean-imputed": (
            filled(bmi[has_y], np.nanmean(bmi[has_y])), y[has_y]),
        "rows missing BMI dropped too": (bmi[has_both], y[has_both]),
        "BMI imputed with its mean over all 2938 rows": (filled(bmi[has_y], np.nanmean(bmi)), y[has_y]),
        "every missing value = column mean over 2938 rows (heatmap)": (
            filled(bmi, np.nanmean(bmi)), filled(y, np.nanmean(y))),
        "every missing value = column median": (filled(bmi, np.nanmedian(bmi)), filled(y, np.nanmedian(y))),
        "BMI outside 10-60 kg/m² as missing, then mean": (
            filled(plausible[has_y], np.nanmean(plausible[has_y])), y[has_y]),
        "rows with any missing value dropped (pandas dropna)": (bmi[complete], y[complete]),
    }


def distance(slope: float, intercept: float) -> float:
    return abs(slope - SLIDES[0]) / SLIDES[0] + abs(intercept - SLIDES[1]) / SLIDES[1]


def split_search(prepared: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    try:
        from sklearn.model_selection import train_test_split
    except ImportError:
        print("\n(scikit-learn not installed: the split search is skipped)")
        return
    tried, near, exact, best = 0, 0, 0, None
    for name, (x, y) in prepared.items():
        for size in TEST_SIZES:
            for seed in SEEDS:
                x_train, _, y_train, _ = train_test_split(x, y, test_size=size, random_state=seed)
                slope, intercept, _ = line(x_train, y_train)
                tried += 1
                near += round(slope, 3) == round(SLIDES[0], 3) and round(intercept, 1) == round(SLIDES[1], 1)
                exact += round(slope, 5) == SLIDES[0] and round(intercept, 3) == SLIDES[1]
                gap = distance(slope, intercept)
                if best is None or gap < best[0]:
                    best = (gap, name, size, seed, slope, intercept)
    gap, name, size, seed, slope, intercept = best
    print(f"\nHeld-out splits (train_test_split, test sizes {', '.join(map(str, TEST_SIZES))}, seeds "
          f"{SEEDS.start}-{SEEDS.stop - 1}, on each preparation above): {tried} fits")
    print(f"  {near} agree with the slides to 3 decimals in the slope and 1 in the intercept (0.267·bmi + 59.0)")
    print(f"  {exact} agree to every digit the slides show (0.26744·bmi + 58.986)")
    print(f"  closest: {slope:.5f}·bmi + {intercept:.3f} ({name}; test_size {size}, random_state {seed}), "
          f"off by {gap:.1e} (relative, slope + intercept)")


def main() -> None:
    data = os.environ.get("LIFEEXP_DATA") or str(ROOT / "../shared/data/life_expectancy_who.csv")
    header, columns = read(data)
    raw_bmi = next(name for name in header if name.strip() == "BMI")
    target = columns["Life expectancy "]
    print(f"{data}: {len(columns['Year'])} rows; the BMI header is {raw_bmi!r} and the target's "
          f"{'Life expectancy '!r} (whitespace kept); "
          f"{int(np.isnan(columns[raw_bmi]).sum())} BMIs and {int(np.isnan(target).sum())} targets missing")
    print(f"Slides: {SLIDES[0]}·bmi + {SLIDES[1]}\n")
    print(f"{'preparation':<62} {'rows':>5} {'slope':>8} {'intercept':>9} {'off by':>8}")
    prepared = hypotheses(columns, raw_bmi)
    for name, (x, y) in prepared.items():
        slope, intercept, rows = line(x, y)
        print(f"{name:<62} {rows:>5} {slope:>8.5f} {intercept:>9.3f} {distance(slope, intercept):>8.1e}")
    split_search(prepared)


if __name__ == "__main__":
    sys.exit(main())
