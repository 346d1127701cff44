"""`lifeexp plot`: PNG pictures of a saved model (fitted line, loss curve, residuals, loss curves for
several learning rates, the loss landscape with the descent path)."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import png_path, render
from lifeexp_cli.cli.options import DataOpt, ModelOpt, QuietOpt, hidden_alias, old_spellings


class Kind(str, Enum):
    fit = "fit"
    loss = "loss"
    residuals = "residuals"
    lr = "lr"
    landscape = "landscape"
    all = "all"


def output_paths(out: str, kinds: list[str], every: bool) -> dict[str, Path]:
    """--out FILE.png for one kind; FILE-fit.png, FILE-loss.png, FILE-residuals.png for --kind all."""
    path = Path(out)
    png_path.check(out, "--out", "plot")
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
    from lifeexp_cli.usecases import plot_data

    output_paths(out, list(plot_data.EVERY), kind is Kind.all)  # a bad --out fails before anything else is said
    done = plot_data.plot(model, kind.value, data=data, rates=learning_rates(lrs), read_table=_read_table)
    paths = output_paths(out, list(done.views), kind is Kind.all)
    for name, reason in done.skipped:
        render.info(f"No {name} plot: {reason}", quiet)

    from lifeexp_cli.cli import plots  # matplotlib: paid for only when a picture is drawn

    draw = {"fit": fit_picture, "loss": loss_picture, "residuals": residuals_picture, "lr": lr_picture,
            "landscape": landscape_picture}
    # Every picture drawn before any is written, and written all or none: no run leaves some of them.
    pictures = {path: plots.png_bytes(draw[name](done.record, done.views[name])) for name, path in paths.items()}
    for written in plots.save_all(pictures):
        render.line(str(written))


def learning_rates(text: str | None) -> list[float] | None:
    """--lrs as numbers (checked by the use case), or None."""
    if text is None:
        return None
    from lifeexp_cli.data.people import number

    return [number(part.strip(), "--lrs") for part in text.split(",") if part.strip()]


def _read_table(data: str | None):
    from lifeexp_cli.data import dataset

    return dataset.read_table(data, progress=render.reading_progress())


# Each picture takes the saved model's typed record (model/record.py ModelRecord) and the use case's view.

def units_of(record) -> tuple[str, str]:
    from lifeexp_cli.data import catalog

    return catalog.describe(record.features[0])[1], catalog.describe(record.target)[1]


def fit_picture(record, view):
    from lifeexp_cli.cli import plots

    feature = record.features[0]
    label = render.equation(record) if record.coefficients else f"{record.kind} model"
    return plots.fit_figure(view.x, view.y, view.grid, view.curve, feature=feature, target=record.target,
                            units=units_of(record), label=label, log_x=view.log_x, people=view.people,
                            title=f"{Path(record.path).stem}: RMSE {view.rmse:.3f} on the {len(view.y)} rows "
                                  f"with {feature}")


def lr_picture(record, view):
    from lifeexp_cli.cli import plots

    spec = view.spec
    how = f"{spec.solver}, {spec.scale} scaling" + (f" (the model was fitted with {record.solver})"
                                                    if view.swapped else "")
    return plots.lr_figure(view.curves, unit=units_of(record)[1],
                           title=f"{Path(record.path).stem}: loss per epoch for {len(view.curves)} learning "
                                 f"rates α\n{how}")


def landscape_picture(record, view):
    from lifeexp_cli.cli import plots

    spec = view.spec
    how = f"{spec.solver} α = {spec.options['lr']:g}, {spec.scale} scaling"
    return plots.landscape_figure(view.landscape, feature=record.features[0], unit=units_of(record)[0],
                                  target_unit=units_of(record)[1],
                                  title=f"{Path(record.path).stem}: loss over (θ₀, θ₁)\nand the path of {how}")


def loss_picture(record, view):
    from lifeexp_cli.cli import plots

    run = view.training  # the record's Training
    ending = "converged" if run.converged else "not converged"
    title = f"{Path(record.path).stem}: {record.solver}, {run.epochs_run} epochs ({ending})"
    if record.ensemble:  # the record keeps the first network's history only
        title += f"\nthe first of the ensemble's {record.ensemble.members} networks"
    return plots.loss_figure(run.loss_history, run.val_loss_history, kept_epoch=run.kept_epoch,
                             title=title, unit=units_of(record)[1])


def residuals_picture(record, view):
    from lifeexp_cli.cli import plots

    return plots.residuals_figure(view.y, view.yhat, target=record.target, unit=units_of(record)[1],
                                  title=f"{Path(record.path).stem}: RMSE {view.rmse:.3f} on {len(view.y)} rows")
