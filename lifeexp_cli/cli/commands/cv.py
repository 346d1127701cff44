"""`lifeexp cv`: K-fold cross-validation of a model specification, fold by fold."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from lifeexp_cli.cli import inputs, render
from lifeexp_cli.cli.options import (ActivationOpt, BatchSizeOpt, Beta1Opt, Beta2Opt, BetaOpt, DataOpt, EpochsOpt,
                                     EpsOpt, FeaturesOpt, FoldsOpt, Format, FormatOpt, HiddenOpt, ImputeOpt, InitOpt,
                                     LrOpt, ModelKind, ModelKindOpt, MomentumFormOpt, NoHeaderOpt,
                                     NoInterceptOpt, PatienceOpt, QuietOpt,
                                     RestoreBestOpt, ScaleOpt, SeedOpt, SolverOpt, Split, SplitOpt, TargetOpt, TolOpt,
                                     ValSizeOpt, WeightDecayOpt, EnsembleOpt, FoldSeedOpt, LogSkewedOpt,
                                     build_spec)


def cv(
    features: FeaturesOpt,
    data: DataOpt = None,
    target: TargetOpt = "life_expectancy",
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
    folds: FoldsOpt = 5,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    fold_seed: FoldSeedOpt = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
):
    """K-fold cross-validation of a model specification: RMSE, MAE, R² per fold and mean ± std.

    Fit on K−1 folds, score on the held-out fold, K times. Folds hold whole countries by default, so no
    country is in training and test at once. Takes the model options of `fit`; nothing is saved.

    Example:

        lifeexp cv --features bmi,adult_mortality,hiv --folds 5

        lifeexp cv --features gdp,income,schooling --scale standard --split random --format json
    """
    from lifeexp_cli.model.fit import scoring

    spec = build_spec(model=model, solver=solver, scale=scale, impute=impute, no_intercept=no_intercept, lr=lr,
                      epochs=epochs, batch_size=batch_size, tol=tol, patience=patience, beta=beta,
                      momentum_form=momentum_form, beta1=beta1,
                      beta2=beta2, eps=eps, init=init, val_size=val_size, restore_best=restore_best,
                      hidden=hidden, activation=activation, weight_decay=weight_decay, ensemble=ensemble,
                      log_skewed=log_skewed, seed=seed)

    table, design = inputs.load_design(data, features, target)
    with render.training_bar(spec, quiet) as progress:
        document = scoring.cross_validate_spec(design, spec, folds, split.value,
                                               seed if fold_seed is None else fold_seed, progress)
    if split is Split.random and len(set(design.groups.tolist())) < len(design.groups):
        render.info("--split random puts other years of a held-out country in training: the scores are "
                    "optimistic (see docs/tutorial.md, country-grouped folds)", quiet)
    show(document, output.value, render.spec_text(spec), not no_header)


def show(document: dict, output: str, spec_text: str, header: bool = True) -> None:
    if output == "json":
        render.emit_json(document)
        return
    keys = ("rmse", "mae", "r2")
    if output == "csv":
        render.emit_csv(document["folds"], header)  # folds only: the mean and std are in the JSON
        return
    by = "countries" if document["split"] == "country" else "rows"
    rows = [[f["fold"], f["test_groups"] if by == "countries" else "", f["test_rows"], f["train_rows"],
             f["rmse"], f["mae"], f["r2"]] for f in document["folds"]]
    rows.append(["mean ± std", "", "", ""] + [f"{render.fmt(document[k])} ± {render.fmt(document[k + '_std'], 2)}"
                                               for k in keys])
    render.table(f"{document['k']}-fold cross-validation by {by}: {document['target']} ~ "
                 f"{', '.join(document['features'])} ({spec_text})",
                 ["fold", "test countries", "test rows", "train rows", "RMSE", "MAE", "R²"], rows)
    render.line(f"CV RMSE {document['rmse']:.3f} ± {document['rmse_std']:.3f} years over {document['k']} folds "
                f"(seed {document['seed']}; {document['rows']} rows with a target, {document['dropped_target']} without)")
