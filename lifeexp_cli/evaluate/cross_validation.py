"""Honest estimates: scores on held-out rows and K-fold cross-validation of a model specification."""

from __future__ import annotations

import numpy as np

from lifeexp_cli.model import fitting
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.evaluate import metrics
from lifeexp_cli.prep import splits


def fold_scores(X: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
                test: np.ndarray, groups: np.ndarray | None = None, on_epoch=None) -> dict[str, float]:
    """Fit on every row not in `test`, score on `test`."""
    train = np.ones(len(y), dtype=bool)
    train[test] = False
    fitted = fitting.fit(X[train], y[train], features, spec,
                         groups=None if groups is None else groups[train], on_epoch=on_epoch)
    return metrics.score(y[test], fitting.predict(spec.kind, fitted.params, X[test]))


def scores_on_folds(X: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
                    folds: list[np.ndarray], groups: np.ndarray | None = None,
                    progress=None) -> list[dict[str, float]]:
    """RMSE, MAE, R² on each given test fold, the model fitted on the other rows each time.

    progress(label) -> on_epoch callback (or None), called once per fold for iterative models.
    """
    k = len(folds)
    return [fold_scores(X, y, features, spec, test, groups, progress(f"fold {i}/{k}") if progress else None)
            for i, test in enumerate(folds, start=1)]


def cross_validate(X: np.ndarray, y: np.ndarray, groups: np.ndarray, features: list[str],
                   spec: Spec, k: int, split: str = "country", seed: int = 0, progress=None) -> dict:
    """Mean and spread of RMSE, MAE, R² over k folds (grouped by country unless split='random').

    progress(label) -> on_epoch callback (or None), called once per fold for iterative models.
    """
    folds = splits.kfold(groups, k, split, seed)
    scores = scores_on_folds(X, y, features, spec, folds, groups if split == "country" else None, progress)
    return {**metrics.summarize(scores), "k": k, "split": split, "seed": seed}
