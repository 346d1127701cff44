"""`lifeexp select`: greedy forward feature selection by country-grouped cross-validated RMSE."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import inputs, render
from lifeexp_cli.cli.options import (ActivationOpt, BatchSizeOpt, Beta1Opt, Beta2Opt, BetaOpt, DataOpt, EpochsOpt,
                                     EpsOpt, FoldsOpt, Format, FormatOpt, HiddenOpt, ImputeOpt, InitOpt, LrOpt,
                                     ModelKind, ModelKindOpt, MomentumFormOpt, NoHeaderOpt,
                                     NoInterceptOpt, PatienceOpt, QuietOpt, RestoreBestOpt,
                                     ScaleOpt, SeedOpt, SolverOpt, Split, SplitOpt, TargetOpt, TolOpt, ValSizeOpt,
                                     WeightDecayOpt, EnsembleOpt, FoldSeedOpt, LogSkewedOpt,
                                     build_spec)
from lifeexp_cli.errors import UsageError


def select(
    data: DataOpt = None,
    target: TargetOpt = "life_expectancy",
    candidates: Annotated[str, typer.Option(
        "--candidates", "-F", help="Comma-separated features to choose from (names or aliases), or 'all'.")] = "all",
    max_features: Annotated[Optional[int], typer.Option(
        "--max-features", "-K", help="Stop after this many features. Default: when no candidate lowers "
                                     "the CV RMSE any more.", show_default=False)] = None,
    folds: FoldsOpt = 5,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    fold_seed: FoldSeedOpt = None,
    model: ModelKindOpt = ModelKind.linear,
    solver: SolverOpt = None,
    scale: ScaleOpt = None,
    impute: ImputeOpt = "mean",
    no_intercept: NoInterceptOpt = False,
    lr: LrOpt = None,
    epochs: EpochsOpt = None,
    batch_size: BatchSizeOpt = None,
    tol: TolOpt = None,
    patience: PatienceOpt = None,
    beta: BetaOpt = None,
    momentum_form: MomentumFormOpt = None,
    beta1: Beta1Opt = None,
    beta2: Beta2Opt = None,
    eps: EpsOpt = None,
    init: InitOpt = None,
    val_size: ValSizeOpt = None,
    restore_best: RestoreBestOpt = None,
    hidden: HiddenOpt = None,
    activation: ActivationOpt = None,
    weight_decay: WeightDecayOpt = None,
    ensemble: EnsembleOpt = None,
    log_skewed: LogSkewedOpt = None,
    fit_name: Annotated[Optional[str], typer.Option(
        "--fit", help="Fit the chosen set on all rows and save it as models/NAME.joblib.", show_default=False)]
    = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
):
    """Greedy forward feature selection by country-grouped cross-validated RMSE, step by step.

    At each step add the candidate that lowers the CV RMSE most (the same folds for every candidate, whole
    countries per fold), and print the path. A candidate that nearly duplicates a chosen feature
    (|r| > 0.95) is taken only if its gain beats the spread of that gain over the folds.

    Example:

        lifeexp select --max-features 3

        lifeexp select --candidates bmi,gdp,hiv,schooling,income,adult_mortality --fit best --format json
    """
    from lifeexp_cli.data import dataset
    from lifeexp_cli.evaluate import correlation, selection
    from lifeexp_cli.model import store
    from lifeexp_cli.model.fit import scoring
    from lifeexp_cli.model.fit.design import fit_design
    from lifeexp_cli.prep import splits

    spec = build_spec(model=model, solver=solver, scale=scale, impute=impute, no_intercept=no_intercept, lr=lr,
                      epochs=epochs, batch_size=batch_size, tol=tol, patience=patience, beta=beta,
                      momentum_form=momentum_form, beta1=beta1,
                      beta2=beta2, eps=eps, init=init, val_size=val_size, restore_best=restore_best,
                      hidden=hidden, activation=activation, weight_decay=weight_decay, ensemble=ensemble,
                      log_skewed=log_skewed, seed=seed)

    if max_features is not None and max_features < 1:
        raise UsageError(f"--max-features must be at least 1, got {max_features}")
    path = None
    if fit_name is not None:  # refused here, before any work
        path = store.output_path(fit_name, None, inputs=[dataset.locate(data)], name_flag="--fit")
        if spec.kind == "mlp":  # too big even on one feature: refused before the search, not after it
            store.check_network_size(spec.options["hidden"], 1)
    table, design = inputs.load_design(data, candidates, target)
    target_name, names = design.target, design.features
    selection.check_candidates(names)  # before the correlation matrix and the search, both quadratic
    fold_seed = seed if fold_seed is None else fold_seed
    held_out = splits.kfold(design.groups, folds, split.value, fold_seed)
    r, _ = correlation.matrix(design.X)
    pairs = correlation.collinear_pairs(r, names)
    if pairs:
        listed = "; ".join(f"{a} ~ {b} (r = {v:+.3f})" for a, b, v in pairs)
        render.warn(f"near-duplicate candidates: {listed}. The second of a pair is added only when its gain "
                    "beats the spread of that gain over the folds")
    tried = {"sets": 0, "steps": 0}

    def count():
        tried["sets"] += 1

    def progress(step: dict):
        tried["steps"] += 1
        render.info(f"step {tried['steps']}: + {step['feature']} -> CV RMSE {step['cv_rmse']:.3f}", quiet)

    score = scoring.subset_scorer(design, spec, held_out, count, design.groups if split is Split.country else None)
    result = selection.forward_select(score, names, max_features, selection.twins_of(pairs), on_step=progress)
    document = {
        "target": target_name, "features": result["features"],
        "cv_rmse": result["path"][-1]["cv_rmse"], "cv_rmse_std": result["path"][-1]["cv_rmse_std"],
        "fold_rmse": result["fold_rmse"], "path": result["path"], "skipped": result["skipped"],
        "stopped": result["stopped"], "candidates": names,
        "collinear_pairs": [{"a": a, "b": b, "r": v} for a, b, v in pairs],
        "k": folds, "split": split.value, "seed": fold_seed, "spec": spec.describe(), "models_fitted": tried["sets"] * folds,
        "model": None,
    }
    if path is not None:
        final = dataset.with_features(design, result["features"])
        record = fit_design(final, spec, cv=folds, split=split.value, seed=fold_seed,
                           data_sha256=table.sha256, source=table.source)
        document["model"] = str(store.save(record, path))
        for note in record["warnings"]:
            render.warn(note)
    show(document, output.value, render.spec_text(spec), quiet, not no_header)


def gain_text(step: dict) -> str:
    if step["gain"] is None:
        return "—"
    text = f"{render.fmt(step['gain'], 3)} ± {render.fmt(step['gain_spread'], 2)}"
    return text if step["clear"] else render.Styled(f"{text} [dim](within the spread)[/dim]")


def show(document: dict, output: str, spec_text: str, quiet: bool, header: bool = True) -> None:
    if output == "json":
        render.emit_json(document)
        return
    if output == "csv":
        render.emit_csv([{"step": i + 1, **step} for i, step in enumerate(document["path"])], header)
        return
    by = "countries" if document["split"] == "country" else "rows"
    render.table(f"Forward selection by {document['k']}-fold CV RMSE (folds by {by}; {spec_text})",
                 ["step", "feature added", "CV RMSE", "gain (paired over folds)"],
                 [[i + 1, step["feature"], f"{render.fmt(step['cv_rmse'])} ± {render.fmt(step['cv_rmse_std'], 2)}",
                   gain_text(step)] for i, step in enumerate(document["path"])])
    if document["skipped"]:
        render.table("Near-duplicates passed over (gain not larger than its spread over folds)",
                     ["step", "feature", "twin of", "r", "gain"],
                     [[s["step"], s["feature"], s["twin"], f"{s['r']:+.3f}",
                       f"{render.fmt(s['gain'], 3)} ± {render.fmt(s['gain_spread'], 2)}"]
                      for s in document["skipped"]])
    render.line(f"Chosen: {', '.join(document['features'])} — CV RMSE {document['cv_rmse']:.3f} ± "
                f"{document['cv_rmse_std']:.3f} years ({document['stopped']}; {document['models_fitted']} models fitted)")
    if document["model"]:
        render.info(f"Saved {document['model']}", quiet)
