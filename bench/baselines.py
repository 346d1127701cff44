"""A fair scikit-learn baseline for lifeexp's network: MLPRegressor with standardized inputs AND target.

bench/network.py compares lifeexp's network with MLPRegressor((64, 32), early_stopping=True) fitted on
the raw target (life expectancy in years, mean about 69): MLPRegressor starts its output bias at 0 and
steps with a learning rate of 0.001, so within its 200 epochs it is still climbing towards the mean,
and that comparison flatters lifeexp. Here the same estimator gets what a careful user would give it:
inputs imputed and standardized on each training fold, the target standardized too
(TransformedTargetRegressor with a StandardScaler, undone on prediction), several seeds.

Protocol: bench/network.py's (issue 4): 5-fold cross-validation grouped by country (fold seed 0) on
every numeric feature plus status (`--features all`, 2928 rows with a target), the RMSE in years on the
held-out countries, averaged over the folds; then mean ± sample std of that figure over the seeds.
Rows: "standardized" is mean imputation and z-scores (as bench/network.py's baseline); "as lifeexp's
network" also takes log(1 + x) of the skewed non-negative columns first, exactly the inputs
`lifeexp cv --kind mlp --features all` trains on. lifeexp's own network runs on the same folds for
reference (its `--seed`), unless --no-lifeexp.

    .venv/bin/python bench/baselines.py                     # seeds 0..4, both input preparations
    .venv/bin/python bench/baselines.py --seeds 0,1 --no-lifeexp
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lifeexp_cli  # noqa: E402,F401  (first: it sets BLAS to one thread, as for the `lifeexp` command)
import numpy as np  # noqa: E402
from lifeexp_cli.evaluate import metrics  # noqa: E402
from lifeexp_cli.model.fit import prepared as preparing  # noqa: E402
from lifeexp_cli.model.predict import arrays  # noqa: E402
from lifeexp_cli.model.spec import make_spec  # noqa: E402
from network import all_features, run_folds, summary  # noqa: E402  (bench/network.py)

PREPARATIONS = {"standardized": False, "as lifeexp's network (log of skewed, standardized)": True}


def sklearn_folds(design, folds, seed: int, log_skewed: bool, scale_target: bool) -> list[float]:
    """Fold RMSEs of MLPRegressor((64, 32), early stopping), inputs prepared on each training fold."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    spec = make_spec("mlp", network_options={"log_skewed": log_skewed})  # its imputation, log and scaler only
    scores = []
    for test in folds:
        train = np.ones(len(design.y), dtype=bool)
        train[test] = False
        prepared = preparing.preprocess(design.X[train], design.y[train], design.features, spec)
        model = MLPRegressor(hidden_layer_sizes=(64, 32), early_stopping=True, random_state=seed)
        if scale_target:
            model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(prepared.Xs, prepared.y)
        yhat = model.predict(arrays.scaled_inputs(prepared.stats, design.X[test]))
        scores.append(metrics.rmse(design.y[test], yhat))
    return scores


def report(label: str, per_seed: dict[int, list[float]], seconds: float) -> None:
    means = np.array([np.mean(s) for s in per_seed.values()])
    spread = f" ± {means.std(ddof=1):.3f}" if len(means) > 1 else ""
    print(f"{label}\n  mean over seeds {means.mean():.3f}{spread} years (sd over seeds), "
          f"min {means.min():.3f}, max {means.max():.3f}; {seconds:.1f} s in all")
    for seed, scores in per_seed.items():
        print(f"  seed {seed}: {np.mean(scores):.3f} ± {np.std(scores, ddof=1):.3f} over folds  "
              + " ".join(f"{s:.3f}" for s in scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("LIFEEXP_DATA",
                                                         str(ROOT / "../shared/data/life_expectancy_who.csv")))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fold-seed", type=int, default=0)
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (weights, early-stopping split)")
    parser.add_argument("--no-lifeexp", action="store_true", help="skip lifeexp's own network")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]

    try:
        import sklearn
    except ImportError:
        print("scikit-learn is not installed (pip install -e '.[test]'): nothing to compare")
        return 0
    design, folds = all_features(args.data, args.folds, args.fold_seed)
    print(f"{len(design.y)} rows, {len(design.features)} features (all), {args.folds} folds grouped by country "
          f"(fold seed {args.fold_seed}); RMSE in years on the held-out countries, mean over folds\n")
    runs = [("raw target (bench/network.py's baseline), standardized inputs", False, False)]
    runs += [(f"standardized target, {name} inputs", log, True) for name, log in PREPARATIONS.items()]
    for label, log_skewed, scale_target in runs:
        start = time.perf_counter()
        per_seed = {seed: sklearn_folds(design, folds, seed, log_skewed, scale_target) for seed in seeds}
        report(f"sklearn {sklearn.__version__} MLPRegressor((64, 32), early_stopping=True): {label}",
               per_seed, time.perf_counter() - start)
    if not args.no_lifeexp:
        start = time.perf_counter()
        per_seed = {seed: [r["rmse"] for r in run_folds(design, make_spec("mlp", seed=seed), folds)]
                    for seed in seeds}
        report("lifeexp's network, defaults (`lifeexp cv --kind mlp --features all --seed S`)",
               per_seed, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
