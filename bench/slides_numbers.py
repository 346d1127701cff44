"""Why the lecture's slides show life_expectancy = 0.26744·bmi + 58.986 and lifeexp 0.2699·bmi + 58.91,
and Tom's models predict 68.5/69.6 (GDP) and 77.3 (three features) there but 68.4/69.5 and 77.4 here.

Each hypothesis is a way of preparing the same WHO file before fitting one least-squares line of life
expectancy on BMI; this prints the line each gives, and how far it is from the slides'. The next rows
try held-out splits (scikit-learn's train_test_split, if installed, over test sizes and seeds): many
get close by chance, which is why a near miss there identifies nothing. Then Tom's two models are
fitted under the same preparations (and one more: zeros in income composition and schooling, which
mark a value not reported, read as missing) and their predictions for Tim and Tom printed to three
decimals, with whether they round to the slides' one-decimal figures; and the same split search for
them. docs/math.md quotes the output.

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


TOM_FEATURES = {"gdp": ("GDP",), "three": ("GDP", "Income composition of resources", "Schooling")}
PEOPLE = {"Tim": {"GDP": 5000, "Income composition of resources": 0.77, "Schooling": 15.5},
          "Tom": {"GDP": 8500, "Income composition of resources": 0.8, "Schooling": 16.5}}
SLIDES_TOM = {"gdp": {"Tim": 68.5, "Tom": 69.6}, "three": {"Tom": 77.3}}  # the slides' predictions


def design(columns: dict[str, np.ndarray], names: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(X, y) of `names` under each preparation (the BMI line's, where they apply to several columns)."""
    y = columns["Life expectancy "]
    X = np.column_stack([columns[n] for n in names])
    has_y = ~np.isnan(y)
    has_all = has_y & ~np.isnan(X).any(axis=1)
    complete = np.all([~np.isnan(v) for v in columns.values()], axis=0)
    zeros = X.copy()
    for j, name in enumerate(names):
        if name != "GDP":
            zeros[zeros[:, j] == 0, j] = np.nan

    def fill(A: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(A), values, A)

    return {
        "lifeexp: rows without a target dropped, features mean-imputed": (
            fill(X[has_y], np.nanmean(X[has_y], axis=0)), y[has_y]),
        "rows missing a feature dropped too": (X[has_all], y[has_all]),
        "features imputed with their means over all 2938 rows": (fill(X[has_y], np.nanmean(X, axis=0)), y[has_y]),
        "every missing value = column mean over 2938 rows (heatmap)": (
            fill(X, np.nanmean(X, axis=0)), fill(y, np.nanmean(y))),
        "every missing value = column median": (fill(X, np.nanmedian(X, axis=0)), fill(y, np.nanmedian(y))),
        "rows with any missing value dropped (pandas dropna)": (X[complete], y[complete]),
        "0 in income composition / schooling as missing, then mean": (
            fill(zeros[has_y], np.nanmean(zeros[has_y], axis=0)), y[has_y]),
    }


def predictions(X: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    theta = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), y, rcond=None)[0]
    return {person: float(theta[0] + sum(t * values[n] for t, n in zip(theta[1:], names)))
            for person, values in PEOPLE.items()}


def as_slides(model: str, predicted: dict[str, float]) -> bool:
    """Whether each prediction the slides show rounds to their figure (one decimal)."""
    return all(f"{predicted[p]:.1f}" == f"{v:.1f}" for p, v in SLIDES_TOM[model].items())


def tom_models(columns: dict[str, np.ndarray]) -> None:
    shown = "; ".join(f"{m}: " + ", ".join(f"{p} {v}" for p, v in s.items()) for m, s in SLIDES_TOM.items())
    print(f"\nTom's models predict for Tim and Tom (slides: {shown})")
    print(f"{'preparation':<62} {'rows':>9} {'gdp: Tim':>8} {'Tom':>7} {'3: Tim':>7} {'Tom':>7}  as slides")
    prepared = {model: design(columns, names) for model, names in TOM_FEATURES.items()}
    for name in prepared["gdp"]:
        row, matches = [], []
        for model, names in TOM_FEATURES.items():
            X, y = prepared[model][name]
            predicted = predictions(X, y, names)
            row += [predicted["Tim"], predicted["Tom"]]
            matches.append(f"{model} {'yes' if as_slides(model, predicted) else 'no'}")
        rows = "/".join(str(len(prepared[model][name][1])) for model in TOM_FEATURES)
        print(f"{name:<62} {rows:>9} " + " ".join(f"{v:>7.3f}" for v in row) + "  " + ", ".join(matches))
    tom_split_search(prepared)


def tom_split_search(prepared: dict) -> None:
    try:
        from sklearn.model_selection import train_test_split
    except ImportError:
        return
    tried, both, each = 0, 0, {model: 0 for model in TOM_FEATURES}
    for name in prepared["gdp"]:
        for size in TEST_SIZES:
            for seed in SEEDS:
                hits = []
                for model, names in TOM_FEATURES.items():
                    X, y = prepared[model][name]
                    X_train, _, y_train, _ = train_test_split(X, y, test_size=size, random_state=seed)
                    hits.append(as_slides(model, predictions(X_train, y_train, names)))
                    each[model] += hits[-1]
                tried += 1
                both += all(hits)
    print(f"Held-out splits as above ({tried} per model): the GDP model rounds to the slides' figures in "
          f"{each['gdp']}, the three-feature model in {each['three']}, both (same split) in {both}")


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
    tom_models(columns)


if __name__ == "__main__":
    sys.exit(main())
