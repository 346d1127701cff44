"""Options shared by several commands, declared once."""

from __future__ import annotations

import functools
import inspect
from enum import Enum
from typing import Annotated, Any, Optional

import typer


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Split(str, Enum):
    country = "country"
    random = "random"


DataOpt = Annotated[Optional[str], typer.Option(
    "--data", "-d", help="CSV file to read, or - for stdin. Default: $LIFEEXP_DATA.", show_default=False)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output: a Rich table, one JSON document, or CSV.", case_sensitive=False)]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or informational lines (warnings that change a result still print).")]
TargetOpt = Annotated[str, typer.Option("--target", "-t", help="Column to predict (name or alias).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for splits and shuffling (same seed, same result).")]
SplitOpt = Annotated[Split, typer.Option(
    "--split", help="How held-out rows are chosen: whole countries (no leak across years) or random rows.",
    case_sensitive=False)]
ModelOpt = Annotated[str, typer.Option(
    "--model", "-m", help="Model name (looked up in ./models/, then the shipped models) or path to a .joblib file.")]


# --- The model specification: options shared by every command that fits (fit, cv, select) -------------
# Declared once here. A command that fits takes a `spec` parameter and is wrapped in `model_options`:
# the options below then appear in its --help and arrive already built into a `fitting.Spec`. A new model
# option (say --lr) is one entry in MODEL_OPTIONS (and, when it is not a Spec field, goes to Spec.options).

MODEL_OPTIONS: tuple[tuple[str, object, object], ...] = (
    ("solver", Annotated[str, typer.Option(
        help="lstsq (exact, QR) or normal (the lecture's normal equation).")], "lstsq"),
    ("scale", Annotated[Optional[str], typer.Option(
        help="none, minmax (normalization) or standard (standardization). Default: none.",
        show_default=False)], None),
    ("impute", Annotated[str, typer.Option(help="Missing feature values: mean, median, or drop the row.")], "mean"),
    ("no_intercept", Annotated[bool, typer.Option("--no-intercept", help="Fit through the origin.")], False),
)
# The type of a command's `spec` parameter: a fitting.Spec built by `model_options` (never parsed itself).
ModelSpec = Any


def build_spec(solver: str = "lstsq", scale: str | None = None, impute: str = "mean", no_intercept: bool = False,
               kind: str = "linear", **options):
    """The `fitting.Spec` that the model options describe; options that are not Spec fields go to
    `Spec.options` (None means "not given" and is left out)."""
    from lifeexp_cli import fitting

    return fitting.Spec(kind=kind, solver=solver, scale=scale or "none", impute=impute,
                        intercept=not no_intercept,
                        options={k: v for k, v in options.items() if v is not None})


def model_options(command):
    """Give `command` the model options: its `spec` parameter is replaced, in --help and on the command
    line, by the options of MODEL_OPTIONS, and the command receives `spec=build_spec(...)`."""
    signature = inspect.signature(command, eval_str=True)
    declared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
                for name, kind, default in MODEL_OPTIONS]
    params = []
    for param in signature.parameters.values():
        if param.name == "spec":
            params.extend(declared)
        else:
            params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))
    names = [name for name, _, _ in MODEL_OPTIONS]

    @functools.wraps(command)
    def run(**kwargs):
        spec = build_spec(**{name: kwargs.pop(name) for name in names})
        return command(spec=spec, **kwargs)

    run.__signature__ = signature.replace(parameters=params)
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run
