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


# The choices of the declared options as the str Enums Typer offers (case-insensitive), as the commands name them
# (`Format.table`, `Split.country`); the hidden units' activations as nn/activations.py names them (it loads
# without numpy). Made on first use (`__getattr__`), like the parameters below.
CHOICES = {"Format": declared.SHARED_BY_NAME["format"], "Split": declared.SHARED_BY_NAME["split"],
           "Engine": declared.SHARED_BY_NAME["engine"], "Activation": declared.BY_NAME["activation"],
           "ModelKind": declared.BY_NAME["kind"]}
CHOICE_OF = {option.name: name for name, option in CHOICES.items()}  # option name -> its Enum's name
COMPLETIONS = {"features": completion.features, "columns": completion.columns, "models": completion.models}

# The options several commands share (lifeexp_cli/options.py: SHARED); a command gives its parameter the
# declared default: `data: DataOpt = None`, `output: FormatOpt = Format.table`.
SHARED = {"DataOpt": "data", "FormatOpt": "format", "LevelOpt": "level", "NoHeaderOpt": "no_header",
          "QuietOpt": "quiet", "FeaturesOpt": "features", "ColumnsOpt": "columns", "TargetOpt": "target",
          "SeedOpt": "seed", "FoldSeedOpt": "fold_seed", "SplitOpt": "split", "FoldsOpt": "folds",
          "EngineOpt": "engine", "SchedulerOpt": "scheduler", "ConnectTimeoutOpt": "connect_timeout",
          "ModelOpt": "model"}
# The same options as one command takes them, with its own default and help (lifeexp_cli/options.py: VARIANTS).
VARIANTS = {"FitFoldsOpt": ("fit", "folds"), "CompareFoldsOpt": ("compare", "folds"),
            "PredictModelOpt": ("predict", "model"), "CompareModelsOpt": ("compare", "model"),
            "PredictFormatOpt": ("predict", "format"), "CorrTargetOpt": ("corr", "target"),
            "FeaturesDataOpt": ("features", "data")}


def __getattr__(name: str):
    """`Format`, `DataOpt`, `PredictModelOpt`, ... built when a command module first imports them, once: a
    command builds only the dozen it takes (each Enum and `typer.Option` costs start-up time)."""
    if name in CHOICES:
        built = Enum(name, {value: value for value in CHOICES[name].choices}, type=str)
    elif name in SHARED:
        built = _annotation(declared.SHARED_BY_NAME[SHARED[name]])
    elif name in VARIANTS:
        built = _annotation(declared.VARIANTS[VARIANTS[name]])
    elif name == "OLD_KIND":  # fit, cv and select took the kind of model as --model (now --kind)
        built = hidden_alias("--model", _built("ModelKind"))
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = built
    return built


def _built(name: str):
    """One of the names `__getattr__` builds, built once."""
    return globals()[name] if name in globals() else __getattr__(name)


def _choices(option: declared.Option):
    """The Enum of a declared option's choices (`CHOICES`)."""
    return _built(CHOICE_OF[option.name])


def _annotation(option: declared.Option):
    """The Typer annotation of a declared option: its flags, type (its choices, Optional when its default is
    None), help, bounds, completion and panel."""
    kind = _choices(option) if option.choices else option.type
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


# --- The model specification: options shared by every command that fits (fit, cv, select) -------------
# Each option is declared once, in lifeexp_cli/options.py (MODEL); `model_options` gives a command all of
# them as Typer parameters, and the command builds its `Spec` (model/spec.py) with one call to `build_spec`.

TRAINING = declared.TRAINING
NETWORK = declared.NETWORK


def _typer_parameter(option: declared.Option):
    """(annotation, default) of the Typer parameter an option becomes."""
    default = _choices(option)(option.default) if option.choices and option.default is not None else option.default
    return _annotation(option), default


@functools.cache
def model_parameters() -> dict:
    """Every model option as (annotation, default), built when a command that fits is registered: not on
    the start-up of `predict` or `compare`."""
    return {option.name: _typer_parameter(option) for option in declared.MODEL}


# --- Old spellings, kept for one release as hidden options that print a note --------------------------

def typed(ctx: typer.Context, name: str) -> bool:
    """Whether the user gave the option `name` (not its default): a default they never typed, such as
    --level 0.9 for a model calibrated on too few rows, must not stop predict or compare."""
    from typer._click.core import ParameterSource

    return ctx.get_parameter_source(name) is not ParameterSource.DEFAULT


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
                                       default=None, annotation=_built("OLD_KIND")))

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
