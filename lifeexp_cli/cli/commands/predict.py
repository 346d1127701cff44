"""`lifeexp predict`: predictions for one person from options, or for CSV rows in a pipeline."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

import json
import sys
from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import completion, render
from lifeexp_cli.cli.options import Engine, EngineOpt, Format, LevelOpt, ModelOpt, NoHeaderOpt, QuietOpt, SchedulerOpt
from lifeexp_cli.errors import UsageError


WIDE = 7  # more columns than this (inputs + prediction) are shown one per line
TABLE_ROWS = 1000  # --input with --format table: more rows than this are refused (csv and json stream)
TABLE_COLUMNS = 5  # a CSV with more columns shows only country, year and the model's inputs in a table


def feature_options(args: list[str]) -> dict[str, float]:
    """`--adult-mortality 53 --hiv=0.1` -> {'adult-mortality': 53.0, 'hiv': 0.1}."""
    from lifeexp_cli.data.people import number

    values: dict[str, float] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) < 3:
            raise UsageError(f"unexpected argument {arg!r}: give features as --name value, e.g. --bmi 24.1")
        key, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(args):
                raise UsageError(f"--{key} needs a value, e.g. --{key} 1.5")
            value, i = args[i + 1], i + 1
        if key in values:
            raise UsageError(f"--{key} is given twice: give each feature once")
        values[key] = number(value, f"--{key}")
        i += 1
    return values


def predict(
    ctx: typer.Context,
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="Model name (looked up in ./models/ or $LIFEEXP_MODELS, then the shipped models) or "
        "path to a .joblib file. Default: model, if saved; else the shipped model that takes exactly the features "
        "given (--bmi: tim-bmi).", show_default=False, autocompletion=completion.models)] = None,
    input: Annotated[Optional[str], typer.Option(
        "--input", "-i", help="CSV of rows to predict (- for stdin); written back with a predicted_<target> "
                              "column.", show_default=False)] = None,
    height: Annotated[Optional[float], typer.Option(help="Height in metres; with --weight gives BMI.",
                                                    show_default=False)] = None,
    weight: Annotated[Optional[float], typer.Option(help="Weight in kilograms; with --height gives BMI.",
                                                    show_default=False)] = None,
    strict: Annotated[bool, typer.Option(help="Fail instead of filling a left-out feature (an option not "
                                              "given, or a column --input lacks) with its training mean.")]
    = False,
    output: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="Output: table, json or csv. Default: table for one person, csv with --input.",
        case_sensitive=False, show_default=False)] = None,
    level: LevelOpt = 0.9,
    no_header: NoHeaderOpt = False,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    output_dir: Annotated[Optional[str], typer.Option(
        "--output", help="With --engine dask: a new or empty folder for the Parquet parts (the input columns, "
                         "predicted_<target> and the interval's bounds).", show_default=False)] = None,
    quiet: QuietOpt = False,
):
    """Predict life expectancy. Give each of the model's features as an option (--bmi 24.1, aliases
    accepted), or a CSV of rows with --input.

    Each prediction comes with a 90% prediction interval (--level) when the model was calibrated by
    `fit`: JSON gains "interval", CSV rows lower_<target> and upper_<target>, tables `71.5 [61.6, 81.3]`.

    Each input is judged against the training rows jointly: a combination of values unlike any training
    rows (far from its nearest ones, in standard deviations, compared with how far training rows lie
    from their own neighbours) gets a warning naming the features that make it unusual, "domain" in
    JSON and an in_domain column (1/0) in CSV.

    Example:

        lifeexp predict --bmi 24.1                     # the shipped tim-bmi: its one feature

        lifeexp predict --model tim --bmi 24.1 --adult-mortality 53 --hiv 0.1

        lifeexp predict --model tim --bmi 24.1 --adult-mortality 53 --hiv 0.1 --level 0.95 --format json

        lifeexp predict --model tim-bmi --height 1.82 --weight 80

        cat rows.csv | lifeexp predict --model tom --input - > predicted.csv

        lifeexp predict --engine dask --model tom --input 'rows/*.parquet' --output predicted/
    """
    from lifeexp_cli.model import store
    from lifeexp_cli.model.predict import intervals
    from lifeexp_cli.usecases import predict as usecase

    intervals.check_level(level)
    if engine is Engine.dask or scheduler is not None or output_dir is not None:
        check_dask_options(engine, scheduler, input, output_dir, ctx.args or height is not None or weight is not None)
        predict_on_dask(store.load(model or "model"), input, output_dir, scheduler, quiet, level)
        return
    given = feature_options(ctx.args)
    record = store.load(model or default_model(given, height, weight, input, quiet))
    if input is not None:
        if given or height is not None or weight is not None:
            raise UsageError("give either --input or feature options, not both")
        predict_batch(record, input, output.value if output else "csv", quiet, level, strict, not no_header)
        return
    if height is not None:
        given["height"] = height
    if weight is not None:
        given["weight"] = weight
    done = usecase.predict_person(record, given, level=level, strict=strict)
    for note in done.warnings:
        render.warn(note)
    row, value, interval, judged = done.person.row, done.person.value, done.person.interval, done.person.domain
    result = {**dict(zip(record["features"], row)), "prediction": value}
    output_format = output.value if output else "table"
    title = f"{record['path']} predicts {record['target']}"
    if output_format == "json":
        render.emit_json([{**result, "interval": interval, "domain": judged}])
        return
    if output_format == "csv" and interval is not None:
        result.update(lower=interval["lower"], upper=interval["upper"])
    if output_format == "csv" and judged is not None:
        result["in_domain"] = int(judged["in_domain"])
    elif output_format == "table":
        result["prediction"] = render.with_interval(value, interval)
    if output_format == "table" and len(result) > WIDE:
        # Too many inputs for one row across the terminal: one line per input instead.
        render.rows_output([{"input": k, "value": v} for k, v in result.items()], "table", title=title)
    else:
        render.rows_output([result], output_format, title=title, header=not no_header)


def default_model(given: dict, height, weight, input, quiet: bool) -> str:
    """Without --model: the saved `model`, else the shipped model taking exactly the features given."""
    from lifeexp_cli.model import shipped, store

    if (store.models_dir() / "model.joblib").exists() or input is not None:
        return "model"
    names = list(given) + [name for name, value in (("height", height), ("weight", weight)) if value is not None]
    path = shipped.choose(names)
    render.info(f"Using the shipped model {path.stem} (it takes {', '.join('--' + n for n in names)}); "
                "name another with --model", quiet)
    return str(path)


def uncalibrated(record: dict, level: float) -> list[str]:
    """The one warning for intervals asked of a model that has no calibration."""
    from lifeexp_cli.usecases import predict as usecase

    return usecase.uncalibrated(record, level)


def write_json(rows) -> None:
    """One JSON list (numbers as numbers, the prediction under `prediction`), written only once every row is
    predicted: a bad row leaves no half-written document (see docs/commands.md, batch predict)."""
    objects = [json.dumps(row, ensure_ascii=render.ascii_only(), allow_nan=False) for row in rows]
    sys.stdout.write("[\n" + ",\n".join(objects) + "\n]\n" if objects else "[]\n")


def check_dask_options(engine, scheduler, source, output_dir, person) -> None:
    if engine is not Engine.dask:
        flag = "--scheduler" if scheduler is not None else "--output"
        raise UsageError(f"{flag} is for --engine dask (Parquet parts in a folder); the local engine writes "
                         "to stdout: redirect it")
    if person:
        raise UsageError("--engine dask predicts files of rows: give --input GLOB, not feature options")
    if source is None or source == "-":
        raise UsageError("--engine dask needs --input: a glob or a folder of CSV or Parquet files (not stdin)")
    if output_dir is None:
        raise UsageError("--engine dask needs --output DIR: a new or empty folder for the Parquet parts")


def predict_on_dask(record: dict, source: str, output_dir: str, scheduler, quiet: bool, level: float) -> None:
    from lifeexp_cli.model.fit import dask_engine

    render.info(f"Predicting on Dask ({scheduler or 'a local cluster'})", quiet)
    counts = dask_engine.predict_on_cluster(record, source, output_dir, scheduler, level)
    if counts["missing"]:
        render.warn(f"some --input parts have no column for {', '.join(counts['missing'])}: their rows take the "
                    "training mean")
    for note in uncalibrated(record, level):
        render.warn(note)
    warn_counts(counts)
    render.info(f"Predicted {counts['rows']} rows into {output_dir} ({counts['parts']} Parquet "
                f"part{'s' * (counts['parts'] != 1)})", quiet)


def warn_counts(counts: dict) -> None:
    if counts["filled"]:
        render.warn(f"{counts['filled']} blank feature cells were filled with the model's training statistics")
    if counts["outside"]:
        render.warn(f"{counts['outside']} rows have values outside the training range (extrapolation)")
    if counts.get("unlike"):
        render.warn(f"{counts['unlike']} rows combine their values unlike any training rows (in_domain 0): "
                    "their predictions are extrapolations")
    if counts.get("narrow"):
        from lifeexp_cli.model.predict import intervals

        render.warn(intervals.narrow_rows_note(counts["narrow"]))


def predict_batch(record: dict, source: str, output: str, quiet: bool, level: float = 0, strict: bool = False,
                  header: bool = True) -> None:
    from lifeexp_cli.data import opening
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.usecases import predict as usecase

    with opening.open_source(source, "input") as stream:
        found = usecase.predict_rows(record, stream, level=level, strict=strict)
        counts = found.counts
        if counts["missing"]:
            filled = ", ".join(f"{f}={record['means'][f]:.4g}" for f in counts["missing"])
            render.warn(f"the --input CSV has no column for {', '.join(counts['missing'])}: every row takes the "
                        f"training mean ({filled}); add the column, or --strict to refuse")
        if output == "csv":
            sys.stdout.flush()
            prediction.write_csv(found.head, found.sep, found.blocks, found.columns, sys.stdout.buffer, header)
            sys.stdout.buffer.flush()  # bytes straight through: no text decoding of the rows we pass on
        else:
            rows = prediction.rows_as_dicts(found.head, found.sep, found.blocks, found.interval)
            if output == "json":
                write_json(rows)
            else:
                show_table(record, rows)
    for note in uncalibrated(record, level):
        render.warn(note)
    warn_counts(counts)
    render.info(f"Predicted {counts['rows']} rows", quiet)


def show_table(record: dict, rows) -> None:
    """At most TABLE_ROWS rows as a table (line number, the CSV's columns — of a wide CSV only country and
    year and the model's inputs —, the prediction with its interval), read before anything is drawn: memory stays
    bounded, and a longer file is refused before any output, pointing to the formats that stream."""
    from lifeexp_cli.data import catalog

    kept = []
    for number, row in enumerate(rows, start=2):
        if len(kept) == TABLE_ROWS:
            raise UsageError(f"--format table shows at most {TABLE_ROWS} rows and the --input CSV has more: "
                             "use --format csv (or json), which stream any number of rows")
        kept.append((number, row))
    if not kept:
        render.info("the --input CSV has no data rows")
        return
    names = [c for c in kept[0][1] if c not in ("prediction", "interval", "domain")]
    known = {catalog.canonical(c): c for c in reversed(names)}  # the file's spelling of each column
    context = [known[c] for c in (catalog.GROUP_COLUMN, "year") if c in known]
    inputs = [c for c in names if catalog.canonical(c) in record["features"] or
              catalog.ALIASES.get(catalog.canonical(c)) in record["features"]]
    shown = names if len(names) <= TABLE_COLUMNS else list(dict.fromkeys(context + inputs))
    render.rows_output([{"row": number, **{c: row[c] for c in shown},
                         "prediction": render.with_interval(row["prediction"], row["interval"]),
                         **({} if row["domain"] is None else {"in domain": "yes" if row["domain"]["in_domain"] else "no"})}
                        for number, row in kept], "table",
                       title=f"{record['path']} predicts {record['target']} (row: line in the file)")
