"""The command line's parameters, built from the options declared once in lifeexp_cli/options.py (`MODEL` and
`SHARED`): the shared ones (`DataOpt`, `FormatOpt`, ...), `model_options` and `build_spec`, and the old spellings
kept for one release."""

from __future__ import annotations

import functools
import inspect
from enum import Enum
from typing import Annotated, Optional

import typer

from lifeexp_cli import options as declared
from lifeexp_cli.cli import completion


def _choice(name: str, option: declared.Option):
    """A declared option's choices as the str Enum Typer offers (case-insensitive)."""
    return Enum(name, {value: value for value in option.choices}, type=str)


# The choices of the declared options, as the commands name them (`Format.table`, `Split.country`); the hidden
# units' activations as nn/activations.py names them (it loads without numpy).
Format = _choice("Format", declared.SHARED_BY_NAME["format"])
Split = _choice("Split", declared.SHARED_BY_NAME["split"])
Engine = _choice("Engine", declared.SHARED_BY_NAME["engine"])
Activation = _choice("Activation", declared.BY_NAME["activation"])
ModelKind = _choice("ModelKind", declared.BY_NAME["kind"])
CHOICES = {"kind": ModelKind, "activation": Activation, "format": Format, "split": Split, "engine": Engine}
COMPLETIONS = {"features": completion.features, "columns": completion.columns, "models": completion.models}


def _annotation(option: declared.Option):
    """The Typer annotation of a declared option: its flags, type (its choices, Optional when its default is
    None), help, bounds, completion and panel."""
    kind = CHOICES[option.name] if option.choices else option.type
    if option.default is None:
        kind = Optional[kind]
    extra = {"case_sensitive": False} if option.choices else {}
    if option.panel:
        extra["rich_help_panel"] = option.panel
    if not option.show_default:
        extra["show_default"] = False
    if option.low is not None:
        extra["min"] = option.low
    if option.high is not None:
        extra["max"] = option.high
    if option.complete:
        extra["autocompletion"] = COMPLETIONS[option.complete]
    return Annotated[kind, typer.Option(*option.flags, help=option.help, **extra)]


def _shared(name: str):
    return _annotation(declared.SHARED_BY_NAME[name])


# The options several commands share (lifeexp_cli/options.py: SHARED); a command gives its parameter the
# declared default: `data: DataOpt = None`, `output: FormatOpt = Format.table`.
DataOpt = _shared("data")
FormatOpt = _shared("format")
LevelOpt = _shared("level")
NoHeaderOpt = _shared("no_header")
QuietOpt = _shared("quiet")
FeaturesOpt = _shared("features")
ColumnsOpt = _shared("columns")
TargetOpt = _shared("target")
SeedOpt = _shared("seed")
FoldSeedOpt = _shared("fold_seed")
SplitOpt = _shared("split")
FoldsOpt = _shared("folds")
EngineOpt = _shared("engine")
SchedulerOpt = _shared("scheduler")
ConnectTimeoutOpt = _shared("connect_timeout")
ModelOpt = _shared("model")
# The same options as one command takes them, with its own default and help (lifeexp_cli/options.py: VARIANTS).
FitFoldsOpt = _annotation(declared.VARIANTS["fit", "folds"])
CompareFoldsOpt = _annotation(declared.VARIANTS["compare", "folds"])
PredictModelOpt = _annotation(declared.VARIANTS["predict", "model"])
CompareModelsOpt = _annotation(declared.VARIANTS["compare", "model"])
PredictFormatOpt = _annotation(declared.VARIANTS["predict", "format"])
CorrTargetOpt = _annotation(declared.VARIANTS["corr", "target"])


# --- The model specification: options shared by every command that fits (fit, cv, select) -------------
# Each option is declared once, in lifeexp_cli/options.py (MODEL); `model_options` gives a command all of
# them as Typer parameters, and the command builds its `Spec` (model/spec.py) with one call to `build_spec`.

TRAINING = declared.TRAINING
NETWORK = declared.NETWORK


def _typer_parameter(option: declared.Option):
    """(annotation, default) of the Typer parameter an option becomes."""
    default = CHOICES[option.name](option.default) if option.choices and option.default is not None else option.default
    return _annotation(option), default


@functools.cache
def model_parameters() -> dict:
    """Every model option as (annotation, default), built when a command that fits is registered: not on
    the start-up of `predict` or `compare`."""
    return {option.name: _typer_parameter(option) for option in declared.MODEL}


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
                 for name, (annotation, default) in model_parameters().items()]
        added.append(inspect.Parameter("old_model_kind", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                       default=None, annotation=OLD_KIND))

        @functools.wraps(command)
        def run(*args, **kwargs):
            given = {name: kwargs.pop(name) for name in model_parameters() if name in kwargs}
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
