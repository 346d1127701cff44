"""`lifeexp select`: greedy forward feature selection by country-grouped cross-validated RMSE."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import inputs, render
from lifeexp_cli.cli.options import (DataOpt, FoldSeedOpt, FoldsOpt, Format, FormatOpt, NoHeaderOpt, QuietOpt,
                                     SeedOpt, Split, SplitOpt, TargetOpt, build_spec, model_options)


@model_options(after="fold_seed")
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
    fit_name: Annotated[Optional[str], typer.Option(
        "--fit", help="Fit the chosen set on all rows and save it as models/NAME.joblib.", show_default=False)]
    = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
    model_options: dict = None,
):
    """Greedy forward feature selection by country-grouped cross-validated RMSE, step by step.

    At each step add the candidate that lowers the CV RMSE most (the same folds for every candidate, whole
    countries per fold), and print the path. A candidate that nearly duplicates a chosen feature
    (|r| > 0.95) is taken only if its gain beats the spread of that gain over the folds.

    Example:

        lifeexp select --max-features 3

        lifeexp select --candidates bmi,gdp,hiv,schooling,income,adult_mortality --fit best --format json
    """
    from lifeexp_cli.cli.main import flag_of
    from lifeexp_cli.evaluate import selection
    from lifeexp_cli.usecases import assess

    spec = build_spec(**model_options, seed=seed)
    steps = []

    def progress(step: dict):
        steps.append(step)
        render.info(f"step {len(steps)}: + {step['feature']} -> CV RMSE {step['cv_rmse']:.3f}", quiet)

    done = assess.select(data, candidates, target, spec, folds=folds, split=split.value,
                         fold_seed=seed if fold_seed is None else fold_seed, max_features=max_features,
                         save_as=fit_name, name_flag="--fit", read_table=inputs.load_design, on_pairs=warn_pairs,
                         on_step=progress)
    for note in done.warnings:
        render.warn(note)
    document = {**done.document, "stopped": selection.stop_text(done.document["stopped"], max_features, flag_of)}
    show(document, output.value, render.spec_text(spec), quiet, not no_header)


def warn_pairs(pairs: list) -> None:
    listed = "; ".join(f"{a} ~ {b} (r = {v:+.3f})" for a, b, v in pairs)
    render.warn(f"near-duplicate candidates: {listed}. The second of a pair is added only when its gain "
                "beats the spread of that gain over the folds")


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
    render.table(f"Forward selection by {document['k']}-fold CV RMSE (folds by {render.folds_text(document)}; "
                 f"{spec_text})",
                 ["step", "feature added", "CV RMSE", "gain (paired over folds)"],
                 [[i + 1, step["feature"], f"{render.fmt(step['cv_rmse'])} ± {render.fmt(step['cv_rmse_std'], 2)}",
                   gain_text(step)] for i, step in enumerate(document["path"])])
    if document["skipped"]:
        render.table("Near-duplicates passed over (gain not larger than its spread over folds)",
                     ["step", "feature", "twin of", "r", "gain"],
                     [[s["step"], s["feature"], s["twin"], f"{s['r']:+.3f}",
                       f"{render.fmt(s['gain'], 3)} ± {render.fmt(s['gain_spread'], 2)}"]
                      for s in document["skipped"]])
    spread = render.in_unit(f"{document['cv_rmse']:.3f} ± {document['cv_rmse_std']:.3f}", document["target"])
    render.line(f"Chosen: {', '.join(document['features'])} — CV RMSE {spread} ({document['stopped']}; "
                f"{render.count(document['models_fitted'], 'model')} fitted)")
    if document["model"]:
        render.info(f"Saved {document['model']}", quiet)
