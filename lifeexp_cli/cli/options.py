"""Options shared by several commands, declared once."""

from __future__ import annotations

import functools
import inspect
from enum import Enum
from typing import Annotated, Optional

import typer

from lifeexp_cli import options as declared
from lifeexp_cli.cli import completion


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


# The hidden units' activations, as nn/activations.py names them (it loads without numpy).
Activation = Enum("Activation", {name: name for name in declared.BY_NAME["activation"].choices}, type=str)
ModelKind = Enum("ModelKind", {name: name for name in declared.BY_NAME["kind"].choices}, type=str)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class Split(str, Enum):
    country = "country"
    random = "random"


DataOpt = Annotated[Optional[str], typer.Option(
    "--data", "-d", help="CSV file to read, or - for stdin. Default: $LIFEEXP_DATA, else the installed copy "
                     "(`lifeexp data where`).", show_default=False)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output: a Rich table, one JSON document, or CSV.", case_sensitive=False)]
LevelOpt = Annotated[float, typer.Option(
    "--level", help="Prediction intervals at this level (0.9: 90% of new countries' values fall inside, as "
                    "calibrated by `fit`); 0 for none.")]
NoHeaderOpt = Annotated[bool, typer.Option(
    "--no-header", help="CSV without its header line (to append to a file); the other formats ignore it.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or informational lines (warnings that change a result still print).")]
FeaturesOpt = Annotated[str, typer.Option(
    "--features", "-F", help="Comma-separated feature names or aliases, or 'all' (see `lifeexp features`).",
    autocompletion=completion.features)]
# --features of the commands that look at columns rather than fit (data describe, corr): any numeric column.
ColumnsOpt = Annotated[Optional[str], typer.Option(
    "--features", "-F", help="Comma-separated columns (names or aliases). Default: every numeric column.",
    show_default=False, autocompletion=completion.features)]
TargetOpt = Annotated[str, typer.Option("--target", "-t", help="Column to predict (name or alias).",
                                        autocompletion=completion.columns)]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed for splits and shuffling, a whole number ≥ 0 "
                                                            "(same seed, same result).")]
FoldSeedOpt = Annotated[Optional[int], typer.Option(
    "--fold-seed", min=0, help="Seed for the folds (and held-out split) alone, a whole number ≥ 0, so that --seed "
                               "varies a network's initial weights while the folds stay fixed. Default: --seed.",
    show_default=False)]
SplitOpt = Annotated[Split, typer.Option(
    "--split", help="How held-out rows are chosen: whole countries (no leak across years) or random rows.",
    case_sensitive=False)]
FoldsOpt = Annotated[int, typer.Option(
    "--folds", "-k", help="Number of folds K (each fold is held out once; by country, at most one per country).")]
# The short options, one meaning each in every command: -k --folds, -o --out (a file to write), -m --model (a
# saved model), -F --features, -t --target, -d --data, -f --format, -q --quiet. --kind has none.
EngineOpt = Annotated[Engine, typer.Option(
    "--engine", help="local: this process. dask: a Dask cluster, for data in many CSV or Parquet files (a glob "
                     "or a folder); needs pip install 'lifeexp[dask]'.", case_sensitive=False)]
SchedulerOpt = Annotated[Optional[str], typer.Option(
    "--scheduler", help="With --engine dask: the scheduler's address (tcp://HOST:8786) or scheduler file. "
                        "Default: a local cluster on this machine (127.0.0.1).", show_default=False)]
ConnectTimeoutOpt = Annotated[Optional[float], typer.Option(
    "--connect-timeout", min=0.1, max=3600, help="With --scheduler: seconds to wait for the scheduler to answer "
    "once connected (a port that accepts but never answers is not a Dask scheduler), and then each time it is "
    "asked while the tasks run (a scheduler that stops answering). Default: 30.",
    show_default=False)]
ModelOpt = Annotated[str, typer.Option(
    "--model", "-m", help="Model name (looked up in ./models/ or $LIFEEXP_MODELS, then the shipped models) or path "
    "to a .joblib file.", autocompletion=completion.models)]


# --- The model specification: options shared by every command that fits (fit, cv, select) -------------
# Each option is declared once, in lifeexp_cli/options.py (MODEL); `model_options` gives a command all of
# them as Typer parameters, and the command builds its `Spec` (model/spec.py) with one call to `build_spec`.

TRAINING = declared.TRAINING
NETWORK = declared.NETWORK


def _typer_parameter(option: declared.Option):
    """(annotation, default) of the Typer parameter an option becomes."""
    kind = CHOICES[option.name] if option.choices else option.type
    if option.default is None:
        kind = Optional[kind]
    extra = {"case_sensitive": False} if option.choices else {}
    if option.panel:
        extra["rich_help_panel"] = option.panel
    if not option.show_default:
        extra["show_default"] = False
    default = CHOICES[option.name](option.default) if option.choices and option.default is not None else option.default
    return Annotated[kind, typer.Option(*option.flags, help=option.help, **extra)], default


CHOICES = {"kind": ModelKind, "activation": Activation}
MODEL_PARAMETERS = {option.name: _typer_parameter(option) for option in declared.MODEL}


# --- Old spellings, kept for one release as hidden options that print a note --------------------------

def deprecation_note(old: str, new: str, value=None) -> str:
    given = "" if value is None else f" {getattr(value, 'value', value)}"
    return f"{old}{given} is now {new}{given}; the old spelling goes in the next release"


def hidden_alias(flag: str, kind):
    """The annotation of a hidden parameter (default None) that accepts an old spelling of an option."""
    extra = {"case_sensitive": False} if isinstance(kind, type) and issubclass(kind, Enum) else {}
    return Annotated[Optional[kind], typer.Option(flag, hidden=True, show_default=False, **extra)]


def old_spellings(**renamed: tuple[str, str, str]):
    """Accept old spellings as hidden parameters: `old_spellings(cv_old=("--cv", "cv", "--folds"))` takes the
    value of the command's hidden parameter `cv_old` (declared with `hidden_alias`) into its parameter `cv`,
    whose flag is now --folds, and prints the one-line note on stderr."""

    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            for alias, (old, parameter, new) in renamed.items():
                value = kwargs.pop(alias, None)
                if value is not None:
                    _note(deprecation_note(old, new, value))
                    kwargs[parameter] = value
            return command(*args, **kwargs)

        run.__signature__ = inspect.signature(command)
        return run

    return decorate


def _note(text: str) -> None:
    from lifeexp_cli.cli import render

    render.info(text)


# fit, cv and select took the kind of model as --model (now --kind; --model names a saved model).
OLD_KIND = hidden_alias("--model", ModelKind)


def model_options(after: str):
    """Give a command every model option (lifeexp_cli/options.py: MODEL) as Typer parameters, placed after
    its parameter `after`; the command receives them as one dict, `model_options` (None: not given). The old
    spelling of --kind, --model, is accepted as a hidden option with a note."""

    def decorate(command):
        signature = inspect.signature(command)
        kept = [p for p in signature.parameters.values() if p.name != "model_options"]
        at = [p.name for p in kept].index(after) + 1
        added = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                   annotation=annotation)
                 for name, (annotation, default) in MODEL_PARAMETERS.items()]
        added.append(inspect.Parameter("old_model_kind", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                       default=None, annotation=OLD_KIND))

        @functools.wraps(command)
        def run(*args, **kwargs):
            given = {name: kwargs.pop(name) for name in MODEL_PARAMETERS if name in kwargs}
            old = kwargs.pop("old_model_kind", None)
            if old is not None:
                _note(deprecation_note("--model", "--kind", old))
                given["kind"] = old
            return command(*args, **kwargs, model_options=given)

        run.__signature__ = signature.replace(parameters=[*kept[:at], *added, *kept[at:]])
        run.__annotations__ = {p.name: p.annotation for p in run.__signature__.parameters.values()}
        return run

    return decorate


def build_spec(*, seed: int = 0, **given):
    """The `Spec` that the model options describe, with the model's and solver's defaults filled in
    (`spec.from_options`); options left out or None mean "not given". The seed is the command's --seed:
    it also draws θ and shuffles mini-batches."""
    from lifeexp_cli.model import spec

    unknown = sorted(set(given) - set(declared.BY_NAME))
    if unknown:
        raise TypeError(f"build_spec() got unexpected option(s): {', '.join(unknown)}")
    values = {name: getattr(value, "value", value) for name, value in given.items()}
    model = {name: values.pop(name, declared.BY_NAME[name].default)
             for name in ("kind", "solver", "scale", "impute", "no_intercept")}
    return spec.from_options(model["kind"], model["solver"], scale=model["scale"], impute=model["impute"],
                             intercept=not model["no_intercept"], seed=seed, options=values)


build_spec.__signature__ = inspect.Signature(
    [inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=option.default)
     for option in declared.MODEL] + [inspect.Parameter("seed", inspect.Parameter.KEYWORD_ONLY, default=0)])
