"""`lifeexp compare`: several models predict for several people, side by side, with their accuracy."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from lifeexp_cli.cli import inputs, png_path, render
from lifeexp_cli.cli.options import (DataOpt, Format, FormatOpt, LevelOpt, NoHeaderOpt, QuietOpt, SeedOpt,
                                     CompareFoldsOpt, CompareModelsOpt, Split, SplitOpt, hidden_alias, old_spellings, typed)

if TYPE_CHECKING:
    from lifeexp_cli.evaluate.comparison import Comparison, ModelResult

# The notes of prediction.for_people that the facts of each model hold (its `imputed`, its `domain`):
# worded by cli/verdict.py under --explain, summed up on stderr in one line each otherwise.
FILLED, UNLIKE = "not given, filled with the training mean", "unlike the training data"

@old_spellings(old_cv=("--cv", "cv", "--folds"))
def compare(
    ctx: typer.Context,
    model: CompareModelsOpt = None,
    person: Annotated[Optional[list[str]], typer.Option(
        "--person", "-p", help="name:feature=value,...  e.g. ann:bmi=22,hiv=0.1,gdp=900; repeat for several. "
                               "Default: the lecture's Tim and Tom.", show_default=False)] = None,
    people_file: Annotated[Optional[str], typer.Option(
        "--people", help="CSV (a name column, then features) or JSON ({name: {feature: value}}) of people.",
        show_default=False)] = None,
    cv: CompareFoldsOpt = None,
    old_cv: hidden_alias("--cv", int) = None,
    data: DataOpt = None,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    ensemble: Annotated[Optional[int], typer.Option(
        help="With --folds: cross-validate each network (--kind mlp) as an ensemble of K networks (1 to 20) from "
             "different initial weights, predictions averaged. Default: as each network was saved.",
        show_default=False)] = None,
    output: FormatOpt = Format.table,
    level: LevelOpt = 0.9,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Under the verdict, everything behind it: each model's features and view of the "
                          "people, accuracy fold by fold, every caveat (JSON always carries them).")] = False,
    png: Annotated[Optional[str], typer.Option(
        "--png", help="Also draw the comparison to this PNG file: each person's prediction interval under "
                      "each model, each model's CV RMSE with its interval, titled with the answer.",
        show_default=False)] = None,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
):
    """Who lives longer? Tim's and Tom's models predict for Tim and Tom, side by side, with each model's
    cross-validated RMSE; the first line under the table is the answer.

    Rows of the data are country-year averages, so a prediction is for someone living in a country with
    these averages.

    The table shows each prediction with its 90% prediction interval (--level) in whole years when the
    model has one, e.g. `71.5 (62–81)`, and how much worse than the best each model is by CV RMSE, with the
    95% interval of that mean difference over the folds. A model is called worse only when that interval
    excludes 0, and a person longer-lived only when every model's interval for the difference agrees;
    models that disagree are reported as disagreeing. --folds K cross-validates every model again on --data
    over the same K folds. --explain adds everything behind the verdict.

    Example:

        lifeexp compare

        lifeexp compare --explain --png compare.png

        lifeexp compare --model tim --model tom --folds 5 --data life_expectancy_who.csv

        lifeexp compare --model tim --model tom --person ann:height=1.65,weight=60,hiv=0.1,gdp=900
    """
    from lifeexp_cli.data import people
    from lifeexp_cli.model.predict import intervals
    from lifeexp_cli.usecases import compare as usecase

    intervals.check_level(level)
    png_path.check(png, "--png", "compare")
    persons = people.gather(person or [], people_file)
    done = usecase.compare(model, persons, level=level, cv=cv, data=data, split=split.value, seed=seed,
                           ensemble=ensemble, read_table=inputs.read_table, chosen=typed(ctx, "level"))
    for note in [] if quiet else stderr_notes(done.result, explain, level, done.short):
        render.warn(note)
    if png:  # drawn first: a picture that cannot be written leaves stdout empty
        from lifeexp_cli.cli import plots, verdict  # matplotlib: paid for only when a picture is asked for

        written = plots.write_compare(done.result, png, verdict.answer_text(done.result))
        render.info(f"Wrote {written}", quiet)
    show(done.result, output.value, not no_header, explain)


def stderr_notes(result: "Comparison", explain: bool, level: float, short: list = ()) -> list[str]:
    """The warnings for stderr, one line each: every note the facts do not hold, as it is; those they
    hold (inputs filled with training means, inputs unlike the training data) summed up in one line per
    kind, which --explain then words model by model (and leaves off stderr); models without intervals
    in one line (but `short` ones, calibrated on too few rows for the default level: a warning of their own
    says so)."""
    notes = [n for n in dict.fromkeys(result.warnings) if FILLED not in n and UNLIKE not in n]
    if result.answer.get("blind") and not explain:  # --explain words it with the caveats
        from lifeexp_cli.cli import verdict

        notes.append(verdict.blind_line(result).rstrip("."))
    missing = [r.model for r in result.models if not r.intervals and r.model not in short] if level else []
    if missing:
        notes.append(f"no prediction-interval calibration in {', '.join(missing)}: no intervals from "
                     f"{'it' if len(missing) == 1 else 'them'}; refit with `lifeexp fit` (iterative solvers and "
                     "networks: add --folds 5)")
    if explain:
        return notes
    filled = sorted({who for r in result.models for who, found in r.imputed.items() if found})
    unlike = sorted({who for r in result.models for who, judged in r.domain.items()
                     if judged is not None and not judged["in_domain"]})
    if filled:
        notes.append(f"inputs not given for {', '.join(filled)} are filled with training means under some "
                     "models: --explain lists them")
    if unlike:
        notes.append(f"the inputs of {', '.join(unlike)} are unlike the training data under some models (the "
                     "predictions are extrapolations): --explain says where")
    return notes


def csv_rows(result: "Comparison") -> list[dict]:
    """One row per (model, person), raw numbers only: the prediction, the model's accuracy, and how much
    worse than the best model by CV RMSE (`worse_by`, `spread`, `clear`; empty for the best model and
    without CV); the prediction interval's `level`, `lower` and `upper` (empty without a calibration);
    `in_domain` (1/0, empty without the domain check); `imputed`, how many of the person's inputs are
    training means, and `imputed_features`, which. Features by their canonical names, separated by ";".
    `worse_lower` and `worse_upper`: the interval of `worse_by` (the mean paired fold difference)."""
    ranked = result.ranking
    versus = {v["model"]: v for v in (ranked or {}).get("versus", [])}
    rows = []
    for r in result.models:
        v = versus.get(r.model, {})
        for person in result.people:
            rows.append({"model": r.model, "person": person, "prediction": r.predictions[person],
                         "features": ";".join(r.features), "train_rmse": r.train_rmse, "cv_rmse": r.cv_rmse,
                         "cv_rmse_std": r.cv_rmse_std, "cv_folds": r.cv_folds,
                         "best": (r.model == ranked["best"]) if ranked and r.cv_fold_rmse else None,
                         "worse_by": v.get("difference"), "worse_lower": v.get("lower"),
                         "worse_upper": v.get("upper"), "spread": v.get("spread"), "clear": v.get("clear"),
                         **caveat_cells(r, person)})
    return rows


def caveat_cells(r: "ModelResult", person: str) -> dict:
    """What stands behind one prediction, as raw cells: its interval, the domain check, the means filled in."""
    interval = r.intervals.get(person) or {}
    judged = r.domain.get(person)
    filled = r.imputed.get(person) or []
    return {"level": interval.get("level"), "lower": interval.get("lower"), "upper": interval.get("upper"),
            "in_domain": None if judged is None else bool(judged["in_domain"]),
            "imputed": len(filled), "imputed_features": ";".join(filled)}


def show(result: "Comparison", output: str, header: bool = True, explain: bool = False) -> None:
    from dataclasses import asdict

    from lifeexp_cli.cli import verdict

    if output == "json":
        render.emit_json({"people": result.people, "answer": verdict.answer_json(result),
                          "models": [asdict(r) for r in result.models], "comparison": result.ranking,
                          "verdict": "\n".join(verdict.verdict_parts(result)),
                          "caveats": verdict.caveat_lines(result)})
        return
    if output == "csv":
        render.emit_csv(csv_rows(result), header)
        return
    import sys

    width = render.out.width
    render.rows_output(verdict.table_rows(result, width, "–" if render.utf(sys.stdout) else "-"), "table",
                       title="Who will live longer? Predicted life expectancy (years), and accuracy")
    below = verdict.verdict_lines(result, width)
    if explain:
        below += ["", *verdict.explain_lines(result, width)]
    render.lines(below)
