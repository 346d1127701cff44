"""The domain check (inputs unlike the training data) on the WHO data: its threshold, typical and unusual
inputs, how often held-out countries are flagged and how much worse they are predicted, its size.

Protocol: the shipped models' fit (exact least squares, mean imputation) on Tim's three features
(bmi, adult_mortality, hiv_aids) and on every feature. (1) Fit on all rows: the threshold, the
distance of the training mean, of the lecture's Tim, and of an unusual combination whose values are
each inside their training range (BMI 70, adult mortality 20, HIV/AIDS 40); the bytes the reference
takes in the model file and the time to build it. (2) Five folds by country: fit on four fifths of
the countries, judge the rows of the other fifth: the share flagged out of domain, and the RMSE of the
flagged and the other held-out rows. (3) The streamed fit's threshold (its reservoir sample keeps
each row's country key, so its rows leave out their country too; a different sample of rows). (4) The batch check's speed: rows judged per second by
`judge_rows` with a k-d tree and with one matrix product per block (evaluate/neighbours.py), on the same
100,000 training rows plus noise, one after the other in the same run, and the ratio (the two agree to
1e-12, checked). (5) Which is faster by the number of features (TREE_FEATURES): the same on 20,000 rows
with the first p of all features.

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

import lifeexp_cli  # noqa: E402,F401,I001  (before numpy: it sets BLAS to one thread, as for the `lifeexp` command)
import numpy as np  # noqa: E402,I001
from lifeexp_cli.data import dataset, people  # noqa: E402
from lifeexp_cli.evaluate import domain, neighbours  # noqa: E402
from lifeexp_cli.model.fit import in_memory  # noqa: E402
from lifeexp_cli.model.fit.design import fit_design  # noqa: E402
from lifeexp_cli.model.fit.stream import fit_source  # noqa: E402
from lifeexp_cli.model.predict import arrays  # noqa: E402
from lifeexp_cli.model.spec import Spec  # noqa: E402
from lifeexp_cli.prep import splits  # noqa: E402

DATA = os.environ.get("LIFEEXP_DATA", str(ROOT.parent / "shared" / "data" / "life_expectancy_who.csv"))
TIM = ["bmi", "adult_mortality", "hiv_aids"]
UNUSUAL = {"bmi": 70.0, "adult_mortality": 20.0, "hiv_aids": 40.0}


def filled(X: np.ndarray, params: dict) -> np.ndarray:
    return np.where(np.isnan(X), np.asarray(params["fill"]), X)


def on_all_rows(design) -> dict:
    started = time.perf_counter()
    record = fit_design(design, Spec())
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
        fit = in_memory.fit_arrays(design.X[train], design.y[train], design.features, Spec())
        ref = domain.reference(filled(design.X[train], fit.params), design.groups[train])
        _, inside = domain.judge_rows(ref, filled(design.X[test], fit.params))
        errors = arrays.predict("linear", fit.params, design.X[test]) - design.y[test]
        inside_err += float((errors[inside] ** 2).sum())
        outside_err += float((errors[~inside] ** 2).sum())
        n_in, n_out = n_in + int(inside.sum()), n_out + int((~inside).sum())
    flagged = n_out / (n_in + n_out)
    print(f"  held-out countries (5 folds): {n_out} of {n_in + n_out} rows out of domain ({flagged:.1%}); "
          f"RMSE {np.sqrt(outside_err / max(n_out, 1)):.2f} on them against {np.sqrt(inside_err / n_in):.2f} "
          "on the rows in domain")


def noisy_rows(ref: dict, n: int) -> np.ndarray:
    """n training rows (from the reference) plus noise of 0.3 standard deviations, in raw units."""
    rng = np.random.default_rng(0)
    R = np.asarray(ref["rows"])
    return (R[rng.integers(0, len(R), n)] + 0.3 * rng.normal(size=(n, R.shape[1]))) * ref["scale"] + ref["center"]


def rates(ref: dict, X: np.ndarray) -> dict[str, float]:
    """Rows per second of the batch check with each method (building the tree or product included)."""
    found, rate = {}, {}
    for method in ("tree", "product"):
        started = time.perf_counter()
        found[method], _ = domain.judge_rows(ref, X, domain.searcher(ref, method))
        rate[method] = len(X) / (time.perf_counter() - started)
    assert np.allclose(found["tree"], found["product"], rtol=1e-12, atol=0)
    return rate


def batch_speed(ref: dict) -> None:
    rate = rates(ref, noisy_rows(ref, 100_000))
    chosen = "product" if len(ref["center"]) > neighbours.TREE_FEATURES else "tree"
    print(f"  batch check: {rate['tree']:,.0f} rows/s with the k-d tree, {rate['product']:,.0f} rows/s with the "
          f"matrix product ({rate['product'] / rate['tree']:.2f}x the tree); `predict --input` uses the {chosen}")


def crossover(design) -> None:
    print(f"== the batch check by number of features (20,000 rows; the tree up to {neighbours.TREE_FEATURES})")
    for p in (4, 6, 8, 9, 10, 12, 16):
        X = filled(design.X[:, :p], {"fill": np.nanmean(design.X[:, :p], axis=0)})
        ref = domain.reference(X, design.groups)
        rate = rates(ref, noisy_rows(ref, 20_000))
        print(f"  {p} features: k-d tree {rate['tree']:,.0f} rows/s, matrix product {rate['product']:,.0f} rows/s "
              f"({rate['product'] / rate['tree']:.2f}x)")


def main() -> None:
    for features in (TIM, "all"):
        _, design = dataset.load_design(DATA, features, "life_expectancy")
        print(f"== features: {'all (' + str(len(design.features)) + ')' if features == 'all' else ', '.join(TIM)}")
        ref = on_all_rows(design)
        held_out_countries(design)
        batch_speed(ref)
        stream = fit_source(DATA, design.features, "life_expectancy", Spec())["domain"]
        print(f"  streamed fit: threshold {stream['threshold']:.2f} (leaving out the {stream['leave_out']})")
    crossover(design)


if __name__ == "__main__":
    main()
