"""Every field of a model record that a command uses, checked and bounded once, at load: one table per
part of the record (HEADER, SPEC, PARAMS, METRICS, ... named after the parts of model/record.py), `FIELDS`
all of them in the order they are checked.

A model file is data from anywhere: nothing in it is used before its checks pass (model/record_checks.py
`problem`: the shape walk, then these fields, then the checks across fields). A field line is its path, a
check of its type and bounds (model/value_checks.py; model/packed.py for the long vectors, bytes or
lists) and whether it may be absent. Paths: "metrics.cv.folds[].rmse" checks the `rmse` of each fold; a
child is checked only when its parent is present and not None.

The bounds are lifeexp_cli/limits.py's, the same the fit and the readers hold to. The choices of a field
(solvers, scalings, ...) are restated here, named as in the module that owns them, because those modules
load numpy; tests/unit/model/test_fields.py checks that they agree.

Adding a field to the record? Add its line to its part's table here (required=False: older files lack it,
and a missing field means the feature is absent), its attribute to the part that holds it in
model/record.py, and, if it must agree with other fields, a function to model/record_checks.py
RECORD_CHECKS.

Standard library only: `predict` loads a model on its fast start-up path.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

from lifeexp_cli.limits import (
    CALIBRATION_SCALE, LARGEST_VALUE, MIN_INPUT_SCALE, MAX_CALIBRATION_CENTER, MAX_CALIBRATION_COEF, MAX_CALIBRATION_SCORE,
    MAX_CALIBRATION_SCORES, MAX_COLUMN_CHARS, MAX_DISTANCE_COEF, MAX_DISTANCE_REFERENCE, MAX_DOMAIN_CELLS, MAX_DOMAIN_K,
    MAX_DOMAIN_ROWS, MAX_DOMAIN_VALUE, MAX_EPOCHS, MAX_FEATURES, MAX_FOLDS, MAX_LABEL_CHARS, MAX_LAYERS, MAX_LOG_SCALE,
    MAX_MEMBERS, MAX_METHOD_CHARS, MAX_ROWS_COUNTED, MAX_SOURCE_CHARS, MAX_SPREAD_COEF, MAX_WIDTH, SHA256_CHARS)
from lifeexp_cli.model.packed import packed_numbers
from lifeexp_cli.model.value_checks import Check, either, flag, integer, listing, mapping, nullable, number, one_of, text
from lifeexp_cli.nn.activations import NAMES as ACTIVATIONS

KINDS = ("linear", "mlp")  # model/spec.py KINDS
SOLVERS = ("lstsq", "normal", "gd", "sgd", "momentum", "adam")  # linear/closed_form.py and optim/optimizers.py
SPLITS = ("country", "random")  # prep/splits.py METHODS
SCALES = ("none", "minmax", "standard")  # prep/scaling.py METHODS
IMPUTES = ("mean", "median", "drop")  # prep/impute.py METHODS
INIT_METHODS = ("random", "zeros")  # optim/loop.py INIT_METHODS
MOMENTUM_FORMS = ("slides", "polyak")  # optim/optimizers.py MOMENTUM_FORMS
SE_TYPES = ("cluster", "classical", "hc3")  # linear/inference.py SE_TYPES
INFERENCE_STATISTICS = ("estimate", "se", "t", "p", "ci_low", "ci_high")
CALIBRATION_METHOD = "cv-conformal"  # evaluate/conformal.py METHOD
SHIFT_METHOD = "shift-conformal"  # evaluate/shift.py METHOD
STATUS_GROUPS = ("all", "developed", "developing")  # evaluate/shift.py POOLED and STATUSES
CALIBRATION_SPLITS = (*SPLITS, "rows")  # model/intervals.py: "rows" when the data has no country column
DOMAIN_METHOD = "nearest-rows"  # evaluate/domain.py METHOD
DOMAIN_LEAVE_OUT = ("group", "row")  # evaluate/domain.py: countries left out, or single rows
MONITORED = ("training", "validation")  # optim/loop.py TrainingResult.summary


class Field(NamedTuple):  # not a dataclass: making one costs start-up time that `predict` does not have
    path: str  # dotted; "name[]" applies the rest of the path to each item of the list `name`
    check: Check
    required: bool = True  # False: an older file may lack it (the feature is then absent)


SCORE = nullable(number(low=0))  # rmse, mae and their spreads: null where not computed (NaN is stored as null)
R2 = nullable(number())
COUNT = integer(0)
POSITIVE = number(above=0)

# What the file is and what was fitted: ModelRecord's own fields.
HEADER = [
    Field("format_version", integer(1)),  # the upper bound is record.FORMAT_VERSION, checked before (store.loads)
    Field("lifeexp_version", text(MAX_LABEL_CHARS), required=False),
    Field("created_at", text(MAX_LABEL_CHARS), required=False),
    Field("kind", one_of(*KINDS)),
    Field("target", text(MAX_COLUMN_CHARS)),
    Field("features", listing(text(MAX_COLUMN_CHARS), low=1, high=MAX_FEATURES)),
    Field("intercept", flag),
    Field("solver", one_of(*SOLVERS), required=False),
]

# What was fitted how (SpecPart).
SPEC = [
    Field("spec", mapping),
    Field("spec.kind", one_of(*KINDS)),
    Field("spec.solver", one_of(*SOLVERS)),
    Field("spec.scale", one_of(*SCALES)),
    Field("spec.impute", one_of(*IMPUTES)),
    Field("spec.intercept", flag),
    Field("spec.options", mapping),
    # The training options `compare --folds` trains with again: bounded, so that it ends.
    Field("spec.options.lr", POSITIVE, required=False),
    Field("spec.options.epochs", integer(1, MAX_EPOCHS), required=False),
    Field("spec.options.patience", integer(1, MAX_EPOCHS), required=False),
    Field("spec.options.tol", number(low=0), required=False),
    Field("spec.options.batch_size", nullable(integer(1)), required=False),
    Field("spec.options.seed", integer(0), required=False),
    Field("spec.options.init", one_of(*INIT_METHODS), required=False),
    Field("spec.options.restore_best", flag, required=False),
    Field("spec.options.val_size", nullable(either(number(low=0, high=0), number(above=0, below=1))),
          required=False),
    Field("spec.options.beta", number(low=0, below=1), required=False),
    Field("spec.options.momentum_form", one_of(*MOMENTUM_FORMS), required=False),
    Field("spec.options.beta1", number(low=0, below=1), required=False),
    Field("spec.options.beta2", number(low=0, below=1), required=False),
    Field("spec.options.eps", number(low=0), required=False),
    Field("spec.options.hidden", listing(integer(1, MAX_WIDTH), high=MAX_LAYERS), required=False),
    Field("spec.options.activation", one_of(*ACTIVATIONS), required=False),
    Field("spec.options.weight_decay", number(low=0), required=False),
    Field("spec.options.ensemble", integer(1, MAX_MEMBERS), required=False),
    Field("spec.options.log_skewed", flag, required=False),
]

# Everything prediction needs (Parameters); a network's layers are checked in record_checks.py.
PARAMS = [
    Field("params", mapping),
    # what inputs are filled with, centred on and divided by: within what the readers accept (limits.py), so
    # that (x − center) / scale stays finite for every input a reader accepts
    Field("params.fill", listing(number(-LARGEST_VALUE, LARGEST_VALUE))),
    Field("params.center", listing(number(-LARGEST_VALUE, LARGEST_VALUE))),
    Field("params.scale", listing(number(MIN_INPUT_SCALE, LARGEST_VALUE))),
    Field("params.log", listing(flag), required=False),  # a network's log(1 + x) inputs (prep/skew.py)
    Field("params.weights", listing(number()), required=False),  # linear models (checked in RECORD_CHECKS)
    Field("params.bias", number(), required=False),
    Field("params.network", mapping, required=False),  # networks (checked in RECORD_CHECKS)
    Field("params.members", listing(mapping, low=1, high=MAX_MEMBERS - 1), required=False),  # an ensemble's others
]

# Per feature, of the training rows (ModelRecord.ranges, .means).
PER_FEATURE = [
    Field("ranges", mapping),
    Field("means", mapping),
]

# The scores (Metrics, Scores, CrossValidation).
METRICS = [
    Field("metrics", mapping),
    Field("metrics.train", mapping),
    Field("metrics.train.rmse", number(low=0)),
    Field("metrics.train.mae", SCORE, required=False),
    Field("metrics.train.r2", R2, required=False),
    Field("metrics.test", nullable(mapping), required=False),
    Field("metrics.test.rmse", number(low=0)),
    Field("metrics.test.mae", SCORE),
    Field("metrics.test.r2", R2),
    Field("metrics.cv", nullable(mapping), required=False),
    Field("metrics.cv.rmse", number(low=0)),
    Field("metrics.cv.rmse_std", number(low=0)),  # shown beside the CV RMSE (at least 2 folds: never null)
    *[Field(f"metrics.cv.{key}", SCORE) for key in ("mae", "mae_std", "r2_std")],
    Field("metrics.cv.r2", R2),
    Field("metrics.cv.folds", listing(mapping, low=2, high=MAX_FOLDS)),
    Field("metrics.cv.folds[].rmse", number(low=0)),
    Field("metrics.cv.folds[].mae", SCORE, required=False),
    Field("metrics.cv.folds[].r2", R2, required=False),
    Field("metrics.cv.k", integer(2, MAX_FOLDS)),
    Field("metrics.cv.split", one_of(*SPLITS)),
    Field("metrics.cv.seed", integer(0)),
]

# Where the data's rows went (Rows).
ROWS = [
    Field("rows", nullable(mapping), required=False),
    *[Field(f"rows.{key}", COUNT, required=False)
      for key in ("train", "test", "dropped", "dropped_target", "dropped_missing")],
    Field("rows.imputed", mapping, required=False),
]

# The holdout split (Split).
SPLIT = [
    Field("split", nullable(mapping), required=False),
    Field("split.method", one_of(*SPLITS), required=False),
    Field("split.test_rows", listing(COUNT)),
]

# Where the data came from (Provenance).
PROVENANCE = [
    Field("data", mapping),
    Field("data.sha256", nullable(text(SHA256_CHARS)), required=False),
    Field("data.source", nullable(text(MAX_SOURCE_CHARS)), required=False),
    Field("data.rows", nullable(COUNT), required=False),
]

# The fit's diagnostics and a linear model's coefficients (ModelRecord's own fields).
FIT_FACTS = [
    Field("condition_number", nullable(number(low=0)), required=False),
    Field("warnings", listing(text()), required=False),
    Field("coefficients", nullable(mapping), required=False),
    Field("coefficients_scaled", nullable(mapping), required=False),
]

# An iterative fit's run (Training).
TRAINING = [
    Field("training", nullable(mapping), required=False),
    Field("training.epochs_run", integer(1, MAX_EPOCHS)),
    Field("training.converged", flag),
    Field("training.loss_history", listing(number(low=0), low=1, high=MAX_EPOCHS)),
    Field("training.val_loss_history", nullable(listing(number(low=0), low=1, high=MAX_EPOCHS)), required=False),
    Field("training.initial_loss", number(low=0)),
    Field("training.best_epoch", nullable(integer(0, MAX_EPOCHS)), required=False),
    Field("training.kept_epoch", integer(0, MAX_EPOCHS)),
    Field("training.final_loss", number(low=0)),
    Field("training.final_val_loss", nullable(number(low=0)), required=False),
    Field("training.monitored", one_of(*MONITORED)),
    Field("training.validation_rows", COUNT, required=False),
]

# A network's architecture facts (NetworkShape).
NETWORK = [
    Field("network", nullable(mapping), required=False),
    Field("network.architecture", listing(integer(1, MAX_WIDTH), low=2, high=MAX_LAYERS + 2)),
    Field("network.activation", one_of(*ACTIVATIONS)),
    Field("network.parameters", COUNT),
]

# A linear model's coefficient inference (Inference, model/fit/standard_errors.py); null for a network, absent in
# older files.
INFERENCE = [
    Field("inference", nullable(mapping), required=False),
    Field("inference.se_type", one_of(*SE_TYPES)),
    Field("inference.level", number(above=0, below=1)),
    Field("inference.clusters", nullable(integer(2)), required=False),
    Field("inference.coefficients", mapping),
    *[Field(f"inference.{key}", nullable(number()), required=False)
      for key in ("r2_adj", "f_stat", "log_likelihood", "aic", "bic")],
    Field("inference.f_p", nullable(number(low=0, high=1)), required=False),
]

# The coefficients' covariance (Covariance).
COVARIANCE = [
    Field("coefficient_covariance", nullable(mapping), required=False),
    Field("coefficient_covariance.se_type", one_of(*SE_TYPES)),
    Field("coefficient_covariance.df", integer(1)),
    Field("coefficient_covariance.terms", listing(text(MAX_COLUMN_CHARS), low=1, high=MAX_FEATURES + 1)),
    Field("coefficient_covariance.matrix", listing(listing(number()), low=1, high=MAX_FEATURES + 1)),
]

# The prediction intervals' calibration (Calibration, ErrorSize, DistanceTerm, Spread;
# model/fit/interval_calibration.py), within bounds that keep the intervals finite (limits.py).
CALIBRATION = [
    Field("calibration", nullable(mapping), required=False),
    Field("calibration.method", one_of(CALIBRATION_METHOD, SHIFT_METHOD)),
    Field("calibration.normalizer", text(MAX_METHOD_CHARS), required=False),
    Field("calibration.folds", integer(2, MAX_FOLDS), required=False),
    Field("calibration.split", one_of(*CALIBRATION_SPLITS), required=False),
    Field("calibration.groups", COUNT, required=False),
    Field("calibration.rows", integer(1, MAX_ROWS_COUNTED)),
    # cv-conformal's (evaluate/conformal.py); `calibration_is_whole` requires them for that method
    Field("calibration.scores", packed_numbers(0, MAX_CALIBRATION_SCORE, count_low=1,
                                               count_high=MAX_CALIBRATION_SCORES), required=False),
    Field("calibration.center", listing(number(-MAX_CALIBRATION_CENTER, MAX_CALIBRATION_CENTER)), required=False),
    Field("calibration.scale", listing(number(*CALIBRATION_SCALE)), required=False),
    Field("calibration.coef", listing(number(-MAX_CALIBRATION_COEF, MAX_CALIBRATION_COEF)), required=False),
    Field("calibration.clip", listing(number(-MAX_LOG_SCALE, MAX_LOG_SCALE), low=2, high=2), required=False),
    # shift-conformal's (evaluate/shift.py); `calibration_is_whole` requires them for that method
    Field("calibration.error_size", mapping, required=False),
    Field("calibration.error_size.center", listing(number(-MAX_CALIBRATION_CENTER, MAX_CALIBRATION_CENTER))),
    Field("calibration.error_size.scale", listing(number(*CALIBRATION_SCALE))),
    Field("calibration.error_size.coef", listing(number(-MAX_CALIBRATION_COEF, MAX_CALIBRATION_COEF))),
    Field("calibration.error_size.clip", listing(number(-MAX_LOG_SCALE, MAX_LOG_SCALE), low=2, high=2)),
    Field("calibration.error_size.distance", mapping),
    Field("calibration.error_size.distance.reference", number(below=MAX_DISTANCE_REFERENCE, above=0)),
    Field("calibration.error_size.distance.coef", number(0, MAX_DISTANCE_COEF)),
    Field("calibration.error_size.distance.most", number(0, MAX_LOG_SCALE)),
    Field("calibration.error_size.distance.farthest", number(0, MAX_DISTANCE_REFERENCE), required=False),
    Field("calibration.statuses", mapping, required=False),
    *(field for group in STATUS_GROUPS for field in (
        Field(f"calibration.statuses.{group}", mapping, required=group == "all"),
        Field(f"calibration.statuses.{group}.pooled", mapping),
        Field(f"calibration.statuses.{group}.pooled.rows", integer(0, MAX_ROWS_COUNTED)),
        Field(f"calibration.statuses.{group}.pooled.scores",
              packed_numbers(0, MAX_CALIBRATION_SCORE, count_high=MAX_CALIBRATION_SCORES)),
        Field(f"calibration.statuses.{group}.folds", listing(mapping, high=MAX_FOLDS)),
        Field(f"calibration.statuses.{group}.folds[].rows", integer(0, MAX_ROWS_COUNTED)),
        Field(f"calibration.statuses.{group}.folds[].scores",
              packed_numbers(0, MAX_CALIBRATION_SCORE, count_high=MAX_CALIBRATION_SCORES)))),
    Field("calibration.spread", nullable(mapping), required=False),  # network ensembles only
    Field("calibration.spread.center", number(-MAX_CALIBRATION_CENTER, MAX_CALIBRATION_CENTER)),
    Field("calibration.spread.scale", number(*CALIBRATION_SCALE)),
    Field("calibration.spread.coef", number(-MAX_SPREAD_COEF, MAX_SPREAD_COEF)),
]

# The domain check's reference (Domain): inputs unlike the training data (evaluate/domain.py), reference rows in
# standardized units.
DOMAIN = [
    Field("domain", nullable(mapping), required=False),
    Field("domain.method", one_of(DOMAIN_METHOD)),
    Field("domain.k", integer(1, MAX_DOMAIN_K)),
    Field("domain.quantile", number(above=0, below=1)),
    Field("domain.threshold", number(low=0, high=MAX_DOMAIN_VALUE)),
    Field("domain.center", listing(number(-MAX_DOMAIN_VALUE, MAX_DOMAIN_VALUE))),
    Field("domain.scale", listing(number(MIN_INPUT_SCALE, MAX_DOMAIN_VALUE))),
    Field("domain.training_rows", COUNT, required=False),
    Field("domain.leave_out", one_of(*DOMAIN_LEAVE_OUT), required=False),
    Field("domain.rows", packed_numbers(-MAX_DOMAIN_VALUE, MAX_DOMAIN_VALUE, count_low=1, count_high=MAX_DOMAIN_CELLS,
                                        listed=listing(listing(number(-MAX_DOMAIN_VALUE, MAX_DOMAIN_VALUE)), low=1,
                                                       high=MAX_DOMAIN_ROWS))),
]

# An ensemble's members (EnsembleRun).
ENSEMBLE = [
    Field("ensemble", nullable(mapping), required=False),
    Field("ensemble.members", integer(2, MAX_MEMBERS)),
    Field("ensemble.seeds", listing(integer(0), low=2, high=MAX_MEMBERS)),
    Field("ensemble.epochs_run", listing(integer(1, MAX_EPOCHS), low=2, high=MAX_MEMBERS)),
    Field("ensemble.final_val_loss", listing(nullable(number(low=0)), low=2, high=MAX_MEMBERS)),
]

# How a streamed fit read its data (Streamed).
STREAMED = [
    Field("streamed", nullable(mapping), required=False),
    *[Field(f"streamed.{key}", integer(1), required=False) for key in ("chunk_rows", "chunks", "passes")],
]

# Every field, in the order they are checked (the first problem found is the one reported).
FIELDS = [*HEADER, *SPEC, *PARAMS, *PER_FEATURE, *METRICS, *ROWS, *SPLIT, *PROVENANCE, *FIT_FACTS, *TRAINING, *NETWORK,
          *INFERENCE, *COVARIANCE, *CALIBRATION, *DOMAIN, *ENSEMBLE, *STREAMED]


def field_problems(record: dict, fields: list[Field] = FIELDS) -> Iterator[tuple[str, str]]:
    for spec in fields:
        if "[]" in spec.path:
            yield from _check_path(record, spec.path.split("."), "", spec)
            continue
        # A path through dicts only (most of them), followed in a loop: what _check_path does, faster.
        *parents, key = spec.path.split(".")
        value = record
        for parent in parents:
            value = value.get(parent) if type(value) is dict else None
        if type(value) is not dict:
            continue
        if key not in value:
            if spec.required:
                yield spec.path, "is missing"
            continue
        wrong = spec.check(value[key])
        if wrong:
            yield spec.path, wrong


def _check_path(value, parts: list[str], where: str, spec: Field) -> Iterator[tuple[str, str]]:
    """Follow `parts` from the dict `value` and check what is at the end. A missing or null parent is
    left to its own Field line; so is a list that is not a list."""
    head, rest = parts[0], parts[1:]
    each = head.endswith("[]")
    key = head[:-2] if each else head
    path = f"{where}.{key}" if where else key
    if type(value) is not dict:
        return
    if key not in value:
        if spec.required and not rest:
            yield path, "is missing"
        return
    child = value[key]
    if not rest:
        wrong = spec.check(child)
        if wrong:
            yield path, wrong
    elif each and type(child) is list:
        for i, item in enumerate(child):
            yield from _check_path(item, rest, f"{path}[{i}]", spec)
    elif not each:
        yield from _check_path(child, rest, path, spec)
