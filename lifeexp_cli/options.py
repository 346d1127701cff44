"""Options shared by several commands, declared once."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Activation(str, Enum):
    relu = "relu"
    tanh = "tanh"
    sigmoid = "sigmoid"
    identity = "identity"


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
