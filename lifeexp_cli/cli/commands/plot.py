"""`lifeexp plot`: PNG pictures of a saved model (fitted line, loss curve, residuals, loss curves for
several learning rates, the loss landscape with the descent path)."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, ModelOpt, QuietOpt, hidden_alias, old_spellings
from lifeexp_cli.errors import ModelError, UsageError


class Kind(str, Enum):
    fit = "fit"
    loss = "loss"
    residuals = "residuals"
    lr = "lr"
    landscape = "landscape"
    all = "all"


KINDS = ("fit", "loss", "residuals")  # what --kind all draws; lr and landscape train again, so only on request
NEEDS_DATA = ("fit", "residuals", "lr", "landscape")


def why_not(kind: str, record: dict) -> str | None:
    """Why `kind` does not apply to this model (a clause), or None when it does."""
    if kind == "fit" and len(record["features"]) != 1:
        return f"{record['path']} has {len(record['features'])} features, the fit plot needs one"
    if kind == "landscape" and (record["kind"] != "linear" or len(record["features"]) != 1
                                or not record.get("intercept", True)):
        return (f"{record['path']} is not a one-feature linear model with an intercept, the landscape plot "
                "draws the loss over (θ₀, θ₁)")
    if kind == "loss" and not (record.get("training") or {}).get("loss_history"):
        return (f"{record['path']} was fitted with {record.get('solver')}, the loss plot needs an iterative "
                "solver (gd, sgd, momentum, adam)")
    return None


def output_paths(out: str, kinds: list[str], every: bool) -> dict[str, Path]:
    """--out FILE.png for one kind; FILE-fit.png, FILE-loss.png, FILE-residuals.png for --kind all."""
    path = Path(out)
    if path.suffix.lower() != ".png":
        raise UsageError(f"--out {out} must name a .png file, e.g. --out {path.stem or 'plot'}.png")
    if path.is_dir():
        raise UsageError(f"--out {out} is a directory: give a file name such as {out}/plot.png")
    if not every:
        return {kinds[0]: path}
    return {kind: path.with_name(f"{path.stem}-{kind}{path.suffix}") for kind in kinds}


@old_spellings(old_kind=("-k", "kind", "--kind"))  # -k is --folds in every command that cross-validates
def plot(
    out: Annotated[str, typer.Option("--out", "-o", help="PNG file to write (with --kind all, FILE-KIND.png "
                                     "for each kind that applies).", show_default=False)],
    model: ModelOpt = "model",
    data: DataOpt = None,
    kind: Annotated[Kind, typer.Option(
        "--kind", help="fit: data and fitted line (one-feature models); loss: loss per epoch, log scale "
        "(iterative solvers); residuals: predicted vs actual and residuals; lr: the model trained again with "
        "each of --lrs, loss curves overlaid; landscape: loss over (θ₀, θ₁) and the descent path (one-feature "
        "linear models); all: fit, loss and residuals, those that apply.",
        case_sensitive=False)] = Kind.all,
    lrs: Annotated[Optional[str], typer.Option(
        "--lrs", help="Learning rates for --kind lr, comma-separated, e.g. 0.01,0.1,0.5,1.2. Default: 0.1, 1, 5 "
        "and 12 times the model's own (gd's 0.1 for a model fitted exactly).", show_default=False)] = None,
    quiet: QuietOpt = False,
    old_kind: hidden_alias("-k", Kind) = None,
):
    """Draw a saved model as PNG files (matplotlib, headless) and print the paths written.

    fit, residuals, lr and landscape read --data (or $LIFEEXP_DATA); loss needs only the model file. lr and
    landscape train the model's specification again (gradient descent on standardized features for a model
    fitted exactly, which has no learning rate).

    Example:

        lifeexp plot --model tim-bmi --kind fit --out tim-bmi.png

        lifeexp plot --model models/tim-adam.joblib --out tim-adam.png   # tim-adam-loss.png, -residuals.png

        lifeexp plot --model tim-bmi --kind lr --lrs 0.01,0.1,0.5,1.2 --out rates.png

        lifeexp plot --model tim-bmi --kind landscape --out landscape.png
    """
    from lifeexp_cli.model import store

    output_paths(out, list(KINDS), kind is Kind.all)  # a bad --out fails before anything else is said
    rates = learning_rates(lrs)
    if rates is not None and kind is not Kind.lr:
        raise UsageError("--lrs applies to --kind lr only")
    record = store.load(model)
    if kind is Kind.all:
        kinds = [k for k in KINDS if why_not(k, record) is None]
        skipped = [f"No {k} plot: {why_not(k, record)}" for k in KINDS if k not in kinds]
    else:
        reason = why_not(kind.value, record)
        if reason:
            raise UsageError(f"--kind {kind.value} does not apply: {reason}; use --kind residuals or all")
        kinds = [kind.value]
        skipped = []
    paths = output_paths(out, kinds, kind is Kind.all)
    design = load_design(record, data) if any(k in NEEDS_DATA for k in kinds) else None
    for note in skipped:
        render.info(note, quiet)

    from lifeexp_cli.cli import plots  # matplotlib: paid for only when a picture is drawn

    draw = {"fit": fit_picture, "loss": loss_picture, "residuals": residuals_picture,
            "lr": lambda record, design: lr_picture(record, design, rates), "landscape": landscape_picture}
    # Every picture drawn before any is written, and written all or none: no run leaves some of them.
    pictures = {path: plots.png_bytes(draw[name](record, design)) for name, path in paths.items()}
    for written in plots.save_all(pictures):
        render.line(str(written))


def learning_rates(text: str | None) -> list[float] | None:
    if text is None:
        return None
    from lifeexp_cli.data.people import number
    from lifeexp_cli.usecases import plot_data

    return plot_data.check_rates([number(part.strip(), "--lrs") for part in text.split(",") if part.strip()])


def load_design(record: dict, data: str | None):
    from lifeexp_cli.data import dataset

    table = dataset.read_table(data, progress=render.reading_progress())
    return dataset.design_for_model(table, record, "plot it with")


def units_of(record: dict) -> tuple[str, str]:
    from lifeexp_cli.data import catalog

    return catalog.describe(record["features"][0])[1], catalog.describe(record["target"])[1]


def lecture_people(record: dict) -> list[tuple[str, float, float]]:
    """(name, feature value, prediction) of the lecture's Tim and Tom, when they have the model's feature."""
    from lifeexp_cli.data import people
    from lifeexp_cli.model.predict import arrays

    feature, marks = record["features"][0], []
    for name, values in (("Tim", people.TIM), ("Tom", people.TOM)):
        value = people.with_bmi(values, []).get(feature)
        if value is not None:
            marks.append((name, value, float(arrays.predict(record["kind"], record["params"], [[value]])[0])))
    return marks


def fit_picture(record: dict, design):
    import numpy as np

    from lifeexp_cli.cli import plots
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model.predict import arrays

    feature = record["features"][0]
    present = ~np.isnan(design.X[:, 0])
    if not present.any():
        raise ModelError(f"the data has no value of {feature} to plot")
    x, y = design.X[present, 0], design.y[present]
    log_x = plots.wants_log_axis(x)
    grid = (np.geomspace if log_x else np.linspace)(x.min(), x.max(), 200)
    curve = arrays.predict(record["kind"], record["params"], grid[:, None])
    label = render.equation(record) if record.get("coefficients") else f"{record['kind']} model"
    rmse = metrics.rmse(y, arrays.predict(record["kind"], record["params"], x[:, None]))
    return plots.fit_figure(x, y, grid, curve, feature=feature, target=record["target"], units=units_of(record),
                            label=label, log_x=log_x, people=lecture_people(record),
                            title=f"{Path(record['path']).stem}: RMSE {rmse:.3f} on the {len(y)} rows with {feature}")


def lr_picture(record: dict, design, rates: list[float] | None):
    from lifeexp_cli.cli import plots
    from lifeexp_cli.usecases import plot_data

    spec, swapped = plot_data.training_spec(record)
    rates = rates or plot_data.default_rates(spec)
    curves = plot_data.learning_rate_curves(spec, design.X, design.y, record["features"], rates, design.groups)
    how = f"{spec.solver}, {spec.scale} scaling" + (f" (the model was fitted with {record['solver']})"
                                                    if swapped else "")
    return plots.lr_figure(curves, unit=units_of(record)[1],
                           title=f"{Path(record['path']).stem}: loss per epoch for {len(curves)} learning rates α\n"
                                 f"{how}")


def landscape_picture(record: dict, design):
    from lifeexp_cli.cli import plots
    from lifeexp_cli.usecases import plot_data

    view = plot_data.landscape(record, design.X, design.y)
    spec, swapped = plot_data.training_spec(record)
    how = f"{spec.solver} α = {spec.options['lr']:g}, {spec.scale} scaling"
    return plots.landscape_figure(view, feature=record["features"][0], unit=units_of(record)[0],
                                  target_unit=units_of(record)[1],
                                  title=f"{Path(record['path']).stem}: loss over (θ₀, θ₁)\nand the path of {how}")


def loss_picture(record: dict, design):
    from lifeexp_cli.cli import plots

    run = record["training"]
    ending = "converged" if run["converged"] else "not converged"
    title = f"{Path(record['path']).stem}: {record['solver']}, {run['epochs_run']} epochs ({ending})"
    return plots.loss_figure(run["loss_history"], run.get("val_loss_history"), kept_epoch=run.get("kept_epoch"),
                             title=title, unit=units_of(record)[1])


def residuals_picture(record: dict, design):
    from lifeexp_cli.cli import plots
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model.predict import arrays

    yhat = arrays.predict(record["kind"], record["params"], design.X)
    rmse = metrics.rmse(design.y, yhat)
    return plots.residuals_figure(design.y, yhat, target=record["target"], unit=units_of(record)[1],
                                  title=f"{Path(record['path']).stem}: RMSE {rmse:.3f} on {len(design.y)} rows")
