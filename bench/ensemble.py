"""Network ensembles (`--ensemble K`): cross-validated RMSE and time per fold, on all features.

Protocol (issue 11, part 4): `lifeexp cv --kind mlp --ensemble 5 --features all --folds 5 --split country`,
i.e. 5 folds grouped by country (fold seed 0), every numeric feature plus status, the network's default
options; per fold the RMSE on the held-out countries and the wall-clock and CPU time of the fit (all K
networks). One network (K = 1) on the same folds is printed for reference. Target: mean RMSE <= 2.85
years (goal 2.6; for reference, issue 11: one network 3.00, ExtraTrees 2.60, HistGradientBoosting 2.70).

    .venv/bin/python bench/ensemble.py                          # K = 1 and 5, the defaults
    .venv/bin/python bench/ensemble.py --members 1,5,10 --seeds 0,1
    .venv/bin/python bench/ensemble.py --set weight_decay=0.01 --set hidden=128,64
    .venv/bin/python bench/ensemble.py --members 5 --trees      # and scikit-learn's trees on the same folds

--trees (scikit-learn installed) adds the issue's reference models on the same folds and rows:
ExtraTreesRegressor(300 trees, random_state 0) on the training folds' mean-imputed inputs, and
HistGradientBoostingRegressor(random_state 0), which takes the missing values as they are.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import lifeexp_cli  # noqa: E402,F401  (first: it sets BLAS to one thread, as for the `lifeexp` command)
import numpy as np  # noqa: E402
from lifeexp_cli.evaluate import metrics  # noqa: E402
from lifeexp_cli.model.spec import make_spec  # noqa: E402
from network import all_features, parse_settings, run_folds, summary  # noqa: E402  (bench/network.py)

TARGET_RMSE, GOAL_RMSE = 2.85, 2.6


def run_trees(design, folds) -> None:
    """scikit-learn's ExtraTrees and HistGradientBoosting on the same folds: RMSE and CPU s per fold."""
    try:
        from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor
    except ImportError:
        print("(scikit-learn not installed: no tree models)")
        return
    models = {"ExtraTrees(300), mean-imputed": lambda: ExtraTreesRegressor(300, random_state=0, n_jobs=1),
              "HistGradientBoosting": lambda: HistGradientBoostingRegressor(random_state=0)}
    for name, make in models.items():
        rmses, cpu = [], 0.0
        for test in folds:
            train = np.ones(len(design.y), dtype=bool)
            train[test] = False
            X_train, X_test = design.X[train], design.X[test]
            if name.startswith("ExtraTrees"):  # it takes no missing values: the training folds' column means
                fill = np.nanmean(X_train, axis=0)
                X_train, X_test = (np.where(np.isnan(X), fill, X) for X in (X_train, X_test))
            start = time.process_time()
            model = make().fit(X_train, design.y[train])
            cpu += time.process_time() - start
            rmses.append(metrics.rmse(design.y[test], model.predict(X_test)))
        rmse = np.array(rmses)
        print(f"  {name:<30} {rmse.mean():.3f} ± {rmse.std(ddof=1):.3f}   {cpu / len(folds):6.2f} s CPU per fold   "
              + " ".join(f"{r:.3f}" for r in rmses))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("LIFEEXP_DATA",
                                                         str(ROOT / "../shared/data/life_expectancy_who.csv")))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--members", default="1,5", help="comma-separated ensemble sizes K")
    parser.add_argument("--seeds", default="0", help="comma-separated --seed values (the weights)")
    parser.add_argument("--fold-seed", type=int, default=0, help="seed of the country-grouped folds")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a network default, e.g. weight_decay=0.01, hidden=128,64")
    parser.add_argument("--trees", action="store_true",
                        help="also scikit-learn's ExtraTrees and HistGradientBoosting on the same folds")
    args = parser.parse_args()

    design, folds = all_features(args.data, args.folds, args.fold_seed)
    training, network = parse_settings(args.set)
    label = "defaults" if not args.set else "defaults with " + ", ".join(args.set)
    print(f"{len(design.y)} rows, {len(design.features)} features (all), {args.folds} folds grouped by country "
          f"(fold seed {args.fold_seed}); network {label}")
    print("   K  seed   RMSE ± std (folds)          per fold: wall s  cpu s   fold RMSEs")
    worst = 0.0
    for k in (int(m) for m in args.members.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            spec = make_spec("mlp", training=training, seed=seed, network_options={**network, "ensemble": k})
            rows = run_folds(design, spec, folds)
            mean, std, seconds, cpu = summary(rows)
            if k > 1:
                worst = max(worst, mean)
            print(f"  {k:>2}  {seed:>4}   {mean:.3f} ± {std:.3f}                  {seconds:7.2f}  {cpu:6.2f}   "
                  + " ".join(f"{r['rmse']:.3f}" for r in rows))
    if args.trees:
        run_trees(design, folds)
    if worst:
        verdict = "meets" if worst <= TARGET_RMSE else "MISSES"
        print(f"worst ensemble mean RMSE {worst:.3f}: {verdict} the target {TARGET_RMSE} (goal {GOAL_RMSE})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
