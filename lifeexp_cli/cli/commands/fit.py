"""`lifeexp fit`: fit a model on the data and save it."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import inputs, render
from lifeexp_cli.cli.options import (ConnectTimeoutOpt, DataOpt, Engine, EngineOpt, FeaturesOpt, FoldSeedOpt, Format, FormatOpt,
                                     NoHeaderOpt, QuietOpt, SchedulerOpt, SeedOpt, Split, SplitOpt, TargetOpt,
                                     FitFoldsOpt, build_spec, hidden_alias, model_options, old_spellings)

OLD_FOLDS = hidden_alias("--cv", int)


@old_spellings(old_cv=("--cv", "cv", "--folds"))
@model_options(after="target")
def fit(
    features: FeaturesOpt,
    data: DataOpt = None,
    target: TargetOpt = "life_expectancy",
    cv: FitFoldsOpt = None,
    old_cv: OLD_FOLDS = None,
    test_size: Annotated[Optional[float], typer.Option(
        help="Hold out this share of countries (or rows) and score on them.", show_default=False)] = None,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    fold_seed: FoldSeedOpt = None,
    se: Annotated[Optional[str], typer.Option(
        help="Standard errors of a linear model's coefficients: cluster (by country), classical or hc3. "
             "Default: cluster when the data has a country column with several rows per country (rows of one "
             "country share their errors), classical otherwise.", show_default=False)] = None,
    stream: Annotated[Optional[bool], typer.Option(
        "--stream/--no-stream", help="Read the data in chunks with bounded memory (any size; no --folds or "
                                     "--test-size). Default: stream files larger than 64 MiB.",
        show_default=False)] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows per chunk when streaming.")] = 65_536,
    intervals: Annotated[bool, typer.Option(
        "--intervals/--no-intervals", help="Calibrate prediction intervals for predict --level (when the "
                                           "model kind calibrates: see below). --no-intervals skips it: a "
                                           "streamed fit then makes one pass fewer.")] = True,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    connect_timeout: ConnectTimeoutOpt = None,
    name: Annotated[Optional[str], typer.Option(
        help="Save as models/NAME.joblib ($LIFEEXP_MODELS/NAME.joblib when set); never over a shipped model.",
        show_default=False)] = None,
    out: Annotated[Optional[str], typer.Option("--out", "-o", help="Save to this path instead.",
                                               show_default=False)] = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
    model_options: dict = None,
):
    """Fit a linear model or a neural network and save it (parameters, scaler and imputation statistics)
    as a joblib file.

    Exact solvers (lstsq, normal) or iterative ones (gd, sgd, momentum, adam), which show a progress bar
    on stderr, store their loss history, and scale features by default.

    --kind mlp trains a neural network the same way (standardized inputs,
    ReLU, Adam, early stopping on 10% of the training countries).

    Prediction intervals (`predict --level`): fit calibrates them on out-of-fold residuals of folds that
    hold out whole countries (conformal prediction, widths following a model of the error size). A
    linear model by lstsq or normal is calibrated by default (on the --folds K folds when given with --split
    country, else on 5 country folds of its own); an iterative solver (gd, sgd, momentum, adam) or a
    network only with --folds K, whose folds it reuses. Without a country
    column the folds hold out rows; with fewer than 5 countries there is a warning and no intervals.
    A streamed fit (--stream, --engine dask) calibrates the same way in one more pass over the data
    (folds by a hash of the country, from --fold-seed); from stdin, which can be read once, it cannot.
    --no-intervals skips the calibration.

    Example:

        lifeexp fit --features bmi --name my-bmi --folds 5

        lifeexp fit --features gdp,income,schooling --scale standard --test-size 0.2 --format json

        lifeexp fit --features bmi,adult_mortality,hiv --se classical --out /tmp/tim-classical.joblib

        lifeexp fit --features bmi,adult_mortality,hiv --solver adam --lr 0.01 --name tim-adam

        lifeexp fit --kind mlp --features all --hidden 64,32 --activation relu --name net --folds 5

        lifeexp fit --data big.csv --features bmi,adult_mortality,hiv --stream --name tim-big

        lifeexp fit --engine dask --data 'parts/*.parquet' --features bmi,adult_mortality,hiv --name tim-dask
    """
    from lifeexp_cli.usecases import fit as usecase

    spec = build_spec(**model_options, seed=seed)
    done = usecase.fit_source(
        data, features, target, spec, cv=cv, test_size=test_size, split=split.value,
        fold_seed=seed if fold_seed is None else fold_seed, se=se, intervals=intervals, stream=stream,
        chunk_rows=chunk_rows, engine=engine.value, scheduler=scheduler,
        connect_timeout=connect_timeout, name=name, out=out,
        progress_bar=lambda: render.training_bar(spec, quiet), warn=render.warn, read_table=inputs.load_design,
        starting=lambda route: starting(route, scheduler, quiet),
        fitted=lambda route, record: read_line(route, record, quiet), reading=render.reading_progress())
    for note in done.record.warnings:
        if note not in done.shown:
            render.warn(note)
    show_fit(done.record, str(done.path), output.value, quiet, asked=se is not None, header=not no_header,
             default_name=name is None and out is None)


def starting(route: str, scheduler: str | None, quiet: bool) -> None:
    if route == "dask":
        render.info(f"Fitting on Dask ({scheduler or 'a local cluster'})", quiet)


def read_line(route: str, record, quiet: bool) -> None:
    """How a streamed or Dask fit read the data, in one line."""
    if route == "memory":
        return
    done = record.streamed
    passes = f"{done.passes} {'pass' if done.passes == 1 else 'passes'} over the data"
    if route == "stream":
        chunks = f"{done.chunks} chunk{'s' * (done.chunks != 1)} of {done.chunk_rows}"
        render.info(f"Streamed {render.count(record.data.rows, 'row')} in {chunks} ({passes})", quiet)
    else:
        render.info(f"Read {render.count(record.data.rows, 'row')} in {render.count(done.parts, 'part')} "
                    f"({render.count(done.chunks, 'chunk')}, {passes})", quiet)


def fit_document(record, path: str) -> dict:
    """`fit --format json`: the record's facts as plain values (model/record.py `plain_values`)."""
    from lifeexp_cli.model.record import plain_values

    rows = record.rows
    return {
        "model": path,
        "target": record.target,
        "features": list(record.features),
        "solver": record.solver,
        "kind": record.kind,
        "coefficients": plain_values(record.coefficients),
        "coefficients_scaled": plain_values(record.coefficients_scaled),
        "inference": plain_values(record.inference),
        "metrics": plain_values(record.metrics),
        "rows": {"train": rows.train, "test": rows.test, "dropped": rows.dropped,
                 "imputed": plain_values(rows.imputed)},
        "condition_number": record.condition_number,
        "warnings": list(record.warnings),
        "network": plain_values(record.network),
        **training_document(record.training),
        "streamed": plain_values(record.streamed),
        "calibration": calibration_summary(record.calibration),
    }


def calibration_summary(calibration) -> dict | None:
    """How the prediction intervals were calibrated (the record keeps the scores too)."""
    if calibration is None:
        return None
    return {key: getattr(calibration, key) for key in ("method", "folds", "split", "groups", "rows")}


def training_document(training) -> dict:
    """The iterative run's keys of `fit --format json` (null for an exact solver)."""
    from lifeexp_cli.model.record import plain_values

    return {key: plain_values(getattr(training, key, None))
            for key in ("epochs_run", "converged", "final_loss", "final_val_loss", "kept_epoch", "loss_history",
                        "val_loss_history")}


def saved(path: str, quiet: bool, default_name: bool) -> None:
    """Where the model went; under the default name, that `predict` now uses it when no --model is given."""
    if default_name:
        render.info(f"Saved {path}: the default model, which `lifeexp predict` now uses when no --model is given "
                    "(--name NAME or --out FILE saves it elsewhere)", quiet)
    else:
        render.info(f"Saved {path}", quiet)
    shadowing(path)


def shadowing(path: str) -> None:
    """A warning when the model just saved hides a shipped model of its name from `--model NAME` and compare."""
    from pathlib import Path

    from lifeexp_cli.model import store

    name = Path(path).stem
    if store.shadowed(name) is not None and store.resolve(name).resolve() == Path(path).resolve():
        render.warn(f"{path} now shadows the shipped model {name}: `--model {name}` and `lifeexp compare` use "
                    f"yours; save it under another name (--name my-{name}) to keep the shipped one in reach")


def show_fit(record, path: str, output: str, quiet: bool, asked: bool = False, header: bool = True,
             default_name: bool = False) -> None:
    if output == "json":
        render.emit_json(fit_document(record, path))
    elif output == "csv":
        render.emit_csv(coefficient_rows(record), header)
    if output != "table":
        saved(path, quiet, default_name)
        return
    if record.coefficients is not None:
        render.line(render.equation(record))
        render.rows_output(coefficient_table(record), "table", title="Coefficients")
        if record.inference:
            render.out.print(se_line(record.inference, asked, record.data.source == "-"), highlight=False)
    render.rows_output(metric_rows(record.metrics), "table", title="Metrics")
    if (why := missing_mae(record)) is not None:
        render.line(why)
    rows = record.rows
    imputed = ", ".join(f"{f} {n}" for f, n in rows.imputed.items() if n) or "none"
    render.line(f"Rows: {rows.train} used for training, {rows.test} held out, {rows.dropped} dropped "
                f"({rows.dropped_target} without a target, {rows.dropped_missing} with missing features); "
                f"imputed: {imputed}")
    if record.condition_number is not None:
        render.out.print(f"Condition number of the design: {render.fmt(record.condition_number)}",
                         highlight=False)
    calibration = record.calibration
    if calibration is not None:
        units = {"country": "countries", "random": "random row groups", "rows": "rows"}[calibration.split]
        render.out.print(f"Prediction intervals: calibrated on {calibration.rows} out-of-fold residuals of "
                         f"{calibration.folds} folds ({calibration.groups} {units}, held out whole)",
                         highlight=False)
    else:
        hint = "; add --folds 5 to calibrate them on its folds" if record.training and not record.metrics.cv else ""
        render.out.print(f"Prediction intervals: none stored (predict gives point predictions){hint}",
                         highlight=False)
    if record.network:
        show_network(record)
    if record.training:
        show_training(record)
    saved(path, quiet, default_name)


def show_training(record) -> None:
    run, options = record.training, record.spec.options  # options: the training options by name
    if run.converged:
        ending = (f"converged: no {run.monitored} loss gain above --tol {options['tol']:g} for "
                  f"--patience {options['patience']} epochs")
    else:
        ending = f"not converged within --epochs {options['epochs']}"
    kept = "best" if options["restore_best"] else "last"
    val = ""
    if run.final_val_loss is not None:
        val = f", validation loss {render.fmt(run.final_val_loss)} on {run.validation_rows} set-aside rows"
    render.out.print(f"Training: {record.solver}, {run.epochs_run} epochs ({ending}); θ from the {kept} "
                     f"epoch ({run.kept_epoch}), training loss (MSE) {render.fmt(run.final_loss)}{val}",
                     highlight=False)
    # The curve starts at epoch 0, the initial loss printed at its left, so its heights are read against it.
    render.out.print(f"Loss: {render.fmt(run.initial_loss)} {render.sparkline([run.initial_loss, *run.loss_history])} "
                     f"{render.fmt(run.loss_history[-1])} (epochs 0 to {len(run.loss_history)}, log scale)",
                     highlight=False)


def show_network(record) -> None:
    from lifeexp_cli.nn import regressor

    facts, options = record.network, record.spec.options
    render.out.print(f"Network: {regressor.architecture(facts.as_mapping())}, {facts.parameters} parameters, "
                     f"weight decay {render.fmt(options['weight_decay'])}", highlight=False)
    members = record.ensemble
    if members:
        render.out.print(f"Ensemble: {members.members} networks from different initial weights (seeds drawn "
                         f"from --seed), predictions averaged; epochs run {', '.join(map(str, members.epochs_run))}; "
                         "the numbers below are the first network's", highlight=False)
    run = record.training
    if run and run.val_loss_history:
        best = min(run.val_loss_history)
        epoch = run.val_loss_history.index(best) + 1
        render.out.print(f"Best validation loss (MSE) {render.fmt(best)} (RMSE {render.in_unit(f'{best ** 0.5:.3g}', record.target)}) at "
                         f"epoch {epoch} of {run.epochs_run}", highlight=False)


def coefficient_rows(record) -> list[dict]:
    """Per term: the coefficient (original units), scaled, and its inference (raw numbers, for CSV)."""
    coef = record.coefficients or {}
    scaled = record.coefficients_scaled
    inferred = record.inference.coefficients if record.inference else {}  # term -> its statistics
    rows = []
    for term in record.terms:
        row = {"term": term, "coefficient": coef.get(term)}
        if scaled:
            row["scaled"] = scaled.get(term)
        if inferred:
            row.update({key: inferred[term][key] for key in ("se", "t", "p", "ci_low", "ci_high")})
        rows.append(row)
    return rows


def coefficient_table(record) -> list[dict]:
    """coefficient_rows for the table: the interval as one column, p-values readable."""
    level = record.inference.level if record.inference else 0.95
    rows = []
    for row in coefficient_rows(record):
        shown = {k: v for k, v in row.items() if k not in ("ci_low", "ci_high")}
        if "se" in row:
            shown["p"] = p_text(row["p"])
            shown["se"] = render.fmt(row["se"], 3)
            shown[f"{level:.0%} CI"] = f"[{render.fmt(row['ci_low'], 3)}, {render.fmt(row['ci_high'], 3)}]"
        rows.append(shown)
    return rows


def p_text(p) -> str:
    return "—" if p is None else ("<1e-16" if p < 1e-16 else render.fmt(p, 2))


def se_line(inference, asked: bool, from_stdin: bool = False) -> str:
    """One line: which standard errors the table shows, and why (from_stdin: the data was read once)."""
    kind = inference.se_type
    if kind == "cluster":
        what = (f"clustered by country ({inference.clusters} countries; t with {inference.clusters - 1} "
                "degrees of freedom)")
        why = "as --se asked" if asked else ("rows of one country share their errors, so classical SEs would be "
                                             "too small; --se classical or hc3 for others")
    elif kind == "hc3":
        what, why = "HC3 (robust to unequal error variance, not to errors shared within a country)", "as --se asked"
    else:
        what = "classical (independent errors of equal variance)"
        why = "as --se asked" if asked else ("the data came from stdin, read once: clustered SEs would take a "
                                             "second pass" if from_stdin else
                                             "the data has no country column with repeated rows to cluster by")
    return f"Standard errors: {what}: {why}"


def missing_mae(record) -> str | None:
    """Why a streamed fit's Metrics table has no training MAE, in one line (None when it has one): the MAE
    needs every residual at the solution, which only the pass of clustered or HC3 standard errors computes."""
    train = record.metrics.train
    if record.streamed is None or train is None or train.mae is not None:
        return None
    if record.data.source == "-":
        return ("MAE not computed: data from stdin is read once, and the MAE needs a second pass over it "
                "(--data FILE computes it)")
    return ("MAE not computed: with --se classical a streamed fit computes no residuals at the solution "
            "(--se cluster or hc3 does)")


def metric_rows(scores) -> list[dict]:
    """The Metrics part as table rows: training rows, held-out rows, cross-validation."""
    rows = []
    for where in ("train", "test", "cv"):
        m = getattr(scores, where)
        if not m:
            continue
        label = {"train": "training rows", "test": "held-out rows", "cv": f"{getattr(m, 'k', '')}-fold CV"}[where]
        spread = (lambda key: f" ± {render.fmt(getattr(m, key + '_std'), 2)}") if where == "cv" else (lambda key: "")
        rows.append({"on": label, "RMSE": render.fmt(m.rmse) + spread("rmse"),
                     "MAE": render.fmt(m.mae) + spread("mae"), "R²": render.fmt(m.r2) + spread("r2")})
    return rows
