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


class Activation(str, Enum):
    relu = "relu"
    tanh = "tanh"
    sigmoid = "sigmoid"
    identity = "identity"


class ModelKind(str, Enum):
    linear = "linear"
    mlp = "mlp"


class Split(str, Enum):
    country = "country"
    random = "random"


DataOpt = Annotated[Optional[str], typer.Option(
    "--data", "-d", help="CSV file to read, or - for stdin. Default: $LIFEEXP_DATA.", show_default=False)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output: a Rich table, one JSON document, or CSV.", case_sensitive=False)]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or informational lines (warnings that change a result still print).")]
FeaturesOpt = Annotated[str, typer.Option(
    "--features", "-F", help="Comma-separated feature names or aliases, or 'all' (see `lifeexp features`).")]
TargetOpt = Annotated[str, typer.Option("--target", "-t", help="Column to predict (name or alias).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for splits and shuffling (same seed, same result).")]
SplitOpt = Annotated[Split, typer.Option(
    "--split", help="How held-out rows are chosen: whole countries (no leak across years) or random rows.",
    case_sensitive=False)]
ModelOpt = Annotated[str, typer.Option(
    "--model", "-m", help="Model name (looked up in ./models/, then the shipped models) or path to a .joblib file.")]


# --- The model specification: options shared by every command that fits (fit, cv, select) -------------
# Declared once here. A command that fits takes a `spec` parameter and is wrapped in `model_options`:
# the options below then appear in its --help and arrive already built into a `spec.Spec`. A new model
# option (say --lr) is one entry in MODEL_OPTIONS (and, when it is not a Spec field, goes to Spec.options).

TRAINING = "Iterative solvers (gd, sgd, momentum, adam)"
NETWORK = "Neural network (--model mlp)"


def _training(help_text: str, kind=Optional[float], *flags: str):
    return Annotated[kind, typer.Option(*flags, help=help_text, show_default=False, rich_help_panel=TRAINING)]


def _network(help_text: str, kind=Optional[float], **extra):
    return Annotated[kind, typer.Option(help=help_text, show_default=False, rich_help_panel=NETWORK, **extra)]


MODEL_OPTIONS: tuple[tuple[str, object, object], ...] = (
    ("model", Annotated[ModelKind, typer.Option(
        "--model", help="linear (θ of a linear model) or mlp (a neural network with hand-written backprop).",
        case_sensitive=False)], ModelKind.linear),
    ("solver", Annotated[Optional[str], typer.Option(
        help="lstsq (exact, QR) or normal (the lecture's normal equation); or iterative: gd (full-batch "
             "gradient descent), sgd (mini-batch), momentum (Polyak), adam (Kingma & Ba). "
             "Default: lstsq for linear, adam for mlp (which takes only the iterative ones).",
        show_default=False)], None),
    ("scale", Annotated[Optional[str], typer.Option(
        help="none, minmax (normalization) or standard (standardization). Default: standard for gd, sgd, "
             "momentum, adam; none for lstsq, normal.", show_default=False)], None),
    ("impute", Annotated[str, typer.Option(help="Missing feature values: mean, median, or drop the row.")], "mean"),
    ("no_intercept", Annotated[bool, typer.Option("--no-intercept", help="Fit through the origin.")], False),
    ("lr", _training("Learning rate α. Default: 0.1 (gd), 0.003 (sgd), 0.0003 (momentum), 0.005 (adam); "
                     "for mlp 0.01 (gd), 0.01 (sgd), 0.001 (momentum), 0.003 (adam).",
                     Optional[float], "--lr"), None),
    ("epochs", _training("Most passes over the training rows. Default: 1000 (linear), 500 (mlp).",
                         Optional[int]), None),
    ("batch_size", _training("Rows per mini-batch for sgd, momentum, adam (the row count or more means full "
                             "batch). Default: 64.", Optional[int]), None),
    ("tol", _training("An epoch improves when the loss falls below best − tol·max(best, 1). Default: 1e-7 "
                      "(linear), 1e-4 (mlp)."), None),
    ("patience", _training("Stop (converged) after this many epochs without improvement. Default: 50 (linear), "
                           "20 (mlp).", Optional[int]), None),
    ("beta", _training("Momentum β. Default: 0.9."), None),
    ("beta1", _training("Adam β1 (first moment). Default: 0.9."), None),
    ("beta2", _training("Adam β2 (second moment). Default: 0.999."), None),
    ("eps", _training("Adam ε. Default: 1e-8."), None),
    ("init", _training("Initial θ: random (a standard normal draw from --seed) or zeros. Default: random "
                       "(for mlp: He/Xavier from --seed, the only choice).", Optional[str]), None),
    ("val_size", _training("Set aside this share of the training countries (rows with --split random) and stop "
                           "early on their loss instead of the training loss. Default: none (linear), "
                           "0.1 (mlp); 0 turns it off."), None),
    ("restore_best", _training("Keep θ from the epoch with the lowest monitored loss, or from the last epoch. "
                               "Default: best.", Optional[bool], "--restore-best/--no-restore-best"), None),
    ("hidden", _network("Hidden layer widths, input side first, e.g. 64,32 (none: no hidden layer). "
                        "Default: 64,32.", Optional[str]), None),
    ("activation", _network("Hidden units' activation g in o = g(Σ wⱼxⱼ + b); the output unit is linear. "
                            "Default: relu.", Optional[Activation], case_sensitive=False), None),
    ("weight_decay", _network("L2 penalty λ: the loss is MSE + λ·Σ‖W‖² over the weights (not the biases). "
                              "Default: 0.03."), None),
)
# The type of a command's `spec` parameter: a spec.Spec built by `model_options` (never parsed itself).
ModelSpec = Any


def build_spec(solver: str | None = None, scale: str | None = None, impute: str = "mean",
               no_intercept: bool = False, model: ModelKind | str = "linear", seed: int = 0,
               hidden: str | None = None, activation: Activation | str | None = None,
               weight_decay: float | None = None, **training):
    """The `spec.Spec` that the model options describe, with the model's and solver's defaults filled
    in (`spec.make_spec`); options left at None mean "not given"."""
    from lifeexp_cli.model.spec import make_spec

    network = {"hidden": hidden, "activation": getattr(activation, "value", activation),
               "weight_decay": weight_decay}
    return make_spec(getattr(model, "value", model), solver, scale=scale, impute=impute,
                     intercept=not no_intercept,
                     training={k: v for k, v in training.items() if v is not None}, seed=seed,
                     network_options=network)


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
        # The seed also draws θ and shuffles mini-batches, so the spec gets the command's --seed.
        spec = build_spec(**{name: kwargs.pop(name) for name in names}, seed=kwargs.get("seed", 0))
        return command(spec=spec, **kwargs)

    run.__signature__ = signature.replace(parameters=params)
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run
