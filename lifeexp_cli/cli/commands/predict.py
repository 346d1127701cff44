"""`lifeexp predict`: predictions for one person from options, or for CSV rows in a pipeline."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

import json
import sys
from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import completion, render
from lifeexp_cli.cli.options import Format, LevelOpt, ModelOpt, QuietOpt
from lifeexp_cli.errors import UsageError


WIDE = 7  # more columns than this (inputs + prediction) are shown one per line


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
    strict: Annotated[bool, typer.Option(help="Fail instead of filling a left-out feature with its training "
                                              "mean.")] = False,
    output: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="Output: table, json or csv. Default: table for one person, csv with --input.",
        case_sensitive=False, show_default=False)] = None,
    level: LevelOpt = 0.9,
    quiet: QuietOpt = False,
):
    """Predict life expectancy. Give each of the model's features as an option (--bmi 24.1, aliases
    accepted), or a CSV of rows with --input.

    Each prediction comes with a 90% prediction interval (--level) when the model was calibrated by
    `fit`: JSON gains "interval", CSV rows lower_<target> and upper_<target>, tables `71.5 [61.6, 81.3]`.

    Example:

        lifeexp predict --bmi 24.1                     # the shipped tim-bmi: its one feature

        lifeexp predict --model tim --bmi 24.1 --adult-mortality 53 --hiv 0.1

        lifeexp predict --model tim --bmi 24.1 --adult-mortality 53 --hiv 0.1 --level 0.95 --format json

        lifeexp predict --model tim-bmi --height 1.82 --weight 80

        cat rows.csv | lifeexp predict --model tom --input - > predicted.csv
    """
    from lifeexp_cli.model import intervals, prediction, store

    intervals.check_level(level)
    given = feature_options(ctx.args)
    record = store.load(model or default_model(given, height, weight, input, quiet))
    if input is not None:
        if given or height is not None or weight is not None:
            raise UsageError("give either --input or feature options, not both")
        predict_batch(record, input, output.value if output else "csv", quiet, level)
        return
    if height is not None:
        given["height"] = height
    if weight is not None:
        given["weight"] = weight
    warnings: list[str] = []
    values = prediction.resolve_inputs(record, given, warnings)
    row = prediction.complete(record, values, strict, warnings)
    value = prediction.predict_one(record, row)
    interval = intervals.interval_one(record, row, value, level)
    for note in warnings + uncalibrated(record, level):
        render.warn(note)
    result = {**dict(zip(record["features"], row)), "prediction": value}
    output_format = output.value if output else "table"
    title = f"{record['path']} predicts {record['target']}"
    if output_format == "json":
        render.emit_json([{**result, "interval": interval}])
        return
    if output_format == "csv" and interval is not None:
        result.update(lower=interval["lower"], upper=interval["upper"])
    elif output_format == "table":
        result["prediction"] = render.with_interval(value, interval)
    if output_format == "table" and len(result) > WIDE:
        # Too many inputs for one row across the terminal: one line per input instead.
        render.rows_output([{"input": k, "value": v} for k, v in result.items()], "table", title=title)
    else:
        render.rows_output([result], output_format, title=title)


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
    from lifeexp_cli.model import intervals

    return [intervals.missing_note(record, record["path"])] if level and not intervals.calibrated(record) else []


def write_json(rows) -> None:
    """One JSON list streamed object by object (input cells as text, the prediction as a number)."""
    first = True
    for row in rows:
        sys.stdout.write(("[\n" if first else ",\n") + json.dumps(row, ensure_ascii=False))
        first = False
    sys.stdout.write("[]\n" if first else "\n]\n")


def predict_batch(record: dict, source: str, output: str, quiet: bool, level: float = 0) -> None:
    from lifeexp_cli.data import reader
    from lifeexp_cli.model import prediction

    counts: dict = {}
    with reader.open_source(source, "input") as stream:
        head, sep, blocks = prediction.predict_blocks(record, stream, counts, level)
        column = prediction.output_columns(record, level)
        if output == "csv":
            sys.stdout.flush()
            prediction.write_csv(head, sep, blocks, column, sys.stdout.buffer)
            sys.stdout.buffer.flush()  # bytes straight through: no text decoding of the rows we pass on
        elif output == "json":
            write_json(prediction.rows_as_dicts(head, sep, blocks, column))
        else:
            rows = list(prediction.rows_as_dicts(head, sep, blocks, column))
            if len(column) == 3:  # the interval in the prediction's cell: 71.5 [61.6, 81.3]
                rows = [{**{k: v for k, v in row.items() if k not in column[1:]},
                         column[0]: render.with_interval(row[column[0]], {"lower": row[column[1]],
                                                                          "upper": row[column[2]]})}
                        for row in rows]
            render.rows_output(rows, "table", title=f"{record['path']} predicts {record['target']}")
    for note in uncalibrated(record, level):
        render.warn(note)
    if counts["filled"]:
        render.warn(f"{counts['filled']} blank feature cells were filled with the model's training statistics")
    if counts["outside"]:
        render.warn(f"{counts['outside']} rows have values outside the training range (extrapolation)")
    render.info(f"Predicted {counts['rows']} rows", quiet)
