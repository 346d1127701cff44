"""`lifeexp compare`: several models predict for several people, side by side, with their accuracy."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lifeexp_cli import render
from lifeexp_cli.options import Format, FormatOpt, QuietOpt

SHIPPED = ["tim-bmi", "tom-gdp", "tim", "tom"]


def inputs_for(record: dict, person: dict[str, float], who: str, warnings: list[str]):
    """The person's values for this model's features (others are ignored), as one input row."""
    from lifeexp_cli import catalog, people, prediction

    values = people.with_bmi(person, warnings) if "height" in person or "weight" in person else dict(person)
    usable = {}
    for typed, value in values.items():
        key = catalog.canonical(typed)
        name = key if key in record["features"] else catalog.ALIASES.get(key)
        if name in record["features"]:
            usable[name] = value
    return prediction.complete(record, usable, False, warnings, who=f"{who} / {record['path']}: ")


def check_names(records: list[dict], persons: list[tuple[str, dict]]) -> None:
    """A person's value that no compared model can use is most likely a typo: say so."""
    from lifeexp_cli import catalog

    known = {f for r in records for f in r["features"]}
    for who, person in persons:
        for typed in person:
            key = catalog.canonical(typed)
            if key in ("height", "weight") or key in known or catalog.ALIASES.get(key) in known:
                continue
            if key in catalog.WHO_FEATURES or key in catalog.ALIASES:
                continue  # a real feature that these models just don't use
            catalog.resolve(typed, sorted(known), what=f"feature for {who}")


def comparison(records: list[dict], persons: list[tuple[str, dict]]) -> tuple[list[dict], list[str]]:
    from lifeexp_cli import prediction

    rows, warnings = [], []
    check_names(records, persons)
    for record in records:
        cv = (record["metrics"] or {}).get("cv") or {}
        row = {"model": record["name"], "features": record["features"],
               "predictions": {who: prediction.predict_one(record, inputs_for(record, person, who, warnings))
                               for who, person in persons},
               "train_rmse": record["metrics"]["train"]["rmse"],
               "cv_rmse": cv.get("rmse"), "cv_rmse_std": cv.get("rmse_std"), "cv_folds": cv.get("k")}
        rows.append(row)
    return rows, warnings


def verdict(rows: list[dict]) -> str:
    scored = [r for r in rows if r["cv_rmse"] is not None]
    if not scored:
        return "No model carries a cross-validated RMSE (fit with --cv 5): no verdict on accuracy."
    best = min(scored, key=lambda r: r["cv_rmse"])
    ranked = sorted(best["predictions"].items(), key=lambda kv: -kv[1])
    longer = f"; by it, {ranked[0][0]} lives longer ({ranked[0][1]:.1f} years)" if len(ranked) > 1 else ""
    return (f"Most accurate: {best['model']} ({', '.join(best['features'])}), cross-validated RMSE "
            f"{best['cv_rmse']:.2f} ± {best['cv_rmse_std']:.2f} years{longer}.")


def compare(
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="Model name or path; repeat for several. Default: tim-bmi, tom-gdp, tim, tom.",
        show_default=False)] = None,
    person: Annotated[Optional[list[str]], typer.Option(
        "--person", "-p", help="name:feature=value,...  e.g. ann:bmi=22,hiv=0.1,gdp=900; repeat for several. "
                               "Default: the lecture's Tim and Tom.", show_default=False)] = None,
    people_file: Annotated[Optional[str], typer.Option(
        "--people", help="CSV (a name column, then features) or JSON ({name: {feature: value}}) of people.",
        show_default=False)] = None,
    output: FormatOpt = Format.table,
    quiet: QuietOpt = False,
):
    """Tim's and Tom's models predict for Tim and Tom, side by side, with each model's training and
    cross-validated RMSE, and a verdict naming the more accurate model.

    Example:

        lifeexp compare

        lifeexp compare --model tim --model tom --person ann:height=1.65,weight=60,hiv=0.1,gdp=900
    """
    from lifeexp_cli import model_file, people

    persons = [people.parse_person(p) for p in person or []]
    if people_file:
        persons += people.read_people(people_file)
    persons = persons or people.lecture_people()
    records = []
    for name in model or SHIPPED:
        record = model_file.load(name)
        record["name"] = name
        records.append(record)
    rows, warnings = comparison(records, persons)
    for note in warnings if not quiet else []:
        render.warn(note)
    show(rows, [p for p, _ in persons], output.value)


def show(rows: list[dict], who: list[str], output: str) -> None:
    if output == "json":
        render.emit_json({"people": who, "models": rows, "verdict": verdict(rows)})
        return
    from lifeexp_cli.catalog import short_name

    flat = [{"model": r["model"], "features": ", ".join(short_name(f) for f in r["features"]),
             **{f"{p} (years)": f"{r['predictions'][p]:.1f}" for p in who},
             "train RMSE": f"{r['train_rmse']:.2f}",
             "CV RMSE": (f"{r['cv_rmse']:.2f} ± {r['cv_rmse_std']:.2f}" if r["cv_rmse"] is not None else "—")}
            for r in rows]
    if output == "csv":
        render.emit_csv(flat)
        return
    render.rows_output(flat, "table", title="Who will live longer? Predictions and accuracy")
    render.out.print(verdict(rows), highlight=False)
