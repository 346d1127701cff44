"""`lifeexp cv`: K-fold cross-validation of a model specification, fold by fold."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from lifeexp_cli.cli import inputs, render
from lifeexp_cli.cli.options import (DataOpt, FeaturesOpt, FoldSeedOpt, FoldsOpt, Format, FormatOpt, NoHeaderOpt,
                                     QuietOpt, SeedOpt, Split, SplitOpt, TargetOpt, build_spec, model_options)


@model_options(after="target")
def cv(
    features: FeaturesOpt,
    data: DataOpt = None,
    target: TargetOpt = "life_expectancy",
    folds: FoldsOpt = 5,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    fold_seed: FoldSeedOpt = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
    model_options: dict = None,
):
    """K-fold cross-validation of a model specification: RMSE, MAE, R² per fold and mean ± std.

    Fit on K−1 folds, score on the held-out fold, K times. Folds hold whole countries by default, so no
    country is in training and test at once. Takes the model options of `fit`; nothing is saved.

    Example:

        lifeexp cv --features bmi,adult_mortality,hiv --folds 5

        lifeexp cv --features gdp,income,schooling --scale standard --split random --format json
    """
    from lifeexp_cli.usecases import assess

    spec = build_spec(**model_options, seed=seed)
    done = assess.cross_validate(data, features, target, spec, folds=folds, split=split.value,
                                 fold_seed=seed if fold_seed is None else fold_seed,
                                 progress_bar=lambda: render.training_bar(spec, quiet), read_table=inputs.load_design)
    if done.optimistic:
        render.info("--split random puts other years of a held-out country in training: the scores are "
                    "optimistic (see docs/tutorial.md, country-grouped folds)", quiet)
    show(done.document, output.value, render.spec_text(spec), not no_header)


def show(document: dict, output: str, spec_text: str, header: bool = True) -> None:
    if output == "json":
        render.emit_json(document)
        return
    keys = ("rmse", "mae", "r2")
    if output == "csv":
        render.emit_csv(document["folds"], header)  # folds only: the mean and std are in the JSON
        return
    by = render.folds_text(document)
    grouped = document["folds_by"] == "country"
    columns = ["fold", *(["test countries"] if grouped else []), "test rows", "train rows", "RMSE", "MAE", "R²"]
    rows = [[f["fold"], *([f["test_groups"]] if grouped else []), f["test_rows"], f["train_rows"],
             f["rmse"], f["mae"], f["r2"]] for f in document["folds"]]
    rows.append(["mean ± std", *([""] if grouped else []), "", ""] +
                [mean_and_spread(document[k], document[k + "_std"]) for k in keys])
    render.table(f"{document['k']}-fold cross-validation by {by}: {document['target']} ~ "
                 f"{', '.join(document['features'])} ({spec_text})", columns, rows)
    spread = render.in_unit(f"{document['rmse']:.3f} ± {document['rmse_std']:.3f}", document["target"])
    render.line(f"CV RMSE {spread} over {document['k']} folds "
                f"(seed {document['seed']}; {render.count(document['rows'], 'row')} with a target, "
                f"{document['dropped_target']} without)")


def mean_and_spread(mean, spread) -> str:
    """`35.53 ± 38.7` for a table cell; an em dash when the mean has no value (R² over folds of one row)."""
    if mean is None or mean != mean:
        return render.fmt(None)
    return f"{render.fmt(mean)} ± {render.fmt(spread, 2)}"
