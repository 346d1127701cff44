"""`lifeexp predict`: predictions for one person from options, or for CSV rows in a pipeline."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand

from lifeexp_cli.cli import completion, render
from lifeexp_cli.cli.options import (ConnectTimeoutOpt, Engine, EngineOpt, LevelOpt, ModelOpt, NoHeaderOpt,
                                     PredictFormatOpt, PredictModelOpt, QuietOpt, SchedulerOpt, typed)
from lifeexp_cli.errors import UsageError


WIDE = 7  # more columns than this (inputs + prediction) are shown one per line
TABLE_ROWS = 1000  # --input with --format table: more rows than this are refused (csv and json stream)
TABLE_COLUMNS = 5  # a CSV with more columns shows only country, year and the model's inputs in a table
SPOOL_SIZE = 8 << 20  # --input with csv or json: the output is held in memory up to this (bytes or characters),
COPY_SIZE = 1 << 20  # then on disk, and copied to stdout in pieces of this size once every row is predicted


class PredictCommand(TyperCommand):
    """`predict`, whose options include the features of the model it is given: `predict --model M --help`
    lists M's feature options with their units and training ranges, and shell completion offers them."""

    def parse_args(self, ctx, args):
        ctx.meta["predict_args"] = list(args)  # --help is eager: it runs before --model is parsed
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter) -> None:
        super().format_help(ctx, formatter)
        name = named_model(ctx.meta.get("predict_args", []))
        if name is None:
            formatter.write_paragraph()
            formatter.write_text("predict --model M --help lists the feature options of model M.")
            return
        rows, problem = feature_help(name)
        with formatter.section(f"Features of model {name}" if problem is None else f"Model {name}"):
            formatter.write_text(problem) if problem is not None else formatter.write_dl(rows)

    def shell_complete(self, ctx, incomplete: str):
        from typer._click.shell_completion import CompletionItem

        found = super().shell_complete(ctx, incomplete)
        if incomplete.startswith("-"):
            found += [CompletionItem(flag) for flag in completion.feature_flags(ctx.params.get("model"))
                      if flag.startswith(incomplete)]
        return found


def named_model(args: list[str]) -> str | None:
    """The value of --model (-m) among raw arguments, or None."""
    for i, arg in enumerate(args):
        if arg in ("--model", "-m") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--model="):
            return arg.partition("=")[2]
        if arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--"):
            return arg[2:]
    return None


def feature_help(name: str) -> tuple[list[tuple[str, str]], str | None]:
    """Each feature option of a saved model with its meaning, unit and training range (help rows); or the
    reason the model cannot be read."""
    from lifeexp_cli.data import catalog
    from lifeexp_cli.errors import LifeexpError
    from lifeexp_cli.model import store

    try:
        record = store.load_record(name)
    except LifeexpError as exc:
        return [], render.shown(str(exc))
    rows = []
    for feature in record.features:
        meaning, unit = catalog.describe(feature)
        low, high = record.ranges[feature]
        aliases = "".join(f", {flag(a)}" for a in catalog.aliases_of(feature))
        text = "; ".join(part for part in (meaning, unit and f"unit: {unit}") if part)
        rows.append((f"{flag(feature)}{aliases} FLOAT",
                     f"{text + '. ' if text else ''}Training range {low:.4g} to {high:.4g}; left out: the training "
                     f"mean {record.means[feature]:.4g}."))
    return rows, None


def feature_options(args: list[str]) -> dict[str, float]:
    """`--adult-mortality 53 --hiv=0.1` -> {'adult-mortality': 53, 'hiv': 0.1}: a value written as an
    integer stays an int (`echoed` shows it as given), any other number is a float."""
    from lifeexp_cli.data.people import number
    from lifeexp_cli.model.predict.prediction import INTEGER

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
        if INTEGER.fullmatch(value.strip()):
            values[key] = int(values[key])  # exact: number() allows at most 1e15, well within a float's 2**53
        i += 1
    return values


def echoed(record, given: dict, row: list[float]) -> dict:
    """The inputs as JSON and CSV show them, in the model's feature order: a value given as an integer
    (`--adult-mortality 53`) as an integer, as batch predict echoes a CSV's `53`; any other (a decimal, the
    bmi of height and weight, a training mean) as the float the model took."""
    from lifeexp_cli.data.people import feature_key

    whole = {feature_key(typed) for typed, value in given.items() if isinstance(value, int)}
    return {f: int(x) if f in whole else x for f, x in zip(record.features, row)}


def predict(
    ctx: typer.Context,
    model: PredictModelOpt = None,
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
    output: PredictFormatOpt = None,
    level: LevelOpt = 0.9,
    no_header: NoHeaderOpt = False,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    connect_timeout: ConnectTimeoutOpt = None,
    output_dir: Annotated[Optional[str], typer.Option(
        "--output", help="With --engine dask: a new or empty folder for the Parquet parts (the input columns, "
                         "predicted_<target> and the interval's bounds).", show_default=False)] = None,
    quiet: QuietOpt = False,
):
    """Predict life expectancy. Give each of the model's features as an option (--bmi 24.1, aliases
    accepted), or a CSV of rows with --input.

    Rows of the data are country-year averages, so a prediction is for someone living in a country with
    these averages.

    Each prediction comes with a 90% prediction interval (--level) when the model was calibrated by
    `fit`: JSON gains "interval", CSV rows lower_<target> and upper_<target>, tables `71.5 [61.6, 81.3]`.
    Single and batch predict name their columns alike: predicted_<target>, lower_<target>,
    upper_<target>, in_domain.

    Each input is judged against the training rows jointly: a combination of values unlike any training
    rows (far from its nearest ones, in standard deviations, compared with how far training rows lie
    from their own neighbours) gets a warning naming the features that make it unusual, "domain" in
    JSON and an in_domain column (true/false) in CSV.

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
        predict_on_dask(store.load_record(model or "model"), input, output_dir, scheduler, quiet, level, connect_timeout)
        return
    given = feature_options(ctx.args)
    record = store.load_record(model or default_model(given, height, weight, input, quiet))
    check_feature_options(record, given, [o for p in ctx.command.params for o in p.opts if o.startswith("--")])
    level = level_for(ctx, record, level)
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
    if not given:  # `cat rows.csv | lifeexp predict --model tom` predicts the means: say how to give the rows
        render.warn("no feature given, so this predicts for the training means: give the features (--"
                    f"{record.features[0].replace('_', '-')} ...), or rows of a CSV with --input FILE "
                    "(--input - reads them from stdin)")
    row, value, interval, judged = done.person.row, done.person.value, done.person.interval, done.person.domain
    target = record.target
    output_format = output.value if output else "table"
    key = "prediction" if output_format == "table" else f"predicted_{target}"
    result = {**echoed(record, given, row), key: value}
    title = f"{record.path} predicts {target}"
    if output_format == "json":
        render.emit_json([{**result, "interval": interval, "domain": judged}])
        return
    if output_format == "csv" and interval is not None:  # the columns of batch predict (output_columns)
        result.update({f"lower_{target}": interval["lower"], f"upper_{target}": interval["upper"]})
    if output_format == "csv" and judged is not None:
        result["in_domain"] = bool(judged["in_domain"])
    elif output_format == "table":
        result[key] = render.with_interval(value, interval)
    if output_format == "table" and len(result) > WIDE:
        # Too many inputs for one row across the terminal: one line per input instead.
        render.rows_output([{"input": k, "value": v} for k, v in result.items()], "table", title=title)
    else:
        render.rows_output([result], output_format, title=title, header=not no_header)


def level_for(ctx: typer.Context, record, level: float) -> float:
    """--level as given; not given, the default, or no intervals (warned) from a model calibrated on too few
    rows for it: `fit` on a 7-row CSV, then `predict` with no option, stopped with exit 2 on a level the user
    never typed."""
    from lifeexp_cli.usecases import predict as usecase

    if typed(ctx, "level"):
        return level
    level, notes = usecase.default_level(record, level)
    for note in notes:
        render.warn(note)
    return level


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_feature_options(record, given: dict, own: list[str]) -> None:
    """Each feature option names a feature the model takes (or an alias of one): a known feature the model
    does not take, or an unknown option, is refused (exit 2) naming the features it takes; a misspelt one
    gets the closest options (the model's and predict's own) as did-you-mean."""
    import difflib

    from lifeexp_cli.data import catalog
    from lifeexp_cli.model.predict import prediction

    features = record.features
    takes = f"model {prediction.model_name(record)} takes {', '.join(map(flag, features))}"
    for typed in given:
        key = catalog.canonical(typed)
        if key in features or catalog.ALIASES.get(key) in features or \
                (key in ("height", "weight") and "bmi" in features):
            continue
        if key in catalog.WHO_FEATURES or key in catalog.ALIASES or key in ("height", "weight"):
            raise UsageError(f"--{typed} is not a feature of this model: {takes}")
        known = {flag(f): flag(f) for f in features} | {o: o for o in own}  # spelling -> the option it is
        known |= {flag(a): flag(f) for a, f in catalog.ALIASES.items() if f in features}
        close = list(dict.fromkeys(known[c] for c in difflib.get_close_matches(f"--{typed}", known, n=3, cutoff=0.6)))
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UsageError(f"no such option --{typed}: {hint}({takes})")


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


def uncalibrated(record, level: float) -> list[str]:
    """The one warning for intervals asked of a model that has no calibration."""
    from lifeexp_cli.usecases import predict as usecase

    return usecase.uncalibrated(record, level)


def spool(binary: bool):
    """Where batch output waits until every row is predicted: in memory up to SPOOL_SIZE, then in an anonymous
    temporary file (gone when closed, whatever ends the run), so memory stays bounded whatever the number of rows."""
    import tempfile

    if binary:
        return tempfile.SpooledTemporaryFile(SPOOL_SIZE, mode="w+b")
    return tempfile.SpooledTemporaryFile(SPOOL_SIZE, mode="w+", encoding="utf-8", newline="")


def copy_out(spooled, sink) -> None:
    """The spooled output to `sink` (stdout), from the start, in pieces of COPY_SIZE."""
    spooled.seek(0)
    while piece := spooled.read(COPY_SIZE):
        sink.write(piece)


def write_csv(found, header: bool) -> None:
    """Each input line back byte for byte with the prediction columns appended (`prediction.write_csv`), written
    to stdout only once every row is predicted: a bad row late in the input leaves stdout empty (see
    docs/commands.md, batch predict)."""
    from lifeexp_cli.model.predict import prediction

    with spool(binary=True) as spooled:
        prediction.write_csv(found.head, found.sep, found.blocks, found.columns, spooled, header)
        sys.stdout.flush()
        copy_out(spooled, sys.stdout.buffer)
        sys.stdout.buffer.flush()  # bytes straight through: no text decoding of the rows we pass on


def write_json(found, record) -> None:
    """One JSON list (numbers as numbers, the prediction under `predicted_<target>`), written only once every row is
    predicted: a bad row leaves no half-written document (see docs/commands.md, batch predict). Each block of
    rows is rendered together (`json_rows.block_texts`), spooled as it comes (`spool`) and copied to stdout at
    the end."""
    from lifeexp_cli.cli import json_rows
    from lifeexp_cli.model.predict import prediction

    ascii_only = render.ascii_only()
    with spool(binary=False) as spooled:
        separator = "[\n"
        names, key = prediction.input_names(found.head, found.sep, record), prediction.prediction_key(record)
        for block in prediction.row_blocks(found.sep, found.blocks, record, len(names)):
            for text in json_rows.block_texts(names, key, found.interval, block, ascii_only):
                spooled.write(separator)
                spooled.write(text)
                separator = ",\n"
        if separator == "[\n":
            sys.stdout.write("[]\n")
            return
        spooled.write("\n]\n")
        copy_out(spooled, sys.stdout)


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


def predict_on_dask(record, source: str, output_dir: str, scheduler, quiet: bool, level: float,
                    connect_timeout: float | None = None) -> None:
    from lifeexp_cli.model.fit import dask_engine

    render.info(f"Predicting on Dask ({scheduler or 'a local cluster'})", quiet)
    counts = dask_engine.predict_on_cluster(record, source, output_dir, scheduler, level,
                                            connect_timeout=connect_timeout)
    if counts["missing"]:
        render.warn(f"some --input parts have no column for {', '.join(counts['missing'])}: their rows take the "
                    "training mean")
    for note in uncalibrated(record, level):
        render.warn(note)
    warn_counts(counts)
    render.info(f"Predicted {render.count(counts['rows'], 'row')} into {output_dir} "
                f"({render.count(counts['parts'], 'Parquet part')})", quiet)


def warn_counts(counts: dict) -> None:
    filled, outside, unlike = counts["filled"], counts["outside"], counts.get("unlike")
    if filled:
        render.warn(f"{render.count(filled, 'blank feature cell')} {'was' if filled == 1 else 'were'} filled "
                    "with the model's training statistics")
    if outside:
        render.warn(f"{render.count(outside, 'row')} {'has' if outside == 1 else 'have'} values outside the "
                    "training range (extrapolation)")
    if unlike:
        one = unlike == 1
        render.warn(f"{render.count(unlike, 'row')} {'combines its' if one else 'combine their'} values unlike any "
                    f"training rows (in_domain false): {'its prediction is' if one else 'their predictions are'} "
                    f"{'an extrapolation' if one else 'extrapolations'}")
    if counts.get("narrow"):
        from lifeexp_cli.model.predict import intervals

        render.warn(intervals.narrow_rows_note(counts["narrow"]))


def predict_batch(record, source: str, output: str, quiet: bool, level: float = 0, strict: bool = False,
                  header: bool = True) -> None:
    from lifeexp_cli.data import opening
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.usecases import predict as usecase

    with opening.open_source(source, "input") as stream:
        found = usecase.predict_rows(record, stream, level=level, strict=strict)
        counts = found.counts
        if counts["missing"]:
            filled = ", ".join(f"{f}={record.means[f]:.4g}" for f in counts["missing"])
            render.warn(f"the --input CSV has no column for {', '.join(counts['missing'])}: every row takes the "
                        f"training mean ({filled}); add the column, or --strict to refuse")
        if output == "csv":
            write_csv(found, header)
        elif output == "json":
            write_json(found, record)
        else:
            show_table(record, prediction.rows_as_dicts(found.head, found.sep, found.blocks, found.interval, record))
    for note in uncalibrated(record, level):
        render.warn(note)
    warn_counts(counts)
    render.info(f"Predicted {render.count(counts['rows'], 'row')}", quiet)


def show_table(record, rows) -> None:
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
    key = f"predicted_{record.target}"
    names = [c for c in kept[0][1] if c not in (key, "interval", "domain")]
    known = {catalog.canonical(c): c for c in reversed(names)}  # the file's spelling of each column
    context = [known[c] for c in (catalog.GROUP_COLUMN, "year") if c in known]
    inputs = [c for c in names if catalog.canonical(c) in record.features or
              catalog.ALIASES.get(catalog.canonical(c)) in record.features]
    shown = names if len(names) <= TABLE_COLUMNS else list(dict.fromkeys(context + inputs))
    render.rows_output([{"row": number, **{c: row[c] for c in shown},
                         "prediction": render.with_interval(row[key], row["interval"]),
                         **({} if row["domain"] is None else {"in domain": "yes" if row["domain"]["in_domain"] else "no"})}
                        for number, row in kept], "table",
                       title=f"{record.path} predicts {record.target} (row: line in the file)")
