"""The rows a fitter sees: imputed and scaled with statistics of the training rows only, and what a fit
of arrays returns (`Fit`). Nothing here solves, reads files or prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lifeexp_cli.errors import DataError, DesignError, ParameterError
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import impute, scaling, skew, splits


@dataclass
class Fit:
    """What `in_memory.fit_arrays` learned from the rows, with what the record says about them."""

    params: dict  # everything `predict` needs, as plain lists and floats
    rows_used: int
    rows_dropped: int  # rows dropped for missing features (impute drop)
    imputed: dict[str, int]
    condition_number: float | None = None
    warnings: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # solver-specific results (history, epochs, ...)


@dataclass
class Prepared:
    """The rows a fitter sees: imputed and scaled with statistics of these rows only."""

    Xs: np.ndarray  # scaled design, without the intercept column
    y: np.ndarray
    stats: dict  # fill, center, scale (lists): how to prepare new rows the same way
    imputed: dict[str, int]  # feature -> number of values filled in
    dropped: int  # rows dropped for a missing value (impute drop)


def preprocess(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec) -> Prepared:
    """Impute and scale with statistics from these rows."""
    if len(y) == 0:
        raise DataError("no rows left to fit on: check the target column and missing values")
    fill = impute.fit_imputer(X_raw, spec.impute, features)
    if spec.impute == "drop":
        keep = impute.complete_rows(X_raw)
        X, y, counts = X_raw[keep], y[keep], np.zeros(len(features), dtype=int)
        if len(y) == 0:
            raise DesignError("every row has a missing feature value: use {impute} mean or median",
                              "impute", spec.impute)
    else:
        X, counts = impute.apply_imputer(X_raw, fill)
    logged = skew.skewed_columns(X) if spec.options.get("log_skewed") else None
    if logged is not None:
        X = skew.apply_log(X, logged)  # after the fill (raw units), before the scaler (log units)
    center, scale = scaling.fit_scaler(X, spec.scale, center=spec.intercept)
    stats = {"fill": fill.tolist(), "center": center.tolist(), "scale": scale.tolist()}
    if logged is not None and logged.any():
        stats["log"] = logged.tolist()
    imputed = {f: int(c) for f, c in zip(features, counts)}
    # X is this function's own copy (imputed or the kept rows): scale it in place, no third copy.
    return Prepared(scaling.transform(X, center, scale, out=X), y, stats, imputed, len(X_raw) - len(X))


def with_intercept(Xs: np.ndarray, intercept: bool) -> np.ndarray:
    return np.column_stack([np.ones(len(Xs)), Xs]) if intercept else Xs


def validation_mask(n: int, groups: np.ndarray | None, spec: Spec) -> np.ndarray | None:
    """Rows set aside to watch early stopping (`val_size`): whole groups when groups are given."""
    val_size = spec.options.get("val_size")
    if not val_size:
        return None
    units = groups if groups is not None else np.arange(n).astype(str)
    try:
        return splits.holdout(units, val_size, "country" if groups is not None else "random",
                              spec.options.get("seed", 0), parameter="val_size")
    except ParameterError as exc:
        raise ParameterError(exc.template + ", or {val_size} 0 for no validation split", "val_size", exc.value) \
            from None


def rows_of(mask: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """The rows of each array where mask holds: the arrays themselves when it holds everywhere."""
    return list(arrays) if mask.all() else [a[mask] for a in arrays]
