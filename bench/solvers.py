"""Benchmark: how fast each iterative solver reaches the least-squares optimum on Tim's features.

For gd, sgd, momentum and adam with their default settings (`lifeexp fit --solver S`, --scale standard)
on bmi, adult_mortality and hiv_aids over the whole WHO file, prints the epochs and wall time until the
training RMSE is within 0.1% of the exact (lstsq) RMSE, and how the run ended (epochs, converged, RMSE
gap, worst coefficient error in original units, total time). Next to them, scikit-learn's SGDRegressor
on the same standardized data, when scikit-learn is installed (it is not a dependency of lifeexp).

Times are medians of --repeat runs (default 3) on this machine; this is a benchmark, never a test.
Run: make bench   (or: python bench/solvers.py [--data FILE] [--repeat N])
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import metrics
from lifeexp_cli.model.fit import in_memory, solvers
from lifeexp_cli.model.fit.prepared import preprocess
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.spec import Spec, make_spec
from lifeexp_cli.optim import loop
from lifeexp_cli.prep import scaling

FEATURES = ["bmi", "adult_mortality", "hiv_aids"]
TARGET_GAP = 1e-3  # 0.1% above the optimal RMSE


def default_data() -> str:
    given = os.environ.get("LIFEEXP_DATA")
    if given:
        return given
    return str(Path(__file__).resolve().parents[1] / "../shared/data/life_expectancy_who.csv")


def reference(design):
    spec = make_spec("linear", "lstsq")
    fitted = in_memory.fit_arrays(design.X, design.y, design.features, spec)
    yhat = arrays.predict("linear", fitted.params, design.X)
    return metrics.rmse(design.y, yhat), solvers.coefficients(fitted.params, design.features, True)


def coefficient_error(coef: dict, exact: dict) -> float:
    return max(abs(coef[k] / exact[k] - 1.0) for k in exact)


def run_lifeexp(design, solver, best_rmse, exact):
    """One default run through the fitting API, watching every epoch's training loss."""
    spec = make_spec("linear", solver)
    reached = {}
    start = time.perf_counter()

    def on_epoch(epoch, loss, val_loss):
        if "epoch" not in reached and np.sqrt(loss) <= best_rmse * (1 + TARGET_GAP):
            reached.update(epoch=epoch, seconds=time.perf_counter() - start)

    fitted = in_memory.fit_arrays(design.X, design.y, design.features, spec, on_epoch=on_epoch)
    total = time.perf_counter() - start
    run = fitted.extra["training"]
    gap = np.sqrt(run["final_loss"]) / best_rmse - 1.0
    coef = solvers.coefficients(fitted.params, design.features, True)
    return {"to_target_epochs": reached.get("epoch"), "to_target_s": reached.get("seconds"),
            "epochs_run": run["epochs_run"], "converged": run["converged"], "gap": gap,
            "coef_err": coefficient_error(coef, exact), "total_s": total,
            "settings": settings_text(spec.options)}


def settings_text(options: dict) -> str:
    batch = "full" if options["batch_size"] is None else options["batch_size"]
    return f"lr {options['lr']:g}, batch {batch}, patience {options['patience']}"


def run_sklearn(design, best_rmse, exact, max_epochs=1000):
    """SGDRegressor on the same standardized X: epochs to the target (one partial_fit per epoch, its default
    learning-rate schedule), then its own default fit (max_iter=1000, tol=1e-3). Plain squared loss, no
    penalty, so the optimum is the same."""
    from sklearn.linear_model import SGDRegressor

    prepared = preprocess(design.X, design.y, design.features, Spec(scale="standard"))
    Xs, y, stats = prepared.Xs, prepared.y, prepared.stats
    center, scale = np.asarray(stats["center"]), np.asarray(stats["scale"])

    def score(model):
        return metrics.rmse(y, model.predict(Xs))

    def coefs(model):
        coef, bias = scaling.to_original_units(model.coef_, float(model.intercept_[0]), center, scale)
        return {"intercept": bias, **dict(zip(design.features, coef.tolist()))}

    model = SGDRegressor(penalty=None, random_state=0)
    start = time.perf_counter()
    reached = {}
    for epoch in range(1, max_epochs + 1):
        model.partial_fit(Xs, y)
        if score(model) <= best_rmse * (1 + TARGET_GAP):
            reached.update(epoch=epoch, seconds=time.perf_counter() - start)
            break
    default = SGDRegressor(penalty=None, random_state=0)
    start = time.perf_counter()
    default.fit(Xs, y)
    total = time.perf_counter() - start
    return {"to_target_epochs": reached.get("epoch"), "to_target_s": reached.get("seconds"),
            "epochs_run": int(default.n_iter_), "converged": int(default.n_iter_) < default.max_iter,
            "gap": score(default) / best_rmse - 1.0, "coef_err": coefficient_error(coefs(default), exact),
            "total_s": total, "settings": "defaults (invscaling, eta0 0.01), penalty None"}


def median_run(repeat, fn):
    runs = [fn() for _ in range(repeat)]
    first = dict(runs[0])
    for key in ("to_target_s", "total_s"):
        values = [r[key] for r in runs if r[key] is not None]
        first[key] = statistics.median(values) if values else None
    return first


def show(rows):
    header = (f"{'solver':<22} {'to 0.1%: epochs':>15} {'seconds':>8}   {'run: epochs':>11} {'converged':>9} "
              f"{'RMSE gap':>9} {'max coef err':>12} {'seconds':>8}   settings")
    print(header)
    print("-" * len(header))
    for name, r in rows:
        epochs = "not reached" if r["to_target_epochs"] is None else str(r["to_target_epochs"])
        seconds = "—" if r["to_target_s"] is None else f"{r['to_target_s']:.3f}"
        print(f"{name:<22} {epochs:>15} {seconds:>8}   {r['epochs_run']:>11} {str(r['converged']):>9} "
              f"{r['gap']:>9.1e} {r['coef_err']:>12.1e} {r['total_s']:>8.3f}   {r['settings']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    table = dataset.read_table(args.data)
    design = dataset.design(table, FEATURES, "life_expectancy")
    best_rmse, exact = reference(design)
    print(f"Solvers on Tim's features ({', '.join(FEATURES)}), {len(design.y)} rows, --scale standard; "
          f"lstsq RMSE {best_rmse:.6f}. Target: RMSE within 0.1%. Median of {args.repeat} runs; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.")
    rows = [(f"lifeexp {solver}", median_run(args.repeat, lambda s=solver: run_lifeexp(design, s, best_rmse, exact)))
            for solver in loop.SOLVERS]
    try:
        import sklearn
    except ImportError:
        print("(scikit-learn is not installed: no SGDRegressor column)")
    else:
        rows.append((f"sklearn SGDRegressor {sklearn.__version__}",
                     median_run(args.repeat, lambda: run_sklearn(design, best_rmse, exact))))
    show(rows)


if __name__ == "__main__":
    main()
