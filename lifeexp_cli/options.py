"""Every option declared once: its name, flag, type, default, bounds, choices and help. `MODEL`: the model
options of every command that fits; `SHARED`: the options several commands take (--data, --format, --level,
--seed, ...).

Pure Python (no numpy, no typer), so the math layers take their defaults from here (optim/loop.py,
optim/optimizers.py, nn/regressor.py) and the command line builds its parameters from it
(cli/options.py: `model_options`, which gives fit, cv and select the same options in the same order, and
the shared options' parameters, `DataOpt`, `FormatOpt`, ...). The defaults shown in --help are computed
from the same dictionaries the fit uses, so they cannot drift.

An option's `default` is what the command line passes when the flag is left out: None means "not given",
and then the model kind's or solver's default below applies (`Spec` records the value used).
"""

from __future__ import annotations

from typing import NamedTuple

from lifeexp_cli import limits
from lifeexp_cli.nn import activations

# --- the defaults ----------------------------------------------------------------------------------------

KINDS = ("linear", "mlp")
EXACT_SOLVERS = ("lstsq", "normal")
OPTIMIZERS = ("gd", "sgd", "momentum", "adam")
DEFAULT_SOLVER = {"linear": "lstsq", "mlp": "adam"}
SCALINGS = ("none", "minmax", "standard")
IMPUTATIONS = ("mean", "median", "drop")
MOMENTUM_FORMS = ("slides", "polyak")  # the first is the default
INIT_METHODS = ("random", "zeros")
MAX_ENSEMBLE = limits.MAX_MEMBERS

# The optimizers' hyperparameters (optim/optimizers.py).
OPTIMIZER_DEFAULTS = {"beta": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

# Per-optimizer defaults of a linear model, chosen on Tim's three standardized features (bench/solvers.py
# measures them): each reaches the least-squares optimum to well within 0.1% RMSE and 1% per coefficient.
# Mini-batch noise, not speed, limits sgd and momentum, so their steps are small; momentum in the slides'
# form averages the gradients, so its step is sgd's (Polyak's form sums them: its step is lr/(1 − β) = 10·lr,
# so its default lr is sgd's × (1 − β), the same steps). Adam moves each parameter by about lr per step
# whatever the gradient's scale, so an intercept near 69 years takes some 69/lr steps.
SOLVER_DEFAULTS = {
    "gd": {"lr": 0.1, "batch_size": None},
    "sgd": {"lr": 0.003, "batch_size": 64},
    "momentum": {"lr": 0.003, "batch_size": 64, "momentum_form": MOMENTUM_FORMS[0]},
    "adam": {"lr": 0.005, "batch_size": 64},
}
# Momentum and Adam losses can rise for tens of epochs before falling again, so patience must span that.
TRAINING_DEFAULTS = {"epochs": 1000, "tol": 1e-7, "patience": 50, "init": "random", "seed": 0,
                     "restore_best": True, "val_size": None}

# A network's own (nn/regressor.py), chosen with bench/network.py on all features.
NETWORK_DEFAULTS = {"hidden": [64, 32], "activation": "relu", "weight_decay": 0.03, "ensemble": 1,
                    "log_skewed": True}
# Over TRAINING_DEFAULTS for a network: early stopping on a validation split by default.
NETWORK_TRAINING_DEFAULTS = {"epochs": 500, "tol": 1e-4, "patience": 20, "val_size": 0.1}
NETWORK_SOLVER_DEFAULTS = {
    "gd": {"lr": 0.01},
    "sgd": {"lr": 0.01, "batch_size": 64},
    "momentum": {"lr": 0.01, "batch_size": 64},  # the slides' form; --momentum-form polyak: × (1 − β)
    "adam": {"lr": 0.003, "batch_size": 64},
}


def number(value: float) -> str:
    """A default as help shows it: 0.003, 1e-4 (not 0.0001), 1e-7 (not 1e-07)."""
    text = f"{value:.0e}" if 0 < abs(value) < 1e-3 else f"{value:g}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text  # no regex: this module loads on every start-up


def _per_kind(key: str) -> str:
    return f"{number(TRAINING_DEFAULTS[key])} (linear), {number(NETWORK_TRAINING_DEFAULTS[key])} (mlp)"


def _per_solver(defaults: dict) -> str:
    return ", ".join(f"{number(given['lr'])} ({solver})" for solver, given in defaults.items())


# --- the options -------------------------------------------------------------------------------------------

TRAINING = "Iterative solvers (gd, sgd, momentum, adam)"
NETWORK = "Neural network (--kind mlp)"


class Option(NamedTuple):  # not a frozen dataclass: making one (and its 40 instances) costs start-up time
    """One option: `name` is the keyword of the Python API, the key in `Spec.options` and the Typer
    parameter; `flags` its command-line spelling (empty: --name with dashes); `type` the value's type;
    `choices` the values it takes (the command line offers them as a case-insensitive choice); `low` and
    `high` the bounds the command line enforces (None: none, or checked by the library); `complete` the
    values the shell completes (cli/completion.py: "features", "columns" or "models")."""

    name: str
    type: type
    help: str
    default: object = None
    flags: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    panel: str | None = None
    show_default: bool = False
    low: float | None = None
    high: float | None = None
    complete: str | None = None

    @property
    def training(self) -> bool:
        """An option of the training loop (optim/loop.py), stored in Spec.options."""
        return self.panel == TRAINING

    @property
    def network(self) -> bool:
        """An option of the network (nn/regressor.py), stored in Spec.options."""
        return self.panel == NETWORK


# The model specification: the options of every command that fits (fit, cv, select) and of the Python
# API's fit, cross_validate and select, in the order --help lists them.
# The Python API's keyword for the kind stays `model` (api.py); the command line says --kind, and --model only
# ever names a saved model.
MODEL = (
    Option("kind", str, "linear (θ of a linear model) or mlp (a neural network with hand-written backprop).",
           default="linear", choices=KINDS, show_default=True),
    Option("solver", str, f"{EXACT_SOLVERS[0]} (exact, QR) or {EXACT_SOLVERS[1]} (the lecture's normal equation); "
           "or iterative: gd (full-batch gradient descent), sgd (mini-batch), momentum (see --momentum-form), "
           f"adam (Kingma & Ba). Default: {DEFAULT_SOLVER['linear']} for linear, {DEFAULT_SOLVER['mlp']} for mlp "
           "(which takes only the iterative ones)."),
    Option("scale", str, f"none, minmax (normalization) or standard (standardization). Default: standard for "
           f"{', '.join(OPTIMIZERS)}; none for {', '.join(EXACT_SOLVERS)}."),
    Option("impute", str, "Missing feature values: mean, median, or drop the row.", default=IMPUTATIONS[0],
           show_default=True),
    Option("no_intercept", bool, "Fit through the origin.", default=False, flags=("--no-intercept",),
           show_default=True),
    Option("lr", float, f"Learning rate α. Default: {_per_solver(SOLVER_DEFAULTS)}; for mlp "
           f"{_per_solver(NETWORK_SOLVER_DEFAULTS)}; with --momentum-form polyak the momentum default × (1 − β).",
           flags=("--lr",), panel=TRAINING),
    Option("epochs", int, f"Most passes over the training rows. Default: {_per_kind('epochs')}.", panel=TRAINING),
    Option("batch_size", int, "Rows per mini-batch for sgd, momentum, adam (the row count or more means full "
           f"batch). Default: {SOLVER_DEFAULTS['sgd']['batch_size']}.", panel=TRAINING),
    Option("tol", float, "An epoch improves when the loss falls below best − tol·max(best, 1). Default: "
           f"{_per_kind('tol')}.", panel=TRAINING),
    Option("patience", int, "Stop (converged) after this many epochs without improvement. Default: "
           f"{_per_kind('patience')}.", panel=TRAINING),
    Option("beta", float, f"Momentum β. Default: {number(OPTIMIZER_DEFAULTS['beta'])}.", panel=TRAINING),
    Option("momentum_form", str, "How momentum adds up gradients: slides (the lecture's m = βm + (1 − β)∇J, "
           "an average) or polyak (v = βv + ∇J, a sum: 1/(1 − β) = 10 times the step at β = 0.9 for the same "
           f"--lr). Default: {MOMENTUM_FORMS[0]}.", flags=("--momentum-form",), panel=TRAINING),
    Option("beta1", float, f"Adam β1 (first moment). Default: {number(OPTIMIZER_DEFAULTS['beta1'])}.", panel=TRAINING),
    Option("beta2", float, f"Adam β2 (second moment). Default: {number(OPTIMIZER_DEFAULTS['beta2'])}.",
           panel=TRAINING),
    Option("eps", float, f"Adam ε. Default: {number(OPTIMIZER_DEFAULTS['eps'])}.", panel=TRAINING),
    Option("init", str, "Initial θ: random (a standard normal draw from --seed) or zeros. Default: "
           f"{TRAINING_DEFAULTS['init']} (for mlp: He/Xavier from --seed, the only choice).", panel=TRAINING),
    Option("val_size", float, "Set aside this share of the training countries (rows with --split random) and "
           "stop early on their loss instead of the training loss. Default: "
           f"{TRAINING_DEFAULTS['val_size'] or 'none'} (linear), {number(NETWORK_TRAINING_DEFAULTS['val_size'])} "
           "(mlp); 0 turns it off.", panel=TRAINING),
    Option("restore_best", bool, "Keep θ from the epoch with the lowest monitored loss, or from the last epoch. "
           f"Default: {'best' if TRAINING_DEFAULTS['restore_best'] else 'last'}.",
           flags=("--restore-best/--no-restore-best",), panel=TRAINING),
    Option("hidden", str, "Hidden layer widths, input side first, e.g. 64,32 (none: no hidden layer). Default: "
           f"{','.join(map(str, NETWORK_DEFAULTS['hidden']))}.", panel=NETWORK),
    Option("activation", str, "Hidden units' activation g in o = g(Σ wⱼxⱼ + b); the output unit is linear. "
           f"Default: {NETWORK_DEFAULTS['activation']}.", choices=activations.NAMES, panel=NETWORK),
    Option("weight_decay", float, "L2 penalty λ: the loss is MSE + λ·Σ‖W‖² over the weights (not the biases). "
           f"Default: {number(NETWORK_DEFAULTS['weight_decay'])}.", panel=NETWORK),
    Option("ensemble", int, f"Train K networks (1 to {MAX_ENSEMBLE}) from different initial weights, drawn from "
           "--seed, and average their predictions; the model file holds all K. Default: "
           f"{NETWORK_DEFAULTS['ensemble']}.", panel=NETWORK),
    Option("log_skewed", bool, "Take log(1 + x) of skewed non-negative features (largest value above 20× the "
           "median in the training rows: gdp, population, hiv_aids, ...) before standardizing them. Default: "
           f"{'on' if NETWORK_DEFAULTS['log_skewed'] else 'off'}.", flags=("--log-skewed/--no-log-skewed",),
           panel=NETWORK),
)
BY_NAME = {option.name: option for option in MODEL}
# The keys of Spec.options: the training loop's (with the seed, which is the command's --seed) and the network's.
TRAINING_KEYS = (*(o.name for o in MODEL if o.training), "seed")
NETWORK_KEYS = tuple(o.name for o in MODEL if o.network)


# --- the options several commands share ---------------------------------------------------------------------
# The short options, one meaning each in every command: -k --folds, -o --out (a file to write), -m --model (a
# saved model), -F --features, -t --target, -d --data, -f --format, -q --quiet. --kind has none.
# A command's parameter of one of these takes the default declared here (tests/unit/test_options.py checks).

FORMATS = ("table", "json", "csv")
SPLITS = ("country", "random")
ENGINES = ("local", "dask")

SHARED = (
    Option("data", str, "CSV file to read, or - for stdin. Default: $LIFEEXP_DATA, else the installed copy "
           "(`lifeexp data where`).", flags=("--data", "-d")),
    Option("format", str, "Output: a Rich table, one JSON document, or CSV.", default=FORMATS[0],
           flags=("--format", "-f"), choices=FORMATS, show_default=True),
    Option("level", float, "Prediction intervals at this level (0.9: 90% of new countries' values fall inside, "
           "as calibrated by `fit`); 0 for none.", default=0.9, flags=("--level",), show_default=True),
    Option("no_header", bool, "CSV without its header line (to append to a file); the other formats ignore it.",
           default=False, flags=("--no-header",), show_default=True),
    Option("quiet", bool, "No progress or informational lines (warnings that change a result still print).",
           default=False, flags=("--quiet", "-q"), show_default=True),
    Option("features", str, "Comma-separated feature names or aliases, or 'all' (see `lifeexp features`).",
           flags=("--features", "-F"), show_default=True, complete="features"),
    # --features of the commands that look at columns rather than fit (data describe, corr): any numeric column.
    Option("columns", str, "Comma-separated columns (names or aliases). Default: every numeric column.",
           flags=("--features", "-F"), complete="features"),
    Option("target", str, "Column to predict (name or alias).", default="life_expectancy", flags=("--target", "-t"),
           show_default=True, complete="columns"),
    Option("seed", int, "Seed for splits and shuffling, a whole number ≥ 0 (same seed, same result).",
           default=TRAINING_DEFAULTS["seed"], flags=("--seed",), show_default=True, low=0),
    Option("fold_seed", int, "Seed for the folds (and held-out split) alone, a whole number ≥ 0, so that --seed "
           "varies a network's initial weights while the folds stay fixed. Default: --seed.",
           flags=("--fold-seed",), low=0),
    Option("split", str, "How held-out rows are chosen: whole countries (no leak across years) or random rows.",
           default=SPLITS[0], flags=("--split",), choices=SPLITS, show_default=True),
    Option("folds", int, "Number of folds K (each fold is held out once; by country, at most one per country).",
           default=5, flags=("--folds", "-k"), show_default=True),
    Option("engine", str, "local: this process. dask: a Dask cluster, for data in many CSV or Parquet files (a "
           "glob or a folder); needs pip install 'lifeexp[dask]'.", default=ENGINES[0], flags=("--engine",),
           choices=ENGINES, show_default=True),
    Option("scheduler", str, "With --engine dask: the scheduler's address (tcp://HOST:8786) or scheduler file. "
           "Default: a local cluster on this machine (127.0.0.1).", flags=("--scheduler",)),
    Option("connect_timeout", float, "With --scheduler: seconds to wait for the scheduler to answer once connected "
           "(a port that accepts but never answers is not a Dask scheduler), and then each time it is asked while the "
           "tasks run (a scheduler that stops answering). Default: 30.",
           flags=("--connect-timeout",), low=0.1, high=3600),
    Option("model", str, "Model name (looked up in ./models/ or $LIFEEXP_MODELS, then the shipped models) or path "
           "to a .joblib file.", default="model", flags=("--model", "-m"), show_default=True, complete="models"),
)
SHARED_BY_NAME = {option.name: option for option in SHARED}


def _variant(name: str, **changes) -> Option:
    return SHARED_BY_NAME[name]._replace(**changes)


# A shared option that one command takes with its own default and help: its flags, type, bounds and
# completion stay the shared option's. (command, name) -> Option.
VARIANTS = {
    ("fit", "folds"): _variant("folds", help="Also estimate accuracy by K-fold cross-validation.", default=None,
                               show_default=False),
    ("compare", "folds"): _variant("folds", help="Cross-validate every model's specification again on --data over "
                                   "the same K folds (paired comparison). Default: use the CV each model was saved "
                                   "with.", default=None, show_default=False),
    ("predict", "model"): _variant("model", help=SHARED_BY_NAME["model"].help + " Default: model, if saved; else "
                                   "the shipped model that takes exactly the features given (--bmi: tim-bmi).",
                                   default=None, show_default=False),
    ("compare", "model"): _variant("model", type=list[str], help="Model name or path; repeat for several. Default: "
                                   "tim-bmi, tom-gdp, tim, tom.", default=None, show_default=False),
    ("predict", "format"): _variant("format", help="Output: table, json or csv. Default: table for one person, csv "
                                    "with --input.", default=None, show_default=False),
    ("features", "data"): _variant("data", help="CSV file whose columns to list, or - for stdin. Default: none: "
                                   "the WHO dataset's documented features ($LIFEEXP_DATA is not read).",
                                   default=None, show_default=False),
    ("corr", "target"): _variant("target", help="Rank the other columns by their correlation with this one. "
                                 "Default: life_expectancy when the file has it.", default=None, show_default=False),
}
