"""What `plot --kind lr` and `plot --kind landscape` draw, computed (numpy; the pictures are cli/plots.py's).

- `learning_rate_curves`: the model's specification trained again with several learning rates, each
  run's training loss per epoch; a run that diverges keeps its losses up to the epoch it diverged at.
- `landscape`: for a one-feature linear model, the loss J(θ₀, θ₁) = mean (θ₀ + θ₁x − y)² on a grid, in the
  model's own coordinates (x scaled as the model scales it), and the path θ took while training.

A model fitted by an exact solver (lstsq, normal) has no learning rate: it is retrained with full-batch
gradient descent on standardized features (the iterative default), and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lifeexp_cli.errors import DivergenceError, ModelError, ParameterError
from lifeexp_cli.linear import loss
from lifeexp_cli.model.fit.in_memory import fit_arrays
from lifeexp_cli.model.fit.prepared import preprocess, with_intercept
from lifeexp_cli.model.spec import Spec, from_record, make_spec
from lifeexp_cli.optim import loop

LR_FACTORS = (0.1, 1.0, 5.0, 12.0)  # default learning rates: these multiples of the spec's own
MAX_RATES = 12


@dataclass(frozen=True)
class Curve:
    lr: float
    history: list[float]  # training loss after each epoch run (up to divergence)
    diverged_at: int | None  # the epoch whose loss blew up, or None
    converged: bool


@dataclass(frozen=True)
class Landscape:
    theta0: np.ndarray  # grid values of θ₀ (intercept), shape (a,)
    theta1: np.ndarray  # grid values of θ₁, shape (b,)
    loss: np.ndarray  # J on the grid, shape (b, a): rows follow θ₁, columns θ₀
    path: np.ndarray  # θ before each optimizer step, the initial θ first, shape (steps, 2)
    minimum: tuple[float, float]  # the least-squares θ in the same coordinates
    scaled: bool  # True when θ₁ multiplies the standardized (or min-max scaled) feature


def training_spec(record: dict) -> tuple[Spec, bool]:
    """The record's spec when its solver is iterative, else full-batch gd with standard scaling; and
    whether it was swapped so."""
    spec = from_record(record["spec"])
    if loop.is_iterative(spec.solver):
        return spec, False
    return make_spec(spec.kind, "gd", impute=spec.impute, intercept=spec.intercept), True


def default_rates(spec: Spec) -> list[float]:
    return [float(f"{spec.options['lr'] * factor:.6g}") for factor in LR_FACTORS]


def check_rates(rates: list[float]) -> list[float]:
    if not rates or len(rates) > MAX_RATES:
        raise ParameterError(f"{{lrs}} takes 1 to {MAX_RATES} learning rates, got {{value}}", "lrs", rates)
    for rate in rates:
        if not (np.isfinite(rate) and rate > 0):
            raise ParameterError("{lrs} must be positive numbers, got {value}", "lrs", rate)
    return sorted(set(rates))


def learning_rate_curves(spec: Spec, X_raw: np.ndarray, y: np.ndarray, features: list[str],
                         rates: list[float], groups: np.ndarray | None = None) -> list[Curve]:
    """Train `spec` once per learning rate (same seed, same initial θ, same batches) and keep each loss
    history, a diverged run's included up to its divergence."""
    curves = []
    for rate in check_rates(rates):
        history: list[float] = []
        run = replace(spec, options={**spec.options, "lr": float(rate)})
        try:
            fitted = fit_arrays(X_raw, y, features, run, groups=groups,
                                 on_epoch=lambda epoch, train, val: history.append(train))
        except DivergenceError:
            curves.append(Curve(float(rate), history, len(history) + 1, False))
            continue
        curves.append(Curve(float(rate), history, None, bool(fitted.extra["training"]["converged"])))
    return curves


def loss_grid(x: np.ndarray, y: np.ndarray, theta0: np.ndarray, theta1: np.ndarray) -> np.ndarray:
    """J(θ₀, θ₁) = mean (θ₀ + θ₁x − y)² for every pair, from the sums of x, y, x², xy, y² (exact: J is a
    quadratic in θ). Shape (len(theta1), len(theta0))."""
    a, b = np.meshgrid(theta0, theta1)
    mx, my, mxx, mxy, myy = x.mean(), y.mean(), (x * x).mean(), (x * y).mean(), (y * y).mean()
    return a * a + 2 * a * b * mx + b * b * mxx - 2 * a * my - 2 * b * mxy + myy


def landscape(record: dict, X_raw: np.ndarray, y: np.ndarray, points: int = 120) -> Landscape:
    """The loss surface of a one-feature linear model around the path its training takes."""
    if record["kind"] != "linear" or len(record["features"]) != 1 or not record.get("intercept", True):
        raise ModelError(f"{record.get('path', 'the model')} is not a one-feature linear model with an "
                         "intercept: the landscape is drawn over (θ₀, θ₁)")
    spec, _ = training_spec(record)
    prepared = preprocess(X_raw, y, record["features"], spec)
    design = with_intercept(prepared.Xs, True)
    steps: list[np.ndarray] = []

    def recording(params, Xb, yb):
        steps.append(params[0].copy())
        return loss.linear_loss_and_grad(params, Xb, yb)

    options = spec.options
    theta = np.zeros(2) if options["init"] == "zeros" else loop.init_rng(options["seed"]).normal(size=2)
    try:
        loop.train([theta], recording, loss.linear_loss, design, prepared.y, spec.solver, options)
    except DivergenceError:
        pass  # the path up to the step that blew up is still the picture
    path = np.array(steps)
    best, *_ = np.linalg.lstsq(design, prepared.y, rcond=None)
    low = np.minimum(path.min(axis=0), best)
    high = np.maximum(path.max(axis=0), best)
    span = np.maximum(high - low, 1e-6)
    low, high = low - 0.15 * span, high + 0.15 * span
    theta0 = np.linspace(low[0], high[0], points)
    theta1 = np.linspace(low[1], high[1], points)
    x = prepared.Xs[:, 0]
    return Landscape(theta0, theta1, loss_grid(x, prepared.y, theta0, theta1), path,
                     (float(best[0]), float(best[1])), spec.scale != "none")
