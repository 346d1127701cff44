"""Benchmark: do the 90% prediction intervals hold for new countries unlike the training ones?

For Tim's model (linear, lstsq, on bmi, adult_mortality, hiv_aids), Tom's model (linear on gdp,
income_composition_of_resources, schooling) and the default network (`fit --kind mlp --features all`), and
on request (`--models tim-bmi,tom-gdp`) the shipped one-feature models (BMI alone, GDP alone):
coverage and mean width of the 90% intervals on rows the model never saw, when

- random:     5 random country folds (seed 0), each held out once; "HIV>1" and "developed": its rows
              with HIV/AIDS > 1, and those of developed countries (Status);
- region out: each World Bank region held out once (bench/data/world_bank_regions.csv), overall and
              per region;
- developed out: trained on the developing countries, judged on the developed ones;
- 2013-2015:  trained on the years 2000-2012, judged on 2013-2015.

Every model is fitted and calibrated by `lifeexp fit`'s own code (model/fit/design.py `fit_design`: the
fit, the 5 country folds' out-of-fold predictions — a network's from --folds 5 —, the calibration it stores)
on the training rows of each split, and its intervals come from `predict`'s code
(model/predict/intervals.py `interval_for`). "after" is what the fit stores now (evaluate/shift.py,
method shift-conformal); the judged rows' status is known (a CSV with a Status column, or the network's
status feature), and for the linear models also unknown (a person given by the model's features alone:
the pooled quantile). "before" is the calibration the fit stored until now (evaluate/conformal.py, method
cv-conformal, which files written before keep), from the out-of-fold predictions of the same folds,
through model/fit/interval_calibration.py `collect` and `finish` (without folds: cv-conformal) as a network ensemble's fit still calibrates.

Targets at 90% (issue 21): random folds 0.88-0.93 with mean width <= 20 years and >= 0.85 on HIV > 1;
region out >= 0.86 overall and >= 0.75 in every region, mean width <= 21 years; developed >= 0.87 (the
issue's prototype measured the developed rows of the random folds; "developed out" is the harder test).

Deterministic. LIFEEXP_BENCH_QUICK=1 (or --quick) trains the network for at most 30 epochs, for a
quick look; the figures in docs/math.md are the defaults'. Run: make bench (or: python bench/shift.py
[--data FILE] [--models tim,tom,mlp])
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

import numpy as np

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import cross_validation, domain, shift
from lifeexp_cli.model.fit import design as fit_of_design, in_memory, interval_calibration
from lifeexp_cli.model.predict import intervals
from lifeexp_cli.model.record import from_plain
from lifeexp_cli.model.spec import make_spec
from lifeexp_cli.prep import splits

HERE = Path(__file__).resolve().parent
REGIONS = HERE / "data" / "world_bank_regions.csv"
LEVEL = 0.9
QUICK_EPOCHS = 30  # --quick: the network trains for at most this many epochs
SEED = 0
MODELS = {"tim": ("Tim (linear)", "linear", "bmi,adult_mortality,hiv_aids"),
          "tom": ("Tom (linear)", "linear", "gdp,income_composition_of_resources,schooling"),
          "mlp": ("network (mlp, all)", "mlp", "all"),
          "tim-bmi": ("Tim, BMI alone (linear)", "linear", "bmi"),
          "tom-gdp": ("Tom, GDP alone (linear)", "linear", "gdp")}


def default_data() -> str:
    return os.environ.get("LIFEEXP_DATA") or str(HERE.parent / "../shared/data/life_expectancy_who.csv")


def regions_of(countries) -> np.ndarray:
    """The World Bank region of each country; every country must be in bench/data/world_bank_regions.csv."""
    with open(REGIONS, newline="", encoding="utf-8") as handle:
        mapping = {row["country"]: row["region"] for row in csv.DictReader(handle)}
    missing = sorted(set(countries) - set(mapping))
    if missing:
        raise SystemExit(f"{REGIONS.name} lacks {len(missing)} countries: {', '.join(missing[:5])}")
    return np.array([mapping[c] for c in countries], dtype=object)


def subset(design: dataset.Design, rows: np.ndarray) -> dataset.Design:
    return dataset.Design(design.X[rows], design.y[rows], design.groups[rows], design.rows[rows],
                          design.features, design.target, 0, design.statuses[rows], design.group_names, design.by_row)


def fitted(part: dataset.Design, spec) -> tuple[dict, dict]:
    """(the record `lifeexp fit` makes of `part`, the same record with the calibration stored before:
    cv-conformal from the out-of-fold predictions of the same 5 country folds)."""
    network = spec.kind == "mlp"
    record = fit_of_design.fit_design(part, spec, seed=SEED, cv=interval_calibration.FOLDS if network else None)
    if record["calibration"]["method"] != shift.METHOD:
        raise SystemExit(f"the fit stored calibration method {record['calibration']['method']}, not {shift.METHOD}")
    folds = splits.kfold(part.groups, interval_calibration.FOLDS, "country", SEED)
    out_of_fold = np.empty(len(part.y))
    cross_validation.scores_on_folds(part.y, folds, in_memory.fold_predictor(part.X, part.y, part.features, spec,
                                                                          part.groups), predictions=out_of_fold)
    found = interval_calibration.Residuals(part.X, part.y - out_of_fold, group=part.groups)
    before, _ = interval_calibration.finish(interval_calibration.collect(None, found, spec.impute == "drop"),
                                            record["params"]["fill"], folds=interval_calibration.FOLDS,
                                            split="country")
    return record, {**record, "calibration": before}


def judged(design: dataset.Design, spec, statuses: np.ndarray, train: np.ndarray, test: np.ndarray,
           found: dict) -> None:
    """Fit on `train`, put (covered, width) of the test rows into found["before"], ["after"], ["unknown"]."""
    record, before = fitted(subset(design, train), spec)
    X, y = design.X[test], design.y[test]
    unknown = np.full(len(y), np.nan)
    for method, model, known in (("before", before, None), ("after", record, statuses[test]),
                                 ("unknown", record, unknown)):
        _, lower, upper = intervals.interval_for(from_plain(model), X, LEVEL, statuses=known)
        found[method][0][test] = (lower <= y) & (y <= upper)
        found[method][1][test] = upper - lower
    distances, _ = domain.judge_rows(record["domain"], np.where(np.isnan(X), record["params"]["fill"], X))
    found["beyond"][test] = [shift.beyond(record["calibration"], d) for d in distances]


def empty(n: int) -> dict:
    return {**{method: (np.zeros(n, bool), np.zeros(n)) for method in ("before", "after", "unknown")},
            "beyond": np.zeros(n, bool)}


def measure(design: dataset.Design, spec, facts: dict) -> dict:
    """Per scenario: {"before"/"after": (covered, width) per row} (rows outside the scenario unused)."""
    n = len(design.y)
    scenarios = {name: empty(n) for name in ("random", "region", "developed", "time")}
    for test in splits.kfold(design.groups, 5, "country", SEED):
        train = np.ones(n, bool)
        train[test] = False
        judged(design, spec, facts["status"], train, test, scenarios["random"])
    for region in sorted(set(facts["region"])):
        test = facts["region"] == region
        judged(design, spec, facts["status"], ~test, test, scenarios["region"])
    developed = facts["status"] == 1
    judged(design, spec, facts["status"], ~developed, developed, scenarios["developed"])
    late = facts["year"] >= 2013
    judged(design, spec, facts["status"], ~late, late, scenarios["time"])
    return scenarios


def row_of(label: str, scenarios: dict, method: str, facts: dict) -> str:
    covered, width = scenarios["random"][method]
    cells = [label, f"{covered.mean():.3f}", f"{width.mean():.1f}", f"{covered[facts['hiv']].mean():.3f}",
             f"{covered[facts['status'] == 1].mean():.3f}"]
    covered, width = scenarios["region"][method]
    by_region = {r: covered[facts["region"] == r].mean() for r in sorted(set(facts["region"]))}
    worst = min(by_region, key=by_region.get)
    cells += [f"{covered.mean():.3f}", f"{by_region[worst]:.3f} ({worst})", f"{width.mean():.1f}"]
    late = facts["year"] >= 2013
    for name, rows in (("developed", facts["status"] == 1), ("time", late)):
        covered, width = scenarios[name][method]
        cells += [f"{covered[rows].mean():.3f}", f"{width[rows].mean():.1f}"]
    return "| " + " | ".join(cells) + " |"


def beyond_row(label: str, scenarios: dict) -> str:
    """Rows farther from the training data than every calibration row (predict and compare warn), per
    scenario: how many, and the after intervals' coverage of them."""
    cells = [label]
    for name in ("random", "region", "developed", "time"):
        rows = scenarios[name]["beyond"]
        covered = scenarios[name]["after"][0]
        cells.append(f"{rows.sum()}: {covered[rows].mean():.3f}" if rows.any() else "0")
    return "| " + " | ".join(cells) + " |"


def region_row(label: str, scenarios: dict, method: str, facts: dict) -> str:
    covered, _ = scenarios["region"][method]
    return "| " + " | ".join([label] + [f"{covered[facts['region'] == r].mean():.3f}"
                                        for r in sorted(set(facts["region"]))]) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--models", default="tim,tom,mlp")
    parser.add_argument("--quick", action="store_true", default=os.environ.get("LIFEEXP_BENCH_QUICK") == "1",
                        help=f"the network trains for at most {QUICK_EPOCHS} epochs (also LIFEEXP_BENCH_QUICK=1)")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.models.split(",")]
    _, base = dataset.load_design(args.data, "year,status,hiv_aids", "life_expectancy")
    facts = {"year": base.X[:, 0], "status": base.X[:, 1], "hiv": base.X[:, 2] > 1,
             "region": regions_of(base.group_texts())}
    results = {}
    for name in chosen:
        label, kind, features = MODELS[name]
        _, design = dataset.load_design(args.data, features, "life_expectancy")
        if not np.array_equal(design.rows, base.rows):
            raise SystemExit("the designs' rows differ")
        spec = make_spec(kind, seed=SEED, training={"epochs": QUICK_EPOCHS} if args.quick and kind == "mlp" else None)
        results[name] = measure(design, spec, facts)
    regions = sorted(set(facts["region"]))
    print(f"90% prediction intervals on rows the model never saw: {len(base.y)} rows, "
          f"{len(set(base.groups))} countries; network {f'quick ({QUICK_EPOCHS} epochs)' if args.quick else 'defaults'}")
    for method, title in (("before", "before: the calibration stored until now (cv-conformal, evaluate/conformal.py)"),
                          ("after", "after: what `lifeexp fit` stores (shift-conformal, evaluate/shift.py)")):
        print()
        print(f"{title}: coverage, mean width (years)")
        print()
        print("| model | random folds | width | HIV>1 | developed | region out | worst region | width "
              "| developed out | width | 2013-2015 | width |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name in chosen:
            print(row_of(MODELS[name][0], results[name], method, facts))
            if method == "after" and MODELS[name][2] != "all":  # the network has status as a feature
                print(row_of(MODELS[name][0] + ", status unknown", results[name], "unknown", facts))
        print()
        print(f"{method}: coverage with each region held out")
        print()
        print("| model | " + " | ".join(regions) + " |")
        print("|---" * (len(regions) + 1) + "|")
        for name in chosen:
            print(region_row(MODELS[name][0], results[name], method, facts))
    print()
    print("after: rows farther from the training data than every calibration row (predict and compare warn "
          "on them): rows, coverage")
    print()
    print("| model | random folds | region out | developed out | 2013-2015 |")
    print("|---|---|---|---|---|")
    for name in chosen:
        print(beyond_row(MODELS[name][0], results[name]))


if __name__ == "__main__":
    main()
