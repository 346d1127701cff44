"""Options shared by several commands, declared once."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import completion
from lifeexp_cli.nn import activations


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


# The hidden units' activations, as nn/activations.py names them (it loads without numpy).
Activation = Enum("Activation", {name: name for name in activations.NAMES}, type=str)


class ModelKind(str, Enum):
    linear = "linear"
    mlp = "mlp"


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
EngineOpt = Annotated[Engine, typer.Option(
    "--engine", help="local: this process. dask: a Dask cluster, for data in many CSV or Parquet files (a glob "
                     "or a folder); needs pip install 'lifeexp[dask]'.", case_sensitive=False)]
SchedulerOpt = Annotated[Optional[str], typer.Option(
    "--scheduler", help="With --engine dask: the scheduler's address (tcp://HOST:8786) or scheduler file. "
                        "Default: a local cluster on this machine (127.0.0.1).", show_default=False)]
ModelOpt = Annotated[str, typer.Option(
    "--model", "-m", help="Model name (looked up in ./models/ or $LIFEEXP_MODELS, then the shipped models) or path "
    "to a .joblib file.", autocompletion=completion.models)]


# --- The model specification: options shared by every command that fits (fit, cv, select) -------------
# Each option is declared once here and listed by name in each command's signature; the command then
# builds its `Spec` (model/spec.py) with one call to `build_spec`. A new model option is one alias below, one
# parameter of build_spec, and one line in each of the three commands.

TRAINING = "Iterative solvers (gd, sgd, momentum, adam)"
NETWORK = "Neural network (--model mlp)"


def _training(help_text: str, kind=Optional[float], *flags: str):
    return Annotated[kind, typer.Option(*flags, help=help_text, show_default=False, rich_help_panel=TRAINING)]


def _network(help_text: str, kind=Optional[float], **extra):
    return Annotated[kind, typer.Option(help=help_text, show_default=False, rich_help_panel=NETWORK, **extra)]


ModelKindOpt = Annotated[ModelKind, typer.Option(
    "--model", help="linear (θ of a linear model) or mlp (a neural network with hand-written backprop).",
    case_sensitive=False)]
SolverOpt = Annotated[Optional[str], typer.Option(
    help="lstsq (exact, QR) or normal (the lecture's normal equation); or iterative: gd (full-batch "
         "gradient descent), sgd (mini-batch), momentum (see --momentum-form), adam (Kingma & Ba). "
         "Default: lstsq for linear, adam for mlp (which takes only the iterative ones).",
    show_default=False)]
ScaleOpt = Annotated[Optional[str], typer.Option(
    help="none, minmax (normalization) or standard (standardization). Default: standard for gd, sgd, "
         "momentum, adam; none for lstsq, normal.", show_default=False)]
ImputeOpt = Annotated[str, typer.Option(help="Missing feature values: mean, median, or drop the row.")]
NoInterceptOpt = Annotated[bool, typer.Option("--no-intercept", help="Fit through the origin.")]
LrOpt = _training("Learning rate α. Default: 0.1 (gd), 0.003 (sgd), 0.003 (momentum), 0.005 (adam); "
                  "for mlp 0.01 (gd), 0.01 (sgd), 0.01 (momentum), 0.003 (adam); with --momentum-form "
                  "polyak the momentum default × (1 − β).", Optional[float], "--lr")
EpochsOpt = _training("Most passes over the training rows. Default: 1000 (linear), 500 (mlp).", Optional[int])
BatchSizeOpt = _training("Rows per mini-batch for sgd, momentum, adam (the row count or more means full "
                         "batch). Default: 64.", Optional[int])
TolOpt = _training("An epoch improves when the loss falls below best − tol·max(best, 1). Default: 1e-7 "
                   "(linear), 1e-4 (mlp).")
PatienceOpt = _training("Stop (converged) after this many epochs without improvement. Default: 50 (linear), "
                        "20 (mlp).", Optional[int])
BetaOpt = _training("Momentum β. Default: 0.9.")
MomentumFormOpt = _training("How momentum adds up gradients: slides (the lecture's m = βm + (1 − β)∇J, an "
                            "average) or polyak (v = βv + ∇J, a sum: 1/(1 − β) = 10 times the step at β = 0.9 "
                            "for the same --lr). Default: slides.", Optional[str], "--momentum-form")
Beta1Opt = _training("Adam β1 (first moment). Default: 0.9.")
Beta2Opt = _training("Adam β2 (second moment). Default: 0.999.")
EpsOpt = _training("Adam ε. Default: 1e-8.")
InitOpt = _training("Initial θ: random (a standard normal draw from --seed) or zeros. Default: random "
                    "(for mlp: He/Xavier from --seed, the only choice).", Optional[str])
ValSizeOpt = _training("Set aside this share of the training countries (rows with --split random) and stop "
                       "early on their loss instead of the training loss. Default: none (linear), "
                       "0.1 (mlp); 0 turns it off.")
RestoreBestOpt = _training("Keep θ from the epoch with the lowest monitored loss, or from the last epoch. "
                           "Default: best.", Optional[bool], "--restore-best/--no-restore-best")
HiddenOpt = _network("Hidden layer widths, input side first, e.g. 64,32 (none: no hidden layer). "
                     "Default: 64,32.", Optional[str])
ActivationOpt = _network("Hidden units' activation g in o = g(Σ wⱼxⱼ + b); the output unit is linear. "
                         "Default: relu.", Optional[Activation], case_sensitive=False)
WeightDecayOpt = _network("L2 penalty λ: the loss is MSE + λ·Σ‖W‖² over the weights (not the biases). "
                          "Default: 0.03.")
LogSkewedOpt = Annotated[Optional[bool], typer.Option(
    "--log-skewed/--no-log-skewed", help="Take log(1 + x) of skewed non-negative features (largest value above "
    "20× the median in the training rows: gdp, population, hiv_aids, ...) before standardizing them. Default: on.",
    show_default=False, rich_help_panel=NETWORK)]
EnsembleOpt = _network("Train K networks (1 to 20) from different initial weights, drawn from --seed, and "
                       "average their predictions; the model file holds all K. Default: 1.", Optional[int])


def build_spec(*, model: ModelKind | str = "linear", solver: str | None = None, scale: str | None = None,
               impute: str = "mean", no_intercept: bool = False, lr: float | None = None,
               epochs: int | None = None, batch_size: int | None = None, tol: float | None = None,
               patience: int | None = None, beta: float | None = None, momentum_form: str | None = None,
               beta1: float | None = None,
               beta2: float | None = None, eps: float | None = None, init: str | None = None,
               val_size: float | None = None, restore_best: bool | None = None, hidden: str | None = None,
               activation: Activation | str | None = None, weight_decay: float | None = None,
               ensemble: int | None = None, log_skewed: bool | None = None, seed: int = 0):
    """The `Spec` that the model options describe, with the model's and solver's defaults filled
    in (`spec.from_options`); options left at None mean "not given". The seed is the command's --seed:
    it also draws θ and shuffles mini-batches."""
    from lifeexp_cli.model import spec

    options = {"lr": lr, "epochs": epochs, "batch_size": batch_size, "tol": tol, "patience": patience, "beta": beta,
               "momentum_form": momentum_form,
               "beta1": beta1, "beta2": beta2, "eps": eps, "init": init, "val_size": val_size,
               "restore_best": restore_best, "hidden": hidden, "activation": getattr(activation, "value", activation),
               "weight_decay": weight_decay, "ensemble": ensemble, "log_skewed": log_skewed}
    return spec.from_options(getattr(model, "value", model), solver, scale=scale, impute=impute,
                             intercept=not no_intercept, seed=seed, options=options)
