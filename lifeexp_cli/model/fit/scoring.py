"""Scoring model specifications by K-fold cross-validation, as `lifeexp cv`, `select` and `compare --folds`
report it: the same folds for every specification, fitted through model/fit/in_memory.py.

The folds themselves and the scores are evaluate/cross_validation.py's; this module knows what a
specification and a model record are.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lifeexp_cli.data.dataset import Design
from lifeexp_cli.evaluate import cross_validation, metrics
from lifeexp_cli.model.fit.in_memory import fold_predictor
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.model.spec import Spec, completed, from_record
from lifeexp_cli.prep import splits


def cross_validate_spec(design: Design, spec: Spec, k: int, split: str = "country", seed: int = 0,
                        progress=None) -> dict:
    """The report of `lifeexp cv --format json`: per-fold rows and scores, their means and spreads."""
    folds = splits.kfold(design.groups, k, split, seed, by_row=design.by_row)
    groups = design.groups if split == "country" else None  # a validation split (val_size) by country
    scores = cross_validation.scores_on_folds(design.y, folds, fold_predictor(design.X, design.y, design.features,
                                                                              spec, groups), progress)
    summary = metrics.summarize(scores)
    return {"target": design.target, "features": design.features, "spec": spec.describe(), "k": k,
            "split": split, "folds_by": folds_by(design, split), "seed": seed, "folds": fold_rows(design, folds, scores),
            **{key: summary[key] for key in ("rmse", "rmse_std", "mae", "mae_std", "r2", "r2_std")},
            "rows": len(design.y), "dropped_target": design.dropped_target}


def folds_by(design: Design, split: str) -> str:
    """What each fold holds whole: "country" (--split country on data with a country column), else "row"
    (--split random, or data without a country column, where every row is its own group)."""
    return "country" if split == "country" and not design.by_row else "row"


def fold_rows(design: Design, folds: list[np.ndarray], scores: list[dict]) -> list[dict]:
    """Per fold: how many rows (and countries) were held out and trained on, and the scores."""
    return [{"fold": i, "test_rows": int(len(test)), "test_groups": int(len(np.unique(design.groups[test]))),
             "train_rows": int(len(design.y) - len(test)), **score}
            for i, (test, score) in enumerate(zip(folds, scores), start=1)]


def subset_scorer(design: Design, spec: Spec, folds: list[np.ndarray], on_subset=None, groups=None):
    """score(features) -> per-fold RMSE of `spec` on those columns of `design`, the same folds every time
    (forward selection's scorer); on_subset() is called once per set tried."""
    column = {name: i for i, name in enumerate(design.features)}

    def score(features: list[str]) -> np.ndarray:
        X = design.X[:, [column[f] for f in features]]
        if on_subset is not None:
            on_subset()
        scores = cross_validation.scores_on_folds(design.y, folds, fold_predictor(X, design.y, features, spec,
                                                                                  groups))
        return np.array([s["rmse"] for s in scores])

    return score


def cross_validate_records(records: list[dict], designs: list[Design], k: int, split: str, seed: int,
                           ensemble: int | None = None) -> None:
    """Refit every saved model's specification on its design (the same rows for all) over the same K
    folds; store the scores in its record (in memory only) in place of the CV it was saved with.
    ensemble: refit each network as an ensemble of that many members (its record's spec says so)."""
    if ensemble is not None:
        networks = [record for record in records if record["kind"] == "mlp"]
        if not networks:
            raise ParameterError("{ensemble} applies to networks (kind mlp): none of these models is one",
                                 "ensemble", ensemble)
        for record in networks:
            spec = from_record(record["spec"])
            grown = replace(spec, options={**spec.options, "ensemble": ensemble})
            record["spec"]["options"] = completed(grown).options
    folds = splits.kfold(designs[0].groups, k, split, seed, by_row=designs[0].by_row) if designs else []
    for record, design in zip(records, designs):
        spec = from_record(record["spec"])
        groups = design.groups if split == "country" else None  # a network's validation split, as fit and cv make it
        scores = cross_validation.scores_on_folds(design.y, folds, fold_predictor(design.X, design.y,
                                                                                  record["features"], spec, groups))
        record["metrics"]["cv"] = {**metrics.summarize(scores), "k": k, "split": split, "seed": seed}
