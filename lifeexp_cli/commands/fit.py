"""`lifeexp fit`: fit a model on the data and save it."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from lifeexp_cli import render
from lifeexp_cli.errors import UsageError
from lifeexp_cli.options import (Activation, DataOpt, Format, FormatOpt, QuietOpt, SeedOpt, Split, SplitOpt,
                                 TargetOpt)

TRAINING = "Iterative solvers (gd, sgd, momentum, adam)"
NETWORK = "Neural network (--model mlp)"


class ModelKind(str, Enum):
    linear = "linear"
    mlp = "mlp"


def training_bar(spec, quiet: bool):
    """The progress bar for an iterative fit; nothing for an exact solver."""
    import contextlib

    from lifeexp_cli import iterative

    if not iterative.is_iterative(spec.solver):
        return contextlib.nullcontext(None)
    return render.training_progress(spec.options["epochs"], quiet, bool(spec.options.get("val_size")))


def fit(
    features: Annotated[str, typer.Option(
        "--features", "-F", help="Comma-separated feature names or aliases, or 'all' (see `lifeexp features`).")],
    data: DataOpt = None,
    target: TargetOpt = "life_expectancy",
    model: Annotated[ModelKind, typer.Option(
        "--model", help="linear (θ of a linear model) or mlp (a neural network with hand-written backprop).",
        case_sensitive=False)] = ModelKind.linear,
    solver: Annotated[Optional[str], typer.Option(
        help="lstsq (exact, QR) or normal (the lecture's normal equation); or iterative: gd (full-batch "
             "gradient descent), sgd (mini-batch), momentum (Polyak), adam (Kingma & Ba). "
             "Default: lstsq for linear, adam for mlp (which takes only the iterative ones).",
        show_default=False)] = None,
    scale: Annotated[Optional[str], typer.Option(
        help="none, minmax (normalization) or standard (standardization). Default: standard for gd, sgd, "
             "momentum, adam; none for lstsq, normal.", show_default=False)] = None,
    impute: Annotated[str, typer.Option(help="Missing feature values: mean, median, or drop the row.")] = "mean",
    no_intercept: Annotated[bool, typer.Option("--no-intercept", help="Fit through the origin.")] = False,
    cv: Annotated[Optional[int], typer.Option(help="Also estimate accuracy by K-fold cross-validation.",
                                              show_default=False)] = None,
    test_size: Annotated[Optional[float], typer.Option(
        help="Hold out this share of countries (or rows) and score on them.", show_default=False)] = None,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    name: Annotated[Optional[str], typer.Option(help="Save as models/NAME.joblib.", show_default=False)] = None,
    out: Annotated[Optional[str], typer.Option(help="Save to this path instead.", show_default=False)] = None,
    output: FormatOpt = Format.table,
    quiet: QuietOpt = False,
    lr: Annotated[Optional[float], typer.Option(
        "--lr", help="Learning rate α. Default: 0.1 (gd), 0.003 (sgd), 0.0003 (momentum), 0.005 (adam); "
        "for mlp 0.01 (gd), 0.01 (sgd), 0.001 (momentum), 0.003 (adam).",
        show_default=False, rich_help_panel=TRAINING)] = None,
    epochs: Annotated[Optional[int], typer.Option(
        help="Most passes over the training rows. Default: 1000 (linear), 500 (mlp).", show_default=False,
        rich_help_panel=TRAINING)] = None,
    batch_size: Annotated[Optional[int], typer.Option(
        help="Rows per mini-batch for sgd, momentum, adam (the row count or more means full batch). "
             "Default: 64.", show_default=False, rich_help_panel=TRAINING)] = None,
    tol: Annotated[Optional[float], typer.Option(
        help="An epoch improves when the loss falls below best − tol·max(best, 1). Default: 1e-7 (linear), "
             "1e-4 (mlp).", show_default=False, rich_help_panel=TRAINING)] = None,
    patience: Annotated[Optional[int], typer.Option(
        help="Stop (converged) after this many epochs without improvement. Default: 50 (linear), 20 (mlp).",
        show_default=False, rich_help_panel=TRAINING)] = None,
    beta: Annotated[Optional[float], typer.Option(
        help="Momentum β. Default: 0.9.", show_default=False, rich_help_panel=TRAINING)] = None,
    beta1: Annotated[Optional[float], typer.Option(
        help="Adam β1 (first moment). Default: 0.9.", show_default=False, rich_help_panel=TRAINING)] = None,
    beta2: Annotated[Optional[float], typer.Option(
        help="Adam β2 (second moment). Default: 0.999.", show_default=False, rich_help_panel=TRAINING)] = None,
    eps: Annotated[Optional[float], typer.Option(
        help="Adam ε. Default: 1e-8.", show_default=False, rich_help_panel=TRAINING)] = None,
    init: Annotated[Optional[str], typer.Option(
        help="Initial θ: random (a standard normal draw from --seed) or zeros. Default: random (for mlp: "
             "He/Xavier from --seed, the only choice).",
        show_default=False, rich_help_panel=TRAINING)] = None,
    val_size: Annotated[Optional[float], typer.Option(
        help="Set aside this share of the training countries (rows with --split random) and stop early on "
             "their loss instead of the training loss. Default: none (linear), 0.1 (mlp); 0 turns it off.",
        show_default=False, rich_help_panel=TRAINING)] = None,
    restore_best: Annotated[Optional[bool], typer.Option(
        "--restore-best/--no-restore-best", help="Keep θ from the epoch with the lowest monitored loss, or "
        "from the last epoch. Default: best.", show_default=False, rich_help_panel=TRAINING)] = None,
    hidden: Annotated[Optional[str], typer.Option(
        help="Hidden layer widths, input side first, e.g. 64,32 (none: no hidden layer). Default: 64,32.",
        show_default=False, rich_help_panel=NETWORK)] = None,
    activation: Annotated[Optional[Activation], typer.Option(
        help="Hidden units' activation g in o = g(Σ wⱼxⱼ + b); the output unit is linear. Default: relu.",
        case_sensitive=False, show_default=False, rich_help_panel=NETWORK)] = None,
    weight_decay: Annotated[Optional[float], typer.Option(
        help="L2 penalty λ: the loss is MSE + λ·Σ‖W‖² over the weights (not the biases). Default: 0.03.",
        show_default=False, rich_help_panel=NETWORK)] = None,
):
    """Fit a linear model or a neural network and save it (parameters, scaler and imputation statistics)
    as a joblib file.

    Exact solvers (lstsq, normal) or iterative ones (gd, sgd, momentum, adam), which show a progress bar
    on stderr, store their loss history, and scale features by default.

    --model mlp trains a neural network the same way (standardized inputs,
    ReLU, Adam, early stopping on 10% of the training countries).

    Example:

        lifeexp fit --features bmi --name tim-bmi --cv 5

        lifeexp fit --features gdp,income,schooling --scale standard --test-size 0.2 --format json

        lifeexp fit --features bmi,adult_mortality,hiv --solver adam --lr 0.01 --name tim-adam

        lifeexp fit --model mlp --features all --hidden 64,32 --activation relu --name net --cv 5
    """
    from lifeexp_cli import dataset, fitting, model_file, pipeline

    if name and out:
        raise UsageError("give either --name or --out, not both")
    if cv is not None and test_size is not None:
        raise UsageError("give either --cv (cross-validation) or --test-size (one held-out split), not both")
    training = {"lr": lr, "epochs": epochs, "batch_size": batch_size, "tol": tol, "patience": patience,
                "beta": beta, "beta1": beta1, "beta2": beta2, "eps": eps, "init": init, "val_size": val_size,
                "restore_best": restore_best}
    network_options = {"hidden": hidden, "activation": activation.value if activation else None,
                       "weight_decay": weight_decay}
    spec = fitting.make_spec(model.value, solver, scale=scale, impute=impute, intercept=not no_intercept,
                             training=training, seed=seed, network_options=network_options)
    path = model_file.output_path(name, out)
    table = dataset.read_table(data)
    for note in table.warnings:
        render.warn(note)
    target_name = dataset.resolve_target(table.frame, target)
    names = dataset.resolve_features(table.frame, features, target_name)
    design = dataset.design(table, names, target_name)
    early: list[str] = []

    def warn_now(note: str) -> None:
        early.append(note)
        render.warn(note)

    with training_bar(spec, quiet) as progress:
        record = pipeline.fit_model(design, spec, cv=cv, test_size=test_size, split=split.value, seed=seed,
                                    data_sha256=table.sha256, source=table.source, progress=progress,
                                    warn=warn_now)
    written = model_file.save(record, path)
    for note in record["warnings"]:
        if note not in early:
            render.warn(note)
    show_fit(record, str(written), output.value, quiet)


def fit_document(record: dict, path: str) -> dict:
    rows = record["rows"]
    return {
        "model": path,
        "target": record["target"],
        "features": record["features"],
        "solver": record["solver"],
        "kind": record["kind"],
        "coefficients": record.get("coefficients"),
        "coefficients_scaled": record.get("coefficients_scaled"),
        "metrics": record["metrics"],
        "rows": {"train": rows["train"], "test": rows["test"], "dropped": rows["dropped"],
                 "imputed": rows["imputed"]},
        "condition_number": record["condition_number"],
        "warnings": record["warnings"],
        "network": record.get("network"),
        **training_document(record.get("training")),
    }


def training_document(training: dict | None) -> dict:
    """The iterative run's keys of `fit --format json` (null for an exact solver)."""
    training = training or {}
    return {key: training.get(key) for key in ("epochs_run", "converged", "final_loss", "final_val_loss",
                                               "kept_epoch", "loss_history", "val_loss_history")}


def equation(record: dict) -> str:
    coef = record["coefficients"]
    terms = [f"{render.fmt(coef[f])}·{f}" for f in record["features"]]
    if coef["intercept"] is not None:
        terms.append(render.fmt(coef["intercept"]))
    return f"{record['target']} = " + " + ".join(terms).replace("+ -", "− ")


def show_fit(record: dict, path: str, output: str, quiet: bool) -> None:
    if output == "json":
        render.emit_json(fit_document(record, path))
        return
    if output == "csv":
        render.emit_csv(coefficient_rows(record))
        return
    if "coefficients" in record:
        render.out.print(equation(record), highlight=False)
        render.rows_output(coefficient_rows(record), "table", title="Coefficients")
    render.rows_output(metric_rows(record["metrics"]), "table", title="Metrics")
    rows = record["rows"]
    imputed = ", ".join(f"{f} {n}" for f, n in rows["imputed"].items() if n) or "none"
    render.out.print(f"Rows: {rows['train']} used for training, {rows['test']} held out, {rows['dropped']} dropped "
                     f"({rows['dropped_target']} without a target, {rows['dropped_missing']} with missing features); "
                     f"imputed: {imputed}", highlight=False)
    if record.get("condition_number") is not None:
        render.out.print(f"Condition number of the design: {render.fmt(record['condition_number'])}",
                         highlight=False)
    if record.get("network"):
        show_network(record)
    if record.get("training"):
        show_training(record)
    render.info(f"Saved {path}", quiet)


def show_training(record: dict) -> None:
    run, options = record["training"], record["spec"]["options"]
    if run["converged"]:
        ending = (f"converged: no {run['monitored']} loss gain above --tol {options['tol']:g} for "
                  f"--patience {options['patience']} epochs")
    else:
        ending = f"not converged within --epochs {options['epochs']}"
    kept = "best" if options["restore_best"] else "last"
    val = ""
    if run.get("final_val_loss") is not None:
        val = f", validation loss {render.fmt(run['final_val_loss'])} on {run.get('validation_rows')} set-aside rows"
    render.out.print(f"Training: {record['solver']}, {run['epochs_run']} epochs ({ending}); θ from the {kept} "
                     f"epoch ({run['kept_epoch']}), training loss (MSE) {render.fmt(run['final_loss'])}{val}",
                     highlight=False)
    render.out.print(f"Loss: {render.fmt(run['initial_loss'])} {render.sparkline(run['loss_history'])} "
                     f"{render.fmt(run['loss_history'][-1])} (per epoch, log scale)", highlight=False)


def show_network(record: dict) -> None:
    from lifeexp_cli import network

    facts, options = record["network"], record["spec"]["options"]
    render.out.print(f"Network: {network.architecture(facts)}, {facts['parameters']} parameters, "
                     f"weight decay {render.fmt(options['weight_decay'])}", highlight=False)
    run = record.get("training") or {}
    if run.get("val_loss_history"):
        best = min(run["val_loss_history"])
        epoch = run["val_loss_history"].index(best) + 1
        render.out.print(f"Best validation loss (MSE) {render.fmt(best)} (RMSE {best ** 0.5:.3g} years) at "
                         f"epoch {epoch} of {run['epochs_run']}", highlight=False)


def coefficient_rows(record: dict) -> list[dict]:
    coef = record.get("coefficients") or {}
    scaled = record.get("coefficients_scaled")
    rows = []
    for term in (["intercept"] if record["intercept"] else []) + record["features"]:
        row = {"term": term, "coefficient": coef.get(term)}
        if scaled:
            row["scaled"] = scaled.get(term)
        rows.append(row)
    return rows


def metric_rows(scores: dict) -> list[dict]:
    rows = []
    for where in ("train", "test", "cv"):
        m = scores.get(where)
        if not m:
            continue
        label = {"train": "training rows", "test": "held-out rows", "cv": f"{m.get('k', '')}-fold CV"}[where]
        spread = (lambda key: f" ± {render.fmt(m[key + '_std'], 2)}") if where == "cv" else (lambda key: "")
        rows.append({"on": label, "RMSE": render.fmt(m["rmse"]) + spread("rmse"),
                     "MAE": render.fmt(m["mae"]) + spread("mae"), "R²": render.fmt(m["r2"]) + spread("r2")})
    return rows
