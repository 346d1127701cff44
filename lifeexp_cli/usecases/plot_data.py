"""What `plot` draws, computed (numpy; the pictures are cli/plots.py's).

- `plot`: a saved model's plots of the kinds asked for, each as the numbers its picture shows (`FitView`,
  `LossView`, `ResidualsView`, `RatesView`, `LandscapeView`), and the kinds of `all` that do not apply
  with the reason (`why_not`).
- `learning_rate_curves`: the model's specification trained again with several learning rates, each
  run's training loss per epoch; a run that diverges keeps its losses up to the epoch it diverged at.
- `landscape`: for a one-feature linear model, the loss J(θ₀, θ₁) = mean (θ₀ + θ₁x − y)² on a grid, in the
  model's own coordinates (x scaled as the model scales it), and the path θ took while training.

A model fitted by an exact solver (lstsq, normal) has no learning rate: it is retrained with full-batch
gradient descent on standardized features (the iterative default), and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from lifeexp_cli.errors import DivergenceError, ModelError, ParameterError
from lifeexp_cli.linear import loss
from lifeexp_cli.model.fit.in_memory import fit_arrays
from lifeexp_cli.model.fit.prepared import preprocess, with_intercept
from lifeexp_cli.model.record import ModelRecord, Training
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


def training_spec(record: ModelRecord) -> tuple[Spec, bool]:
    """The record's spec when its solver is iterative, else full-batch gd with standard scaling; and
    whether it was swapped so."""
    spec = from_record(record.spec.as_mapping())
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


def landscape(record: ModelRecord, X_raw: np.ndarray, y: np.ndarray, points: int = 120) -> Landscape:
    """The loss surface of a one-feature linear model around the path its training takes."""
    if not one_feature_line(record):
        raise ModelError(f"{record.path or 'the model'} is not a one-feature linear model with an "
                         "intercept: the landscape is drawn over (θ₀, θ₁)")
    spec, _ = training_spec(record)
    prepared = preprocess(X_raw, y, list(record.features), spec)
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


# --- a saved model's plots ----------------------------------------------------------------------------------

KINDS = ("fit", "loss", "residuals", "lr", "landscape")
EVERY = ("fit", "loss", "residuals")  # what kind "all" draws; lr and landscape train again, so only on request
NEEDS_DATA = ("fit", "residuals", "lr", "landscape")


@dataclass(frozen=True)
class FitView:
    """The rows with the model's one feature (x, y), the model's prediction `curve` over `grid` (log-spaced
    when `log_x`), its RMSE on those rows, and the lecture's people [(name, x, prediction)] who have it."""

    x: np.ndarray
    y: np.ndarray
    grid: np.ndarray
    curve: np.ndarray
    log_x: bool
    rmse: float
    people: list


@dataclass(frozen=True)
class LossView:
    """The training run the model record keeps (`record.training`): loss per epoch and how it ended."""

    training: Training


@dataclass(frozen=True)
class ResidualsView:
    """Actual and predicted values of every row of the data, and the RMSE."""

    y: np.ndarray
    yhat: np.ndarray
    rmse: float


@dataclass(frozen=True)
class RatesView:
    """The specification trained (`spec`; `swapped` when the model's exact solver was replaced by gd) and
    one loss curve per learning rate."""

    spec: Spec
    swapped: bool
    curves: list[Curve]


@dataclass(frozen=True)
class LandscapeView:
    """The loss surface and descent path, and the specification whose path it is."""

    spec: Spec
    landscape: Landscape


@dataclass(frozen=True)
class Plots:
    """A saved model (`record`) and the views drawn, by kind in drawing order; `skipped`: the kinds of
    "all" that do not apply to this model [(kind, reason)]."""

    record: ModelRecord
    views: dict
    skipped: list


def one_feature_line(record: ModelRecord) -> bool:
    """Whether the model is a linear one of one feature with an intercept: a loss over (θ₀, θ₁)."""
    return record.is_linear and len(record.features) == 1 and record.intercept


def why_not(kind: str, record: ModelRecord) -> str | None:
    """Why `kind` does not apply to this model (a clause naming the model file), or None when it does."""
    if kind == "fit" and len(record.features) != 1:
        return f"{record.path} has {len(record.features)} features, the fit plot needs one"
    if kind == "landscape" and not one_feature_line(record):
        return (f"{record.path} is not a one-feature linear model with an intercept, the landscape plot "
                "draws the loss over (θ₀, θ₁)")
    if kind == "loss" and not (record.training and record.training.loss_history):
        return (f"{record.path} was fitted with {record.solver}, the loss plot needs an iterative "
                "solver (gd, sgd, momentum, adam)")
    return None


def plot(model: str, kind: str = "all", *, data: str | None = None, rates: list[float] | None = None,
         read_table: Callable | None = None) -> Plots:
    """The views of saved model `model` (a name or path) for `kind` (one of KINDS, or "all": those of EVERY
    that apply). fit, residuals, lr and landscape read `data` (read_table(data) -> Table, default
    dataset.read_table); lr trains the model's specification again once per rate of `rates` (default: 0.1,
    1, 5 and 12 times its own learning rate). A kind asked for by name that does not apply, or rates with a
    kind other than lr, is a ParameterError."""
    from lifeexp_cli.model import store

    if kind not in (*KINDS, "all"):
        raise ParameterError(f"{{kind}} must be one of {', '.join(KINDS)} or all, got {{value!r}}", "kind", kind)
    rates = None if rates is None else check_rates(rates)
    if rates is not None and kind != "lr":
        raise ParameterError("{lrs} applies to {kind} lr only", "lrs", rates)
    record = store.load_record(model)
    if kind == "all":
        kinds = [k for k in EVERY if why_not(k, record) is None]
        skipped = [(k, why_not(k, record)) for k in EVERY if k not in kinds]
    else:
        reason = why_not(kind, record)
        if reason:
            raise ParameterError(f"{{kind}} {kind} does not apply: {_literal(reason)}; use {{kind}} residuals "
                                 "or all", "kind", kind)
        kinds, skipped = [kind], []
    design = _design(record, data, read_table) if any(k in NEEDS_DATA for k in kinds) else None
    views = {k: _VIEWS[k](record, design, rates) for k in kinds}
    return Plots(record, views, skipped)


def _literal(text: str) -> str:
    """Text placed in an error's template as it is (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def _design(record: ModelRecord, data: str | None, read_table: Callable | None):
    from lifeexp_cli.data import dataset

    table = (read_table or dataset.read_table)(data)
    return dataset.design_for_model(table, record.as_mapping(), "plot it with")  # data/ takes plain values


def log_axis(x: np.ndarray) -> bool:
    """A log axis for positive values spanning three decades or more (GDP per capita: 1.7 to 119 172 USD)."""
    return bool(len(x)) and float(x.min()) > 0 and float(x.max()) / float(x.min()) >= 1e3


def lecture_people(record: ModelRecord) -> list[tuple[str, float, float]]:
    """(name, feature value, prediction) of the lecture's Tim and Tom, when they have the model's feature."""
    from lifeexp_cli.data import people
    from lifeexp_cli.model.predict import arrays

    feature, marks = record.features[0], []
    for name, values in (("Tim", people.TIM), ("Tom", people.TOM)):
        value = people.with_bmi(values, []).get(feature)
        if value is not None:
            marks.append((name, value, float(arrays.predict_record(record, np.array([[value]]))[0])))
    return marks


def fit_view(record: ModelRecord, design, rates=None) -> FitView:
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model.predict import arrays

    feature = record.features[0]
    present = ~np.isnan(design.X[:, 0])
    if not present.any():
        raise ModelError(f"the data has no value of {feature} to plot")
    x, y = design.X[present, 0], design.y[present]
    log_x = log_axis(x)
    grid = (np.geomspace if log_x else np.linspace)(x.min(), x.max(), 200)
    curve = arrays.predict_record(record, grid[:, None])
    rmse = metrics.rmse(y, arrays.predict_record(record, x[:, None]))
    return FitView(x, y, grid, curve, log_x, rmse, lecture_people(record))


def loss_view(record: ModelRecord, design=None, rates=None) -> LossView:
    return LossView(record.training)


def residuals_view(record: ModelRecord, design, rates=None) -> ResidualsView:
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model.predict import arrays

    yhat = arrays.predict_record(record, design.X)
    return ResidualsView(design.y, yhat, metrics.rmse(design.y, yhat))


def rates_view(record: ModelRecord, design, rates: list[float] | None) -> RatesView:
    spec, swapped = training_spec(record)
    rates = rates or default_rates(spec)
    curves = learning_rate_curves(spec, design.X, design.y, list(record.features), rates, design.groups)
    return RatesView(spec, swapped, curves)


def landscape_view(record: ModelRecord, design, rates=None) -> LandscapeView:
    view = landscape(record, design.X, design.y)
    return LandscapeView(training_spec(record)[0], view)


_VIEWS = {"fit": fit_view, "loss": loss_view, "residuals": residuals_view, "lr": rates_view,
          "landscape": landscape_view}
