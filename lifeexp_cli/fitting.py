"""Fit one model specification on arrays, and predict with what it learned.

The steps are the same for every model: impute (statistics from these rows only), scale (fitted on
these rows), solve, keep everything needed to predict in a plain `params` dict that the model file
stores. Nothing here reads files or prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lifeexp_cli import closed_form, impute, scaling
from lifeexp_cli.errors import DataError, UsageError


@dataclass(frozen=True)
class Spec:
    """What to fit: model kind, solver and preprocessing. Hyperparameters only, nothing learned."""

    kind: str = "linear"
    solver: str = "lstsq"
    scale: str = "none"
    impute: str = "mean"
    intercept: bool = True
    options: dict = field(default_factory=dict)  # solver options (lr, epochs, ...), stored in the model

    def describe(self) -> dict:
        return {"kind": self.kind, "solver": self.solver, "scale": self.scale, "impute": self.impute,
                "intercept": self.intercept, "options": dict(self.options)}


@dataclass
class Fit:
    params: dict  # everything `predict` needs, as plain lists and floats
    rows_used: int
    rows_dropped: int  # rows dropped for missing features (`--impute drop`)
    imputed: dict[str, int]
    condition_number: float | None = None
    warnings: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # solver-specific results (history, epochs, ...)


def preprocess(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec):
    """Impute and scale with statistics from these rows; returns the scaled design and the statistics."""
    if len(y) == 0:
        raise DataError("no rows left to fit on: check the target column and missing values")
    fill = impute.fit_imputer(X_raw, spec.impute, features)
    if spec.impute == "drop":
        keep = impute.complete_rows(X_raw)
        X, y, counts = X_raw[keep], y[keep], np.zeros(len(features), dtype=int)
        if len(y) == 0:
            raise DataError("every row has a missing feature value: use --impute mean or median")
    else:
        X, counts = impute.apply_imputer(X_raw, fill)
    center, scale = scaling.fit_scaler(X, spec.scale, center=spec.intercept)
    stats = {"fill": fill.tolist(), "center": center.tolist(), "scale": scale.tolist()}
    imputed = {f: int(c) for f, c in zip(features, counts)}
    return scaling.transform(X, center, scale), y, stats, imputed, len(X_raw) - len(X)


def with_intercept(Xs: np.ndarray, intercept: bool) -> np.ndarray:
    return np.column_stack([np.ones(len(Xs)), Xs]) if intercept else Xs


def conditioning_warnings(design: np.ndarray, Xs: np.ndarray, features: list[str], solver: str,
                          cond: float) -> list[str]:
    return conditioning_notes(closed_form.collinear_groups(Xs, features), solver, cond)


def conditioning_notes(groups: list[tuple[list[str], float]], solver: str, cond: float) -> list[str]:
    """Warnings for collinear feature groups and for an ill-conditioned design."""
    notes = []
    for names, index in groups:
        strength = "exactly" if math.isinf(index) else "nearly"
        notes.append(f"features {', '.join(names)} are {strength} collinear (condition index "
                     f"{index:.3g}): their coefficients are unstable; drop one of them")
    if cond > closed_form.ILL_CONDITIONED:
        digits = closed_form.digits_at_risk(cond, solver)
        notes.append(f"the design is ill-conditioned (condition number {cond:.3g}): about {digits:.0f} of 16 "
                     "digits are at risk with this solver; --scale standard removes the part due to units")
    return notes


def fit_closed_form(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec):
    design = with_intercept(Xs, spec.intercept)
    if design.shape[1] > len(y):
        raise DataError(f"{design.shape[1]} coefficients but only {len(y)} rows: use fewer features or more rows")
    solution = closed_form.solve(design, y, spec.solver)
    notes = conditioning_warnings(design, Xs, features, spec.solver, solution.condition_number)
    notes.extend(rank_notes(solution.rank, design.shape[1]))
    theta = solution.theta
    bias, weights = (float(theta[0]), theta[1:]) if spec.intercept else (0.0, theta)
    params = {"weights": weights.tolist(), "bias": bias}
    return params, solution.condition_number, notes, {}


def rank_notes(rank: int, columns: int) -> list[str]:
    if rank >= columns:
        return []
    return [f"the design has rank {rank} < {columns} columns: the coefficients are not unique; lstsq "
            "returned the minimum-norm solution (in column-scaled units)"]


# kind/solver -> fitter(Xs, y, features, spec) -> (params, condition number, warnings, extra)
FITTERS = {("linear", s): fit_closed_form for s in closed_form.SOLVERS}


def solvers_for(kind: str) -> list[str]:
    return [s for k, s in FITTERS if k == kind]


def fit(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec) -> Fit:
    fitter = FITTERS.get((spec.kind, spec.solver))
    if fitter is None:
        raise UsageError(f"--solver {spec.solver} does not apply to a {spec.kind} model: "
                         f"use one of {', '.join(solvers_for(spec.kind))}")
    Xs, y_used, stats, imputed, dropped = preprocess(X_raw, y, features, spec)
    params, cond, notes, extra = fitter(Xs, y_used, features, spec)
    return Fit({**stats, **params}, len(y_used), dropped, imputed, cond, notes, extra)


def scaled_inputs(params: dict, X_raw: np.ndarray) -> np.ndarray:
    X = np.where(np.isnan(X_raw), np.asarray(params["fill"]), X_raw)
    return scaling.transform(X, np.asarray(params["center"]), np.asarray(params["scale"]))


def predict(kind: str, params: dict, X_raw: np.ndarray) -> np.ndarray:
    """Predictions for raw feature rows (NaN filled with the training statistics)."""
    Xs = scaled_inputs(params, X_raw)
    if kind == "linear":
        return Xs @ np.asarray(params["weights"]) + params["bias"]
    raise UsageError(f"unknown model kind {kind!r}")


def coefficients(params: dict, features: list[str], intercept: bool) -> dict:
    """Linear coefficients in original units: {'intercept': b or None, feature: w, ...}."""
    coef, bias = scaling.to_original_units(np.asarray(params["weights"]), params["bias"],
                                           np.asarray(params["center"]), np.asarray(params["scale"]))
    return {"intercept": bias if intercept else None, **{f: float(c) for f, c in zip(features, coef)}}
