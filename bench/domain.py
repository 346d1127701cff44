"""The domain check (inputs unlike the training data) on the WHO data: its threshold, typical and unusual
inputs, how often held-out countries are flagged and how much worse they are predicted, its size.

Protocol: the shipped models' fit (exact least squares, mean imputation) on Tim's three features
(bmi, adult_mortality, hiv_aids) and on every feature. (1) Fit on all rows: the threshold, the
distance of the training mean, of the lecture's Tim, and of an unusual combination whose values are
each inside their training range (BMI 70, adult mortality 20, HIV/AIDS 40); the bytes the reference
takes in the model file and the time to build it. (2) Five folds by country: fit on four fifths of
the countries, judge the rows of the other fifth: the share flagged out of domain, and the RMSE of the
flagged and the other held-out rows. (3) The streamed fit's threshold (it reads no country, so its
training rows leave out only themselves). (4) The batch check's speed: rows judged per second with the
k-d tree (`judge_rows`) and by comparing with every reference row (`nearest`), on training rows plus
noise.

    .venv/bin/python bench/domain.py
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import lifeexp_cli  # noqa: E402,F401  (first: it sets BLAS to one thread, as for the `lifeexp` command)
from lifeexp_cli.data import dataset, people  # noqa: E402
from lifeexp_cli.evaluate import domain  # noqa: E402
from lifeexp_cli.model import fitting, streamed  # noqa: E402
from lifeexp_cli.model.spec import Spec  # noqa: E402
from lifeexp_cli.prep import splits  # noqa: E402

DATA = os.environ.get("LIFEEXP_DATA", str(ROOT.parent / "shared" / "data" / "life_expectancy_who.csv"))
TIM = ["bmi", "adult_mortality", "hiv_aids"]
UNUSUAL = {"bmi": 70.0, "adult_mortality": 20.0, "hiv_aids": 40.0}


def filled(X: np.ndarray, params: dict) -> np.ndarray:
    return np.where(np.isnan(X), np.asarray(params["fill"]), X)


def on_all_rows(design) -> dict:
    started = time.perf_counter()
    record = fitting.fit_model(design, Spec())
    seconds = time.perf_counter() - started
    ref = record["domain"]
    size = len(pickle.dumps(ref, protocol=4))
    print(f"  reference: {len(ref['rows'])} rows x {len(design.features)} features, {size / 1000:.0f} KB; "
          f"fit with the reference {seconds:.2f} s")
    print(f"  threshold (99th percentile, training rows leaving their country out): {ref['threshold']:.2f}")
    inputs = {"training mean": [record["means"][f] for f in design.features]}
    if design.features == TIM:
        tim = people.with_bmi(dict(people.TIM), [])
        inputs["the lecture's Tim"] = [tim[f] for f in TIM]
        inputs["BMI 70, adult mortality 20, HIV/AIDS 40"] = [UNUSUAL[f] for f in TIM]
    for name, row in inputs.items():
        judged = domain.judge(ref, row, design.features)
        print(f"  {name}: distance {judged['distance']:.2f}, in domain {judged['in_domain']}"
              + (f", driven by {' and '.join(judged['features'])}" if judged["features"] else ""))
    return ref


def held_out_countries(design) -> None:
    flagged = inside_err = outside_err = 0.0
    n_in = n_out = 0
    for test in splits.kfold(design.groups, 5, "country", 0):
        train = np.setdiff1d(np.arange(len(design.y)), test)
        fit = fitting.fit(design.X[train], design.y[train], design.features, Spec())
        ref = domain.reference(filled(design.X[train], fit.params), design.groups[train])
        _, inside = domain.judge_rows(ref, filled(design.X[test], fit.params))
        errors = fitting.predict("linear", fit.params, design.X[test]) - design.y[test]
        inside_err += float((errors[inside] ** 2).sum())
        outside_err += float((errors[~inside] ** 2).sum())
        n_in, n_out = n_in + int(inside.sum()), n_out + int((~inside).sum())
    flagged = n_out / (n_in + n_out)
    print(f"  held-out countries (5 folds): {n_out} of {n_in + n_out} rows out of domain ({flagged:.1%}); "
          f"RMSE {np.sqrt(outside_err / max(n_out, 1)):.2f} on them against {np.sqrt(inside_err / n_in):.2f} "
          "on the rows in domain")


def batch_speed(ref: dict) -> None:
    rng = np.random.default_rng(0)
    R = np.asarray(ref["rows"])
    X = (R[rng.integers(0, len(R), 100_000)] + 0.3 * rng.normal(size=(100_000, R.shape[1]))) \
        * ref["scale"] + ref["center"]
    started = time.perf_counter()
    domain.judge_rows(ref, X)
    tree = time.perf_counter() - started
    started = time.perf_counter()
    domain.nearest((X[:10_000] - ref["center"]) / ref["scale"], R, ref["k"])
    brute = (time.perf_counter() - started) * 10
    print(f"  batch check: {100_000 / tree:,.0f} rows/s with the k-d tree, {100_000 / brute:,.0f} rows/s "
          "against every reference row")


def main() -> None:
    for features in (TIM, "all"):
        _, design = dataset.load_design(DATA, features, "life_expectancy")
        print(f"== features: {'all (' + str(len(design.features)) + ')' if features == 'all' else ', '.join(TIM)}")
        ref = on_all_rows(design)
        held_out_countries(design)
        batch_speed(ref)
        stream = streamed.fit_csv(DATA, design.features, "life_expectancy", Spec())["domain"]
        print(f"  streamed fit: threshold {stream['threshold']:.2f} (leaving out only the row itself)")


if __name__ == "__main__":
    main()
