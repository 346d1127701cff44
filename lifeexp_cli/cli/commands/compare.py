"""`lifeexp compare`: several models predict for several people, side by side, with their accuracy."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.errors import UsageError
from lifeexp_cli.cli.options import DataOpt, Format, FormatOpt, QuietOpt, SeedOpt, Split, SplitOpt

SHIPPED = ["tim-bmi", "tom-gdp", "tim", "tom"]


def inputs_for(record: dict, person: dict[str, float], who: str, warnings: list[str]):
    """The person's values for this model's features (others are ignored), as one input row."""
    from lifeexp_cli.data import catalog
    from lifeexp_cli.data import people
    from lifeexp_cli.model import prediction

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
    from lifeexp_cli.data import catalog

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
    from lifeexp_cli.model import prediction

    rows, warnings = [], []
    check_names(records, persons)
    for record in records:
        cv = (record["metrics"] or {}).get("cv") or {}
        row = {"model": record["name"], "features": record["features"],
               "predictions": {who: prediction.predict_one(record, inputs_for(record, person, who, warnings))
                               for who, person in persons},
               "train_rmse": record["metrics"]["train"]["rmse"],
               "cv_rmse": cv.get("rmse"), "cv_rmse_std": cv.get("rmse_std"), "cv_folds": cv.get("k"),
               "cv_fold_rmse": [f["rmse"] for f in cv.get("folds") or []]}
        rows.append(row)
    return rows, warnings


def same_folds(records: list[dict]) -> bool:
    """Stored CV scores can be paired fold by fold when every model was cross-validated on the same file,
    target, K, split method and seed: the folds are then the same rows."""
    keys = set()
    for record in records:
        cv = (record["metrics"] or {}).get("cv")
        if cv:
            keys.add((record["data"].get("sha256"), record["target"], cv.get("k"), cv.get("split"), cv.get("seed")))
    return len(keys) <= 1


def cross_validate_all(records: list[dict], data: str | None, k: int, split: str, seed: int) -> None:
    """Refit every model's specification on --data over the same K folds; store the scores in its record
    (in memory only) in place of the CV it was saved with."""
    from lifeexp_cli.data import dataset
    from lifeexp_cli.model.spec import Spec
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.prep import splits
    from lifeexp_cli.evaluate import cross_validation

    targets = sorted({r["target"] for r in records})
    if len(targets) > 1:
        raise UsageError(f"the models predict different targets ({', '.join(targets)}): compare models of one target")
    table = dataset.read_table(data)
    for note in table.warnings:
        render.warn(note)
    folds = None
    for record in records:
        design = dataset.design_for_model(table, record, "cross-validate on")
        folds = folds if folds is not None else splits.kfold(design.groups, k, split, seed)
        spec = Spec(**record["spec"])
        scores = cross_validation.scores_on_folds(design.X, design.y, record["features"], spec, folds)
        record["metrics"]["cv"] = {**metrics.summarize(scores), "k": k, "split": split, "seed": seed}


def longer_by(row: dict) -> tuple[str, float] | None:
    """Who lives longer by this model's predictions (None for a single person)."""
    ranked = sorted(row["predictions"].items(), key=lambda kv: -kv[1])
    return ranked[0] if len(ranked) > 1 else None


def ranking(rows: list[dict], paired: bool) -> dict | None:
    from lifeexp_cli.evaluate import comparison as paired_comparison

    scored = {r["model"]: r["cv_fold_rmse"] for r in rows if r["cv_fold_rmse"]}
    return paired_comparison.rank(scored, paired) if len(scored) > 1 else None


def verdict(rows: list[dict], ranked: dict | None) -> str:
    """The more accurate model, or no winner when the difference is within the spread over folds."""
    scored = {r["model"]: r for r in rows if r["cv_fold_rmse"]}
    if not scored:
        return ("No model carries a cross-validated RMSE (fit with --cv 5, or run compare --cv 5): "
                "no verdict on accuracy.")
    if ranked is None:
        (name, row), = scored.items()
        return (f"Only {name} carries a cross-validated RMSE ({row['cv_rmse']:.2f} ± {row['cv_rmse_std']:.2f} "
                "years): nothing to compare it with.")
    k = len(scored[ranked["best"]]["cv_fold_rmse"])
    how = ("paired fold by fold" if ranked["paired"] else
           "unpaired: the models were cross-validated on different folds; compare --cv 5 pairs them")
    best = scored[ranked["best"]]
    cv_text = lambda r: f"CV RMSE {r['cv_rmse']:.2f} ± {r['cv_rmse_std']:.2f}"  # noqa: E731
    if ranked["clear"]:
        runner = ranked["versus"][0]
        pick = longer_by(best)
        longer = f"; by it, {pick[0]} lives longer ({pick[1]:.1f} years)" if pick else ""
        return (f"Most accurate: {best['model']} ({', '.join(best['features'])}), {cv_text(best)} years; "
                f"{runner['difference']:.2f} years better than the next, {runner['model']}, more than the spread of "
                f"that difference over the {k} folds, ± {runner['spread']:.2f} ({how}){longer}.")
    tied = [best] + [scored[name] for name in ranked["ties"]]
    gaps = [v for v in ranked["versus"] if not v["clear"]]
    contenders = " and ".join(f"{r['model']} ({cv_text(r)})" for r in tied)
    text = (f"No clear winner between {contenders}: "
            + "; ".join(f"{v['model']} is {v['difference']:.2f} years worse than {best['model']}, less than the spread "
                        f"of that difference over the {k} folds, ± {v['spread']:.2f}" for v in gaps)
            + f" ({how}).")
    picks = {r["model"]: longer_by(r) for r in tied}
    if all(picks.values()):
        who = {p[0] for p in picks.values()}
        if len(who) == 1:
            text += f" They agree that {who.pop()} lives longer."
        else:
            text += " They disagree on who lives longer: " + ", ".join(
                f"{m} says {p[0]} ({p[1]:.1f} years)" for m, p in picks.items()) + "."
    worse = [v["model"] for v in ranked["versus"] if v["clear"]]
    if worse:
        text += f" Clearly less accurate: {', '.join(worse)}."
    return text


def versus_best(row: dict, ranked: dict | None) -> str:
    if ranked is None or not row["cv_fold_rmse"]:
        return "—"
    if row["model"] == ranked["best"]:
        return "best"
    v = next(v for v in ranked["versus"] if v["model"] == row["model"])
    return f"+{v['difference']:.2f} ± {v['spread']:.2f} {'worse' if v['clear'] else 'tie'}"


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
    cv: Annotated[Optional[int], typer.Option(
        help="Cross-validate every model's specification again on --data over the same K folds (paired "
             "comparison). Default: use the CV each model was saved with.", show_default=False)] = None,
    data: DataOpt = None,
    split: SplitOpt = Split.country,
    seed: SeedOpt = 0,
    output: FormatOpt = Format.table,
    quiet: QuietOpt = False,
):
    """Tim's and Tom's models predict for Tim and Tom, side by side, with each model's training and
    cross-validated RMSE, and a verdict naming the more accurate model.

    No winner is named when the difference in CV RMSE is smaller than its spread over the folds (paired
    fold by fold); --cv K cross-validates every model again on --data over the same K folds.

    Example:

        lifeexp compare

        lifeexp compare --model tim --model tom --cv 5 --data life_expectancy_who.csv

        lifeexp compare --model tim --model tom --person ann:height=1.65,weight=60,hiv=0.1,gdp=900
    """
    from lifeexp_cli.model import store
    from lifeexp_cli.data import people

    persons = [people.parse_person(p) for p in person or []]
    if people_file:
        persons += people.read_people(people_file)
    persons = persons or people.lecture_people()
    names = model or SHIPPED
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"model {twice[0]} is named twice: list each model once")
    if cv is None and data is not None:
        raise UsageError("--data is read only with --cv K (to cross-validate the models again): add --cv 5")
    records = []
    for name in names:
        record = store.load(name)
        record["name"] = name
        records.append(record)
    if cv is not None:
        cross_validate_all(records, data, cv, split.value, seed)
    rows, warnings = comparison(records, persons)
    for note in warnings if not quiet else []:
        render.warn(note)
    show(rows, [p for p, _ in persons], output.value, ranking(rows, paired=same_folds(records)))


def show(rows: list[dict], who: list[str], output: str, ranked: dict | None) -> None:
    if output == "json":
        render.emit_json({"people": who, "models": rows, "comparison": ranked, "verdict": verdict(rows, ranked)})
        return
    from lifeexp_cli.data.catalog import short_name

    flat = [{"model": r["model"], "features": ", ".join(short_name(f) for f in r["features"]),
             **{p: f"{r['predictions'][p]:.1f}" for p in who},
             "train RMSE": f"{r['train_rmse']:.2f}",
             "CV RMSE": (f"{r['cv_rmse']:.2f} ± {r['cv_rmse_std']:.2f}" if r["cv_rmse"] is not None else "—"),
             "vs best (CV)": versus_best(r, ranked)}
            for r in rows]
    if output == "csv":
        render.emit_csv(flat)
        return
    render.rows_output(flat, "table", title="Who will live longer? Predicted life expectancy (years), and accuracy")
    render.out.print(verdict(rows, ranked), highlight=False)
