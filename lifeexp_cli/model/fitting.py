"""Fit one model specification on arrays, and predict with what it learned.

The steps are the same for every model: impute (statistics from these rows only), scale (fitted on
these rows), solve, keep everything needed to predict in a plain `params` dict that the model file
stores. Nothing here reads files or prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from lifeexp_cli.linear import closed_form
from lifeexp_cli.prep import impute
from lifeexp_cli.optim import loop
from lifeexp_cli.nn import regressor
from lifeexp_cli.linear import loss as objectives
from lifeexp_cli.prep import scaling
from lifeexp_cli.prep import splits
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


def conditioning_warnings(Xs: np.ndarray, features: list[str], solver: str, cond: float,
                          full_rank: bool = True) -> list[str]:
    constant = [f for f, col in zip(features, Xs.T) if len(col) > 1 and np.ptp(col) == 0]
    notes = [f"feature(s) {', '.join(constant)} are constant in the training rows: their effect cannot be "
             "told apart from the intercept; drop them"] if constant else []
    return notes + conditioning_notes(closed_form.collinear_groups(Xs, features), solver, cond, full_rank)


def conditioning_notes(groups: list[tuple[list[str], float]], solver: str, cond: float,
                       full_rank: bool = True) -> list[str]:
    """Warnings for collinear feature groups and for an ill-conditioned (but full-rank) design."""
    notes = []
    for names, index in groups:
        strength = "exactly" if math.isinf(index) else "nearly"
        notes.append(f"features {', '.join(names)} are {strength} collinear (condition index "
                     f"{index:.3g}): their coefficients are unstable; drop one of them")
    if full_rank and cond > closed_form.ILL_CONDITIONED:
        digits = closed_form.digits_at_risk(cond, solver)
        notes.append(f"the design is ill-conditioned (condition number {cond:.3g}): about {digits:.0f} of 16 "
                     "digits are at risk with this solver; --scale standard removes the part due to units")
    return notes


def fit_closed_form(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                    on_epoch=None):
    design = with_intercept(Xs, spec.intercept)
    if design.shape[1] > len(y):
        raise DataError(f"{design.shape[1]} coefficients but only {len(y)} rows: use fewer features or more rows")
    solution = closed_form.solve(design, y, spec.solver)
    full_rank = solution.rank == design.shape[1]
    notes = conditioning_warnings(Xs, features, spec.solver, solution.condition_number, full_rank)
    notes.extend(rank_notes(solution.rank, design.shape[1]))
    theta = solution.theta
    bias, weights = (float(theta[0]), theta[1:]) if spec.intercept else (0.0, theta)
    params = {"weights": weights.tolist(), "bias": bias}
    return params, solution.condition_number, notes, {}


def fit_linear_iterative(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                         on_epoch=None):
    """θ by gradient descent on J(θ) = (1/n)Σ(Xθ − y)² with the spec's optimizer (loop.train)."""
    options = spec.options
    design = with_intercept(Xs, spec.intercept)
    p = design.shape[1]
    theta0 = np.zeros(p) if options["init"] == "zeros" else loop.init_rng(options["seed"]).normal(size=p)
    val_design = None if val is None else (with_intercept(val[0], spec.intercept), val[1])
    result = loop.train([theta0], objectives.linear_loss_and_grad, objectives.linear_loss, design, y, spec.solver,
                        options, val=val_design, on_epoch=on_epoch)
    (theta,) = result.params
    bias, weights = (float(theta[0]), theta[1:]) if spec.intercept else (0.0, theta)
    params = {"weights": weights.tolist(), "bias": bias}
    return params, closed_form.condition_number(design), result.warnings, {"training": result.summary()}


def rank_notes(rank: int, columns: int) -> list[str]:
    if rank >= columns:
        return []
    return [f"the design has rank {rank} < {columns} columns: the coefficients are not unique; lstsq "
            "returned the minimum-norm solution (in column-scaled units)"]


# kind/solver -> fitter(Xs, y, features, spec, *, val, on_epoch) -> (params, condition number, warnings,
# extra). An iterative fitter trains with loop.train; val is None or (Xs_val, y_val), already
# imputed and scaled with the training statistics; on_epoch(epoch, train_loss, val_loss) reports progress.
FITTERS = {("linear", s): fit_closed_form for s in closed_form.SOLVERS}
FITTERS.update({("linear", s): fit_linear_iterative for s in loop.SOLVERS})
FITTERS.update({("mlp", s): regressor.fit for s in loop.SOLVERS})
KINDS = ("linear", "mlp")
DEFAULT_SOLVER = {"linear": "lstsq", "mlp": "adam"}


def solvers_for(kind: str) -> list[str]:
    return [s for k, s in FITTERS if k == kind]


def check_solver(kind: str, solver: str) -> None:
    if kind not in KINDS:
        raise UsageError(f"--model must be one of {', '.join(KINDS)}, got {kind!r}")
    if (kind, solver) not in FITTERS:
        raise UsageError(f"--solver {solver} does not apply to a {kind} model: "
                         f"use one of {', '.join(solvers_for(kind))}")


def make_spec(kind: str = "linear", solver: str | None = None, *, scale: str | None = None, impute: str = "mean",
              intercept: bool = True, training: dict | None = None, seed: int = 0,
              network_options: dict | None = None) -> Spec:
    """A Spec with the solver's defaults: iterative solvers scale (standard) and get every training option
    filled in (seed included: it draws θ and shuffles); closed-form solvers refuse training options and
    default to no scaling. A network (kind mlp) defaults to adam, takes network_options (hidden,
    activation, weight_decay) and the network's training defaults (nn/regressor.py)."""
    solver = solver or DEFAULT_SOLVER.get(kind, "lstsq")
    check_solver(kind, solver)
    training = training or {}
    network_options = {k: v for k, v in (network_options or {}).items() if v is not None}
    if kind == "mlp":
        if not intercept:
            raise UsageError("--no-intercept does not apply to --model mlp: every unit of a network has a bias")
        return Spec(kind, solver, scale or "standard", impute, True,
                    regressor.check_options(solver, {"seed": seed, **training}, network_options))
    if network_options:
        flags = ", ".join("--" + k.replace("_", "-") for k in network_options)
        raise UsageError(f"{flags} only apply to --model mlp (a neural network), not a linear model")
    if loop.is_iterative(solver):
        return Spec(kind, solver, scale or "standard", impute, intercept,
                    loop.check_options(solver, {"seed": seed, **training}))
    loop.reject_for_closed_form(solver, training)
    return Spec(kind, solver, scale or "none", impute, intercept, {})


def completed(spec: Spec) -> Spec:
    """The spec with every training option filled in (a Spec built by hand may give only some)."""
    if not loop.is_iterative(spec.solver):
        return spec
    if spec.kind == "mlp":
        training = {k: v for k, v in spec.options.items() if k not in regressor.OPTION_KEYS}
        chosen = {k: v for k, v in spec.options.items() if k in regressor.OPTION_KEYS}
        return replace(spec, options=regressor.check_options(spec.solver, training, chosen))
    return replace(spec, options=loop.check_options(spec.solver, spec.options))


def preflight_warnings(X_raw: np.ndarray, features: list[str], spec: Spec) -> list[str]:
    """What is worth saying before an iterative fit starts (it may be slow, or diverge)."""
    if loop.is_iterative(spec.solver) and spec.scale == "none":
        return loop.range_spread_warning(X_raw, features)
    return []


def validation_mask(n: int, groups: np.ndarray | None, spec: Spec) -> np.ndarray | None:
    """Rows set aside to watch early stopping (`val_size`): whole groups when groups are given."""
    val_size = spec.options.get("val_size")
    if not val_size:
        return None
    units = groups if groups is not None else np.arange(n).astype(str)
    try:
        return splits.holdout(units, val_size, "country" if groups is not None else "random",
                              spec.options.get("seed", 0))
    except UsageError as exc:
        raise UsageError(str(exc).replace("--test-size", "--val-size") + ", or --val-size 0 for no validation split") \
            from None


def fit(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, groups: np.ndarray | None = None,
        on_epoch=None) -> Fit:
    """Preprocess and solve. groups (one key per row) make a validation split (`val_size`) group-wise."""
    check_solver(spec.kind, spec.solver)
    spec = completed(spec)
    val_rows = validation_mask(len(y), groups, spec)
    val = None
    if val_rows is not None:
        X_raw, y, X_val_raw, y_val = X_raw[~val_rows], y[~val_rows], X_raw[val_rows], y[val_rows]
    Xs, y_used, stats, imputed, dropped = preprocess(X_raw, y, features, spec)
    if val_rows is not None:
        if spec.impute == "drop":
            keep = impute.complete_rows(X_val_raw)
            X_val_raw, y_val = X_val_raw[keep], y_val[keep]
        if len(y_val) == 0:
            raise DataError("every validation row has a missing feature value: use --impute mean or median")
        val = (scaled_inputs(stats, X_val_raw), y_val)
    fitter = FITTERS[(spec.kind, spec.solver)]
    params, cond, notes, extra = fitter(Xs, y_used, features, spec, val=val, on_epoch=on_epoch)
    if val is not None:
        extra = {**extra, "training": {**extra.get("training", {}), "validation_rows": int(len(val[1]))}}
    return Fit({**stats, **params}, len(y_used), dropped, imputed, cond, notes, extra)


def scaled_inputs(params: dict, X_raw: np.ndarray) -> np.ndarray:
    X = np.where(np.isnan(X_raw), np.asarray(params["fill"]), X_raw)
    return scaling.transform(X, np.asarray(params["center"]), np.asarray(params["scale"]))


def predict(kind: str, params: dict, X_raw: np.ndarray) -> np.ndarray:
    """Predictions for raw feature rows (NaN filled with the training statistics)."""
    Xs = scaled_inputs(params, X_raw)
    if kind == "linear":
        return Xs @ np.asarray(params["weights"]) + params["bias"]
    if kind == "mlp":
        return regressor.predict(params, Xs)
    raise UsageError(f"unknown model kind {kind!r}")


def coefficients(params: dict, features: list[str], intercept: bool) -> dict:
    """Linear coefficients in original units: {'intercept': b or None, feature: w, ...}."""
    coef, bias = scaling.to_original_units(np.asarray(params["weights"]), params["bias"],
                                           np.asarray(params["center"]), np.asarray(params["scale"]))
    return {"intercept": bias if intercept else None, **{f: float(c) for f, c in zip(features, coef)}}
