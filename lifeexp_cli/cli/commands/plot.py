"""`lifeexp plot`: PNG pictures of a saved model (fitted line, loss curve, residuals)."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, ModelOpt, QuietOpt
from lifeexp_cli.errors import ModelError, UsageError


class Kind(str, Enum):
    fit = "fit"
    loss = "loss"
    residuals = "residuals"
    all = "all"


KINDS = ("fit", "loss", "residuals")
NEEDS_DATA = ("fit", "residuals")


def why_not(kind: str, record: dict) -> str | None:
    """Why `kind` does not apply to this model (a clause), or None when it does."""
    if kind == "fit" and len(record["features"]) != 1:
        return f"{record['path']} has {len(record['features'])} features, the fit plot needs one"
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


def plot(
    out: Annotated[str, typer.Option("--out", "-o", help="PNG file to write (with --kind all, FILE-KIND.png "
                                     "for each kind that applies).", show_default=False)],
    model: ModelOpt = "model",
    data: DataOpt = None,
    kind: Annotated[Kind, typer.Option(
        "--kind", "-k", help="fit: data and fitted line (one-feature models); loss: loss per epoch, log scale "
        "(iterative solvers); residuals: predicted vs actual and residuals; all: every kind that applies.",
        case_sensitive=False)] = Kind.all,
    quiet: QuietOpt = False,
):
    """Draw a saved model as PNG files (matplotlib, headless) and print the paths written.

    fit and residuals read --data (or $LIFEEXP_DATA); loss needs only the model file.

    Example:

        lifeexp plot --model tim-bmi --kind fit --out tim-bmi.png

        lifeexp plot --model models/tim-adam.joblib --out tim-adam.png   # tim-adam-loss.png, -residuals.png
    """
    from lifeexp_cli.model import store

    output_paths(out, list(KINDS), kind is Kind.all)  # a bad --out fails before anything else is said
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

    draw = {"fit": fit_picture, "loss": loss_picture, "residuals": residuals_picture}
    # Every picture drawn before any is written, and written all or none: no run leaves some of them.
    pictures = {path: plots.png_bytes(draw[name](record, design)) for name, path in paths.items()}
    for written in plots.save_all(pictures):
        render.line(str(written))


def load_design(record: dict, data: str | None):
    from lifeexp_cli.data import dataset

    return dataset.design_for_model(dataset.read_table(data), record, "plot it with")


def fit_picture(record: dict, design):
    import numpy as np

    from lifeexp_cli.cli import plots
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model import fitting

    x, y = design.X[:, 0], design.y
    present = ~np.isnan(x)
    if not present.any():
        raise ModelError(f"the data has no value of {record['features'][0]} to plot")
    grid = np.linspace(x[present].min(), x[present].max(), 200)
    curve = fitting.predict(record["kind"], record["params"], grid[:, None])
    label = render.equation(record) if record.get("coefficients") else f"{record['kind']} model"
    rmse = metrics.rmse(y, fitting.predict(record["kind"], record["params"], design.X))
    return plots.fit_figure(x[present], y[present], grid, curve, feature=record["features"][0],
                            target=record["target"], label=label,
                            title=f"{Path(record['path']).stem}: RMSE {rmse:.3f} on {len(y)} rows")


def loss_picture(record: dict, design):
    from lifeexp_cli.cli import plots

    run = record["training"]
    ending = "converged" if run["converged"] else "not converged"
    title = f"{Path(record['path']).stem}: {record['solver']}, {run['epochs_run']} epochs ({ending})"
    return plots.loss_figure(run["loss_history"], run.get("val_loss_history"), kept_epoch=run.get("kept_epoch"),
                             title=title)


def residuals_picture(record: dict, design):
    from lifeexp_cli.cli import plots
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model import fitting

    yhat = fitting.predict(record["kind"], record["params"], design.X)
    rmse = metrics.rmse(design.y, yhat)
    return plots.residuals_figure(design.y, yhat, target=record["target"],
                                  title=f"{Path(record['path']).stem}: RMSE {rmse:.3f} on {len(design.y)} rows")
