"""The solvers of one model specification on prepared arrays, each returning a named result (`Solved`):
closed form, a linear model by gradient descent, a network; and the warnings a closed-form fit gives
(constant features, collinear groups, ill-conditioning, a deficient rank), in memory and streamed alike.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from lifeexp_cli.errors import DataError, DivergenceError
from lifeexp_cli.linear import closed_form, loss
from lifeexp_cli.model import notes
from lifeexp_cli.model.fit.prepared import with_intercept
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.nn import regressor
from lifeexp_cli.optim import loop
from lifeexp_cli.prep import scaling


@dataclass
class Solved:
    """What a fitter returns."""

    params: dict  # the learned parameters, as plain lists and floats (weights and bias, or network)
    condition_number: float | None  # of the design (None for a network)
    warnings: list[str]
    extra: dict = field(default_factory=dict)  # what the record keeps besides: {"training": ...}, ...


def conditioning_warnings(Xs: np.ndarray, features: list[str], solver: str, cond: float,
                          full_rank: bool = True) -> list[str]:
    constant = [f for f, col in zip(features, Xs.T) if len(col) > 1 and np.ptp(col) == 0]
    groups = closed_form.collinear_groups(Xs, features)
    return constant_note(constant) + conditioning_notes(groups, solver, cond, full_rank)


def constant_note(constant: list[str]) -> list[str]:
    """The warning for features constant in the training rows (in memory and streamed alike)."""
    if not constant:
        return []
    return [f"feature(s) {', '.join(constant)} are constant in the training rows: their effect cannot be "
            "told apart from the intercept; drop them"]


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
        raise DataError(f"{design.shape[1]} coefficients but only {len(y)} row{'s' * (len(y) != 1)}: use fewer features or more rows")
    solution = closed_form.solve(design, y, spec.solver)
    full_rank = solution.rank == design.shape[1]
    notes = conditioning_warnings(Xs, features, spec.solver, solution.condition_number, full_rank)
    notes.extend(rank_notes(solution.rank, design.shape[1]))
    return Solved(linear_params(solution.theta, spec.intercept), solution.condition_number, notes)


def fit_linear_iterative(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                         on_epoch=None):
    """θ by gradient descent on J(θ) = (1/n)Σ(Xθ − y)² with the spec's optimizer (loop.train)."""
    options = spec.options
    design = with_intercept(Xs, spec.intercept)
    p = design.shape[1]
    theta0 = np.zeros(p) if options["init"] == "zeros" else loop.init_rng(options["seed"]).normal(size=p)
    val_design = None if val is None else (with_intercept(val[0], spec.intercept), val[1])
    with scaled_divergence_advice(spec):
        result = loop.train([theta0], loss.linear_loss_and_grad, loss.linear_loss, design, y, spec.solver,
                            options, val=val_design, on_epoch=on_epoch)
    (theta,) = result.params
    return Solved(linear_params(theta, spec.intercept), closed_form.condition_number(design),
                  notes.worded(result.notes), {"training": result.summary()})


@contextmanager
def scaled_divergence_advice(spec: Spec):
    """The loop advises a smaller learning rate or scaling; features already scaled make the second
    advice empty, so it becomes a much smaller rate (and Adam, whose steps adapt, for the other solvers)."""
    try:
        yield
    except DivergenceError as exc:
        if spec.scale == "none" or loop.DIVERGENCE_HINT not in exc.template:
            raise
        other = "" if spec.solver == "adam" else ", or {optimizer} adam (its steps adapt to the gradients)"
        advice = f"the features are already scaled ({spec.scale}): try a {{lr}} ten times smaller{other}"
        raise DivergenceError(exc.template.replace(loop.DIVERGENCE_HINT, advice), exc.param, exc.value) from None


def linear_params(theta: np.ndarray, intercept: bool) -> dict:
    """A linear model's learned parameters from θ = [intercept,] weights (in scaled units)."""
    bias, weights = (float(theta[0]), theta[1:]) if intercept else (0.0, theta)
    return {"weights": weights.tolist(), "bias": bias}


def fit_network(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                on_epoch=None) -> Solved:
    """A neural network trained through the one loop (nn/regressor.py); it has no condition number."""
    with scaled_divergence_advice(spec):
        trained = regressor.fit(Xs, y, spec.solver, spec.options, val=val, on_epoch=on_epoch)
    return Solved({"network": trained.network}, None, notes.worded(trained.training.notes),
                  {"training": trained.training.summary(), "network": regressor.describe(trained.network)})


def rank_notes(rank: int, columns: int) -> list[str]:
    if rank >= columns:
        return []
    return [f"the design has rank {rank} < {columns} columns: the coefficients are not unique; lstsq "
            "returned the minimum-norm solution (in column-scaled units)"]

# kind/solver -> fitter(Xs, y, features, spec, *, val, on_epoch) -> Solved. An iterative fitter trains
# with loop.train; val is None or (Xs_val, y_val), already imputed and scaled with the training
# statistics; on_epoch(epoch, train_loss, val_loss) reports progress. The pairs are spec.SOLVERS'.
FITTERS = {("linear", s): fit_closed_form for s in closed_form.SOLVERS}

FITTERS.update({("linear", s): fit_linear_iterative for s in loop.SOLVERS})

FITTERS.update({("mlp", s): fit_network for s in loop.SOLVERS})


def preflight_warnings(X_raw: np.ndarray, features: list[str], spec: Spec) -> list[str]:
    """What is worth saying before an iterative fit starts (it may be slow, or diverge)."""
    if loop.is_iterative(spec.solver) and spec.scale == "none":
        return notes.worded([loop.range_spread(X_raw, features)])
    return []


def coefficients(params: dict, features: list[str], intercept: bool) -> dict:
    """Linear coefficients in original units: {'intercept': b or None, feature: w, ...}."""
    coef, bias = scaling.to_original_units(np.asarray(params["weights"]), params["bias"],
                                           np.asarray(params["center"]), np.asarray(params["scale"]))
    return {"intercept": bias if intercept else None, **{f: float(c) for f, c in zip(features, coef)}}
