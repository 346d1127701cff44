"""From a table and the user's choices to a complete model record: split, fit, score, cross-validate."""

from __future__ import annotations


import numpy as np

from lifeexp_cli.model import fitting
from lifeexp_cli.evaluate import metrics
from lifeexp_cli.model import store
from lifeexp_cli.prep import splits
from lifeexp_cli.evaluate import cross_validation
from lifeexp_cli.data.dataset import Design
from lifeexp_cli.model.plain import plain


def feature_summary(X: np.ndarray, features: list[str]) -> tuple[dict, dict]:
    """Training ranges [min, max] and means per feature (missing values ignored)."""
    ranges, means = {}, {}
    for name, column in zip(features, X.T):
        present = column[~np.isnan(column)]
        ranges[name] = [float(present.min()), float(present.max())] if present.size else [None, None]
        means[name] = float(present.mean()) if present.size else None
    return ranges, means


def fit_model(design: Design, spec: fitting.Spec, *, cv: int | None = None, test_size: float | None = None,
              split: str = "country", seed: int = 0, data_sha256: str = "", source: str = "",
              progress=None, warn=None) -> dict:
    """Fit on the training rows (all rows unless `test_size`), score, and build the model record.

    progress(label) -> on_epoch callback or None: how an iterative fit reports each epoch (the final
    fit is labelled "fit", cross-validation fits "fold i/k"). warn(message) hears warnings known before
    fitting starts as soon as they are; every warning also ends up in the record.
    """
    X, y, features = design.X, design.y, design.features
    spec = fitting.completed(spec)
    held = (splits.holdout(design.groups, test_size, split, seed) if test_size is not None
            else np.zeros(len(y), bool))
    groups = design.groups[~held] if split == "country" else None
    early = fitting.preflight_warnings(X[~held], features, spec)
    for note in early if warn else []:
        warn(note)
    fitted = fitting.fit(X[~held], y[~held], features, spec, groups=groups,
                         on_epoch=progress("fit") if progress else None)
    train_pred = fitting.predict(spec.kind, fitted.params, X[~held])
    train_ok = ~np.isnan(X[~held]).any(axis=1) if spec.impute == "drop" else slice(None)
    scores = {"train": metrics.score(y[~held][train_ok], train_pred[train_ok]), "test": None, "cv": None}
    if test_size is not None:
        scores["test"] = metrics.score(y[held], fitting.predict(spec.kind, fitted.params, X[held]))
    if cv is not None:
        scores["cv"] = cross_validation.cross_validate(X, y, design.groups, features, spec, cv, split, seed, progress)
    ranges, means = feature_summary(X[~held], features)
    record = {
        **store.record_header(spec, design.target, features),
        "params": fitted.params,
        "ranges": ranges,
        "means": means,
        "metrics": scores,
        "rows": {"train": fitted.rows_used, "test": int(held.sum()), "dropped": design.dropped_target +
                 fitted.rows_dropped, "dropped_target": design.dropped_target,
                 "dropped_missing": fitted.rows_dropped, "imputed": fitted.imputed},
        "split": {"method": split, "seed": seed, "test_size": test_size,
                  "test_rows": design.rows[held].tolist()} if test_size is not None else None,
        "data": {"sha256": data_sha256, "source": source, "rows": len(y) + design.dropped_target},
        "condition_number": fitted.condition_number,
        "warnings": early + fitted.warnings,
        **fitted.extra,
    }
    if spec.kind == "linear":
        record["coefficients"] = fitting.coefficients(fitted.params, features, spec.intercept)
        if spec.scale != "none":
            weights = dict(zip(features, fitted.params["weights"]))
            record["coefficients_scaled"] = {"intercept": fitted.params["bias"] if spec.intercept else None,
                                             **weights}
    return plain(record)
