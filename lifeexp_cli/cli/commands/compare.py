"""`lifeexp compare`: several models predict for several people, side by side, with their accuracy."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from lifeexp_cli.cli import completion, inputs, render
from lifeexp_cli.cli.options import (DataOpt, Format, FormatOpt, LevelOpt, NoHeaderOpt, QuietOpt, SeedOpt,
                                     Split, SplitOpt, hidden_alias, old_spellings)

if TYPE_CHECKING:
    from lifeexp_cli.evaluate.comparison import Comparison, ModelResult

def versus_best(row: "ModelResult", ranked: dict | None) -> str:
    """The table's last column: how much worse than the best model, and whether clearly so."""
    if ranked is None or not row.cv_fold_rmse:
        return "—"
    if row.model == ranked["best"]:
        return "best"
    v = next(v for v in ranked["versus"] if v["model"] == row.model)
    return f"+{v['difference']:.2f} ± {v['spread']:.2f} {'worse' if v['clear'] else 'tie'}"


@old_spellings(old_cv=("--cv", "cv", "--folds"))
def compare(
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="Model name or path; repeat for several. Default: tim-bmi, tom-gdp, tim, tom.",
        show_default=False, autocompletion=completion.models)] = None,
    person: Annotated[Optional[list[str]], typer.Option(
        "--person", "-p", help="name:feature=value,...  e.g. ann:bmi=22,hiv=0.1,gdp=900; repeat for several. "
                               "Default: the lecture's Tim and Tom.", show_default=False)] = None,
    people_file: Annotated[Optional[str], typer.Option(
        "--people", help="CSV (a name column, then features) or JSON ({name: {feature: value}}) of people.",
        show_default=False)] = None,
    cv: Annotated[Optional[int], typer.Option(
        "--folds", "-k", help="Cross-validate every model's specification again on --data over the same K folds "
             "(paired comparison). Default: use the CV each model was saved with.", show_default=False)] = None,
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
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
):
    """Tim's and Tom's models predict for Tim and Tom, side by side, with each model's training and
    cross-validated RMSE, and a verdict naming the more accurate model.

    The table shows each prediction with its 90% prediction interval (--level) when the model has one,
    e.g. `71.5 [61.6, 81.3]`.

    No winner is named when the difference in CV RMSE is smaller than its spread over the folds (paired
    fold by fold); --cv K cross-validates every model again on --data over the same K folds.

    Example:

        lifeexp compare

        lifeexp compare --model tim --model tom --folds 5 --data life_expectancy_who.csv

        lifeexp compare --model tim --model tom --person ann:height=1.65,weight=60,hiv=0.1,gdp=900
    """
    from lifeexp_cli.data import people
    from lifeexp_cli.model.predict import intervals
    from lifeexp_cli.usecases import compare as usecase

    intervals.check_level(level)
    persons = [people.parse_person(p) for p in person or []]
    if people_file:
        persons += people.read_people(people_file)
    persons = persons or people.lecture_people()
    done = usecase.compare(model, persons, level=level, cv=cv, data=data, split=split.value, seed=seed,
                           ensemble=ensemble, read_table=inputs.read_table)
    for note in done.result.warnings if not quiet else []:
        render.warn(note)
    show(done.result, output.value, done.bounds, not no_header)


def csv_rows(result: "Comparison") -> list[dict]:
    """One row per (model, person), raw numbers only: the prediction, the model's accuracy, and how much
    worse than the best model by CV RMSE (`worse_by`, `spread`, `clear`; empty for the best model and
    without CV); the prediction interval's `level`, `lower` and `upper` (empty without a calibration);
    `in_domain` (1/0, empty without the domain check); `imputed`, how many of the person's inputs are
    training means, and `imputed_features`, which. Features by their canonical names, separated by ";"."""
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
                         "worse_by": v.get("difference"), "spread": v.get("spread"), "clear": v.get("clear"),
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


def show(result: "Comparison", output: str, bounds: dict | None = None, header: bool = True) -> None:
    from dataclasses import asdict

    if output == "json":
        render.emit_json({"people": result.people, "models": [asdict(r) for r in result.models],
                          "comparison": result.ranking, "verdict": result.verdict})
        return
    if output == "csv":
        render.emit_csv(csv_rows(result), header)
        return
    from lifeexp_cli.data.catalog import short_name

    bounds = bounds if output == "table" else {}

    def shown(r, p) -> str:  # 71.5 [61.6, 81.3] in the table for a model with intervals, else 71.5
        interval = (bounds.get(r.model) or {}).get(p)
        return render.with_interval(r.predictions[p], interval) if interval else f"{r.predictions[p]:.1f}"

    flat = [{"model": r.model, "features": ", ".join(short_name(f) for f in r.features),
             **{p: shown(r, p) for p in result.people},
             "train RMSE": f"{r.train_rmse:.2f}",
             "CV RMSE": (f"{r.cv_rmse:.2f} ± {r.cv_rmse_std:.2f}" if r.cv_rmse is not None else "—"),
             "vs best (CV)": versus_best(r, result.ranking)}
            for r in result.models]
    render.rows_output(flat, "table", title="Who will live longer? Predicted life expectancy (years), and accuracy")
    render.line(result.verdict)
