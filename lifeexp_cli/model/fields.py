"""Every field of a model record that a command uses, checked and bounded once, at load.

A model file is data from anywhere: nothing in it is used before this check passes. `problem(record)`
returns the first damaged field as (field, what is wrong), or None; store.py turns it into one line,
"model file X: field spec.options.lr must be > 0; refit it with `lifeexp fit`", exit 1. It runs in
three steps:

1. `shape_problem` walks the whole record once, iteratively: only dict (str keys), list, str, int, float,
   bool and None; ints within 64 bits (a 10⁴⁰⁰ integer would crash `math.isfinite`); finite floats
   (files are written with NaN and infinity as None); nesting at most MAX_DEPTH; no list or dict reached
   twice; at most MAX_ELEMENTS values. Pickle's memo lets a 2 KB file name one list a billion times: the
   unpickler shares it, but anything that copies or iterates it (a check, numpy, JSON output) would pay
   for each reference. lifeexp writes every list afresh, so a shared one (or a cycle) is refused at once.
2. FIELDS: one line per field path, a check of its type and bounds, and whether it may be absent.
3. RECORD_CHECKS: the checks that relate fields to each other (vector lengths = number of features, ...).

The long vectors (PACKED: calibration scores, domain reference rows) are stored, from format version 2,
as packed little-endian float64 bytes (`pack_floats`), a list of numbers in version 1 files. Their checks
take either form; on bytes they run in C (min, max, isfinite over an `array`), so a check costs little
whatever their length, and store.loads decodes them to lists after the checks passed (`unpack`).

The bounds are lifeexp_cli/limits.py's, the same the fit and the readers hold to. The choices of a field
(solvers, scalings, ...) are restated here, named as in the module that owns them, because those modules
load numpy; tests/unit/model/test_fields.py checks that they agree.

Adding a field to the record? Add its line to FIELDS (required=False: older files lack it, and a missing
field means the feature is absent), its attribute to the part that holds it in model/record.py, and, if
it must agree with other fields, a function to RECORD_CHECKS. A check is a function value -> None (fine)
or the problem in words ("must be > 0"), written so that "field NAME " + problem reads as a sentence.
Paths: "metrics.cv.folds[].rmse" checks the `rmse` of each fold; a child is checked only when its parent
is present and not None.

Standard library only: `predict` loads a model on its fast start-up path.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from typing import Callable, Iterator, NamedTuple, Optional

from lifeexp_cli.limits import (
    CALIBRATION_SCALE, LARGEST_VALUE, MIN_INPUT_SCALE, MAX_CALIBRATION_CENTER, MAX_CALIBRATION_COEF, MAX_CALIBRATION_SCORE, MAX_CALIBRATION_SCORES,
    MAX_COLUMN_CHARS, MAX_DEPTH, MAX_DISTANCE_COEF, MAX_DISTANCE_REFERENCE, MAX_DOMAIN_CELLS, MAX_DOMAIN_K, MAX_DOMAIN_ROWS, MAX_DOMAIN_VALUE, MAX_ELEMENTS,
    MAX_EPOCHS, MAX_FEATURES, MAX_FOLDS, MAX_INT, MAX_LABEL_CHARS, MAX_LAYERS, MAX_LOG_SCALE, MAX_MEMBERS,
    MAX_METHOD_CHARS, MAX_ROWS_COUNTED, MAX_SOURCE_CHARS, MAX_SPREAD_COEF, MAX_TEXT, MAX_WIDTH, SHA256_CHARS)
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

Check = Callable[[object], Optional[str]]
# Stored as float64 bytes from format version 2 (and a shift calibration's cells' scores: `status_cells`).
PACKED = (("calibration", "scores"), ("domain", "rows"))


# --- packed vectors ---------------------------------------------------------------------------------------

def pack_floats(values) -> bytes:
    """Numbers as little-endian float64 bytes (what format version 2 stores for PACKED fields)."""
    packed = array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_floats(raw: bytes) -> array:
    """The float64 numbers of `pack_floats`' bytes (their length a multiple of 8, checked before)."""
    packed = array("d")
    packed.frombytes(raw)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed


def numbers_of(value):
    """A PACKED field's numbers, whichever form it is stored in (a list, or bytes)."""
    return unpack_floats(value) if type(value) is bytes else value


def rows_of(value, p: int) -> list:
    """Domain rows as lists of p numbers, from either form (bytes: p numbers per row, row after row)."""
    if type(value) is not bytes:
        return value
    return list(map(list, zip(*[iter(unpack_floats(value).tolist())] * p)))  # p numbers at a time, in C


def status_cells(calibration: dict) -> list[dict]:
    """A shift calibration's score cells (each status group's pooled cell and fold cells): their scores
    are PACKED too."""
    groups = calibration.get("statuses")
    if type(groups) is not dict:
        return []
    return [cell for group in groups.values() if type(group) is dict
            for cell in [group.get("pooled"), *(group.get("folds") or [])] if type(cell) is dict]


def unpack(record: dict) -> dict:
    """The record with its PACKED fields as lists of numbers (and lists of rows), as version 1 holds them."""
    calibration, reference = record.get("calibration"), record.get("domain")
    if type(calibration) is dict and type(calibration.get("scores")) is bytes:
        calibration["scores"] = unpack_floats(calibration["scores"]).tolist()
    for cell in status_cells(calibration) if type(calibration) is dict else []:
        if type(cell.get("scores")) is bytes:
            cell["scores"] = unpack_floats(cell["scores"]).tolist()
    if type(reference) is dict and type(reference.get("rows")) is bytes:
        reference["rows"] = rows_of(reference["rows"], len(record["features"]))
    return record


def packed_numbers(low: float, high: float, *, count_low: int = 0, count_high: int = MAX_ELEMENTS,
                   listed: Check | None = None) -> Check:
    """A list of count_low..count_high numbers in [low, high] (or what `listed` accepts: version 1's form),
    or the same numbers as float64 bytes; `count_high` bounds the bytes before they are decoded."""
    listed = listed or listing(number(low, high), low=count_low, high=count_high)

    def check(value):
        if type(value) is not bytes:
            return listed(value)
        if len(value) % 8:
            return f"must hold whole float64 numbers (8 bytes each), got {len(value)} bytes"
        if not count_low <= len(value) // 8 <= count_high:
            return f"must hold {count_low} to {count_high} numbers, got {len(value) // 8}"
        numbers = unpack_floats(value)
        if not all(map(math.isfinite, numbers)):
            return "must hold finite numbers only"
        if numbers and not (low <= min(numbers) and max(numbers) <= high):
            return f"must hold numbers from {low:g} to {high:g}"
        return None
    return check


# --- checks of one value ----------------------------------------------------------------------------------

def is_int(value) -> bool:
    return type(value) is int  # bool is not an int here


def is_number(value) -> bool:
    return type(value) in (int, float)  # the shape walk has bounded ints and refused non-finite floats


def integer(low: int = -MAX_INT, high: int = MAX_INT) -> Check:
    def check(value):
        if not is_int(value):
            return f"must be an integer, got {kind_of(value)}"
        if not low <= value <= high:
            return f"must be from {low} to {high}, got {value}"
        return None
    return check


def number(low: float | None = None, high: float | None = None, *, above: float | None = None,
           below: float | None = None) -> Check:
    """A finite int or float within [low, high] (inclusive) and (above, below) (exclusive)."""
    def check(value):
        if not is_number(value):
            return f"must be a number, got {kind_of(value)}"
        for bound, ok, words in ((low, lambda b: value >= b, ">="), (high, lambda b: value <= b, "<="),
                                 (above, lambda b: value > b, ">"), (below, lambda b: value < b, "<")):
            if bound is not None and not ok(bound):
                return f"must be {words} {bound:g}, got {value:g}"
        return None
    return check


def flag(value):
    return None if type(value) is bool else f"must be true or false, got {kind_of(value)}"


def text(max_chars: int = MAX_TEXT) -> Check:
    def check(value):
        if type(value) is not str:
            return f"must be a string, got {kind_of(value)}"
        return f"must be at most {max_chars} characters" if len(value) > max_chars else None
    return check


def one_of(*choices) -> Check:
    def check(value):
        return None if type(value) is str and value in choices else \
            f"must be one of {', '.join(map(str, choices))}"
    return check


def listing(item: Check | None = None, *, low: int = 0, high: int = MAX_ELEMENTS) -> Check:
    """A list of low..high items, each passing `item`."""
    def check(value):
        if type(value) is not list:
            return f"must be a list, got {kind_of(value)}"
        if not low <= len(value) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            return f"must hold {count} items, got {len(value)}"
        for i, v in enumerate(value if item else ()):
            wrong = item(v)
            if wrong:
                return f"item {i} {wrong}"
        return None
    return check


def mapping(value):
    return None if type(value) is dict else f"must be a mapping, got {kind_of(value)}"


def nullable(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def either(*checks: Check) -> Check:
    """Passes when any check passes; otherwise the first check's problem."""
    def check(value):
        problems = [c(value) for c in checks]
        return None if None in problems else problems[0]
    return check


def kind_of(value) -> str:
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "null"}.get(type(value), type(value).__name__)


# --- the fields -------------------------------------------------------------------------------------------

class Field(NamedTuple):  # not a dataclass: making one costs start-up time that `predict` does not have
    path: str  # dotted; "name[]" applies the rest of the path to each item of the list `name`
    check: Check
    required: bool = True  # False: an older file may lack it (the feature is then absent)


SCORE = nullable(number(low=0))  # rmse, mae and their spreads: null where not computed (NaN is stored as null)
R2 = nullable(number())
COUNT = integer(0)
POSITIVE = number(above=0)

FIELDS = [
    Field("format_version", integer(1)),  # the upper bound is record.FORMAT_VERSION, checked before (store.loads)
    Field("lifeexp_version", text(MAX_LABEL_CHARS), required=False),
    Field("created_at", text(MAX_LABEL_CHARS), required=False),
    Field("kind", one_of(*KINDS)),
    Field("target", text(MAX_COLUMN_CHARS)),
    Field("features", listing(text(MAX_COLUMN_CHARS), low=1, high=MAX_FEATURES)),
    Field("intercept", flag),
    Field("solver", one_of(*SOLVERS), required=False),
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
    Field("ranges", mapping),
    Field("means", mapping),
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
    Field("rows", nullable(mapping), required=False),
    *[Field(f"rows.{key}", COUNT, required=False)
      for key in ("train", "test", "dropped", "dropped_target", "dropped_missing")],
    Field("rows.imputed", mapping, required=False),
    Field("split", nullable(mapping), required=False),
    Field("split.method", one_of(*SPLITS), required=False),
    Field("split.test_rows", listing(COUNT)),
    Field("data", mapping),
    Field("data.sha256", nullable(text(SHA256_CHARS)), required=False),
    Field("data.source", nullable(text(MAX_SOURCE_CHARS)), required=False),
    Field("data.rows", nullable(COUNT), required=False),
    Field("condition_number", nullable(number(low=0)), required=False),
    Field("warnings", listing(text()), required=False),
    Field("coefficients", nullable(mapping), required=False),
    Field("coefficients_scaled", nullable(mapping), required=False),
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
    Field("network", nullable(mapping), required=False),
    Field("network.architecture", listing(integer(1, MAX_WIDTH), low=2, high=MAX_LAYERS + 2)),
    Field("network.activation", one_of(*ACTIVATIONS)),
    Field("network.parameters", COUNT),
    # A linear model's coefficient inference (model/fit/standard_errors.py); null for a network, absent in older files.
    Field("inference", nullable(mapping), required=False),
    Field("inference.se_type", one_of(*SE_TYPES)),
    Field("inference.level", number(above=0, below=1)),
    Field("inference.clusters", nullable(integer(2)), required=False),
    Field("inference.coefficients", mapping),
    *[Field(f"inference.{key}", nullable(number()), required=False)
      for key in ("r2_adj", "f_stat", "log_likelihood", "aic", "bic")],
    Field("inference.f_p", nullable(number(low=0, high=1)), required=False),
    Field("coefficient_covariance", nullable(mapping), required=False),
    Field("coefficient_covariance.se_type", one_of(*SE_TYPES)),
    Field("coefficient_covariance.df", integer(1)),
    Field("coefficient_covariance.terms", listing(text(MAX_COLUMN_CHARS), low=1, high=MAX_FEATURES + 1)),
    Field("coefficient_covariance.matrix", listing(listing(number()), low=1, high=MAX_FEATURES + 1)),
    # prediction intervals (model/fit/interval_calibration.py), within bounds that keep them finite (limits.py)
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
    # inputs unlike the training data (evaluate/domain.py): reference rows in standardized units
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
    Field("ensemble", nullable(mapping), required=False),
    Field("ensemble.members", integer(2, MAX_MEMBERS)),
    Field("ensemble.seeds", listing(integer(0), low=2, high=MAX_MEMBERS)),
    Field("ensemble.epochs_run", listing(integer(1, MAX_EPOCHS), low=2, high=MAX_MEMBERS)),
    Field("ensemble.final_val_loss", listing(nullable(number(low=0)), low=2, high=MAX_MEMBERS)),
    Field("streamed", nullable(mapping), required=False),
    *[Field(f"streamed.{key}", integer(1), required=False) for key in ("chunk_rows", "chunks", "passes")],
]


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


# --- the checks across fields -----------------------------------------------------------------------------

def vectors_match_features(record: dict) -> Iterator[tuple[str, str]]:
    p, features, params = len(record["features"]), record["features"], record["params"]
    if len(set(features)) != p:
        twice = next(f for f in features if features.count(f) > 1)
        yield "features", f"names {twice} twice"
    for key in ("fill", "center", "scale", *(["log"] if "log" in params else [])):
        if len(params[key]) != p:
            yield f"params.{key}", f"must hold one number per feature ({p}), got {len(params[key])}"
    for key in ("ranges", "means"):
        if set(record[key]) != set(features):
            yield key, "must have one entry per feature"
    for name, value in record["means"].items():
        if not is_number(value):
            yield f"means.{name}", f"must be a number, got {kind_of(value)}"
    for name, value in record["ranges"].items():
        if value != [None, None] and not (type(value) is list and len(value) == 2 and all(map(is_number, value))
                                          and value[0] <= value[1]):
            yield f"ranges.{name}", "must be [low, high] (or [null, null])"


def kind_matches_its_params(record: dict) -> Iterator[tuple[str, str]]:
    kind, params, spec = record["kind"], record["params"], record["spec"]
    if spec["kind"] != kind:
        yield "spec.kind", f"must match kind ({kind})"
    if "solver" in record and record["solver"] != spec["solver"]:
        yield "solver", "must match spec.solver"
    if kind == "linear":
        if "members" in params:
            yield "params.members", "must be absent for a linear model"
        if spec["solver"] in ("lstsq", "normal") and spec["options"]:
            yield "spec.options", f"must be empty for solver {spec['solver']}"
        if "weights" not in params or "bias" not in params:
            yield "params.weights", "is missing (a linear model needs weights and bias)"
        elif len(params["weights"]) != len(record["features"]):
            yield "params.weights", f"must hold one number per feature ({len(record['features'])})"
        return
    if spec["solver"] in ("lstsq", "normal"):
        yield "spec.solver", "must be an iterative solver for a network"
    yield from network_problems(params.get("network"), len(record["features"]))
    yield from members_problems(record)


def members_problems(record: dict) -> Iterator[tuple[str, str]]:
    """An ensemble (`--ensemble K`): K − 1 members besides params.network, each a network of its shape."""
    params, options = record["params"], record["spec"]["options"]
    members = params.get("members", [])
    if len(members) + 1 != options.get("ensemble", 1):
        yield "params.members", f"must hold spec.options.ensemble − 1 networks ({options.get('ensemble', 1) - 1})"
        return
    for i, member in enumerate(members):
        for where, problem in network_problems(member, len(record["features"])):
            yield where.replace("params.network", f"params.members[{i}]"), problem
            return
        if member["sizes"] != params["network"]["sizes"] or member["activation"] != params["network"]["activation"]:
            yield f"params.members[{i}]", "must have the sizes and activation of params.network"
            return


def network_problems(network, p: int) -> Iterator[tuple[str, str]]:
    """A stored network: sizes within the caps, then weights and biases of exactly those shapes."""
    if type(network) is not dict:
        yield "params.network", "is missing (a network needs its layers)"
        return
    for key, check in (("activation", one_of(*ACTIVATIONS)),
                       ("sizes", listing(integer(1, MAX_WIDTH), low=2, high=MAX_LAYERS + 2)),
                       ("weights", listing()), ("biases", listing())):
        wrong = check(network.get(key)) if key in network else "is missing"
        if wrong:
            yield f"params.network.{key}", wrong
            return
    sizes = network["sizes"]
    if sizes[0] != p or sizes[-1] != 1:
        yield "params.network.sizes", f"must run from the {p} features to 1 output, got {sizes}"
        return
    layers = list(zip(sizes[:-1], sizes[1:]))
    for key in ("weights", "biases"):
        if len(network[key]) != len(layers):
            yield f"params.network.{key}", f"must hold {len(layers)} layers, got {len(network[key])}"
            return
    row = {n: listing(number(), low=n, high=n) for n in set(sizes)}
    for i, (W, b, (fan_in, fan_out)) in enumerate(zip(network["weights"], network["biases"], layers)):
        wrong = listing(row[fan_out], low=fan_in, high=fan_in)(W)
        if wrong:
            yield f"params.network.weights[{i}]", wrong
        wrong = row[fan_out](b)
        if wrong:
            yield f"params.network.biases[{i}]", wrong


def cv_folds_match_k(record: dict) -> Iterator[tuple[str, str]]:
    cv = record["metrics"].get("cv")
    if cv and cv["k"] != len(cv["folds"]):
        yield "metrics.cv.k", f"must equal the number of folds ({len(cv['folds'])})"


def training_history_is_whole(record: dict) -> Iterator[tuple[str, str]]:
    run = record.get("training")
    if not run:
        return
    if len(run["loss_history"]) != run["epochs_run"]:
        yield "training.loss_history", f"must hold one loss per epoch run ({run['epochs_run']})"
    if run["kept_epoch"] > run["epochs_run"]:
        yield "training.kept_epoch", "must be at most epochs_run"


def inference_matches_the_terms(record: dict) -> Iterator[tuple[str, str]]:
    """inference and coefficient_covariance: a linear model's, one entry per term (intercept first)."""
    inference, covariance = record.get("inference"), record.get("coefficient_covariance")
    if inference is None and covariance is None:
        return
    if record["kind"] != "linear" or inference is None or covariance is None:
        yield "inference", "must be null for a network, and come with coefficient_covariance for a linear model"
        return
    terms = (["intercept"] if record["intercept"] else []) + record["features"]
    if (inference.get("clusters") is None) != (inference["se_type"] != "cluster"):
        yield "inference.clusters", "must be a count of countries exactly when se_type is cluster"
    if list(inference["coefficients"]) != terms:
        yield "inference.coefficients", f"must have one entry per term ({', '.join(terms)})"
        return
    for term, stats in inference["coefficients"].items():
        if type(stats) is not dict or set(stats) != set(INFERENCE_STATISTICS):
            yield f"inference.coefficients.{term}", f"must hold {', '.join(INFERENCE_STATISTICS)}"
            return
        for key, value in stats.items():
            bounds = {"se": number(low=0), "p": number(low=0, high=1)}.get(key, number())
            wrong = nullable(bounds)(value)
            if wrong:
                yield f"inference.coefficients.{term}.{key}", wrong
                return
    if covariance["se_type"] != inference["se_type"] or covariance["terms"] != terms:
        yield "coefficient_covariance", "must match inference's se_type and terms"
    elif len(covariance["matrix"]) != len(terms) or any(len(row) != len(terms) for row in covariance["matrix"]):
        yield "coefficient_covariance.matrix", f"must be {len(terms)} × {len(terms)}"
def calibration_is_whole(record: dict) -> Iterator[tuple[str, str]]:
    """The interval calibration's vectors fit the features, its scores are sorted order statistics."""
    calibration = record.get("calibration")
    if not calibration:
        return
    if calibration.get("spread") and not (record["kind"] == "mlp" and record["params"].get("members")):
        yield "calibration.spread", "is only for a network ensemble (a model with members)"
    if calibration["method"] == SHIFT_METHOD:
        if calibration.get("spread"):
            yield "calibration.spread", f"is only for calibration method {CALIBRATION_METHOD}"
        yield from shift_calibration_is_whole(record, calibration)
        return
    missing = [key for key in ("center", "scale", "coef", "clip", "scores") if key not in calibration]
    if missing:
        yield f"calibration.{missing[0]}", f"is missing (calibration method {CALIBRATION_METHOD} needs it)"
        return
    yield from error_size_is_whole(record, calibration, "calibration")
    yield from scores_are_whole(numbers_of(calibration["scores"]), calibration["rows"], "calibration.scores")


def error_size_is_whole(record: dict, size: dict, path: str) -> Iterator[tuple[str, str]]:
    """An error-size model's vectors fit the features and its clip is [low, high]."""
    p = len(record["features"])
    for key, length in (("center", p), ("scale", p), ("coef", p + 1)):
        if len(size[key]) != length:
            yield f"{path}.{key}", f"must hold {length} numbers, got {len(size[key])}"
    if size["clip"][0] > size["clip"][1]:
        yield f"{path}.clip", "must be [low, high]"


def scores_are_whole(scores: list, rows: int, path: str) -> Iterator[tuple[str, str]]:
    """Stored scores are sorted order statistics of at most `rows` scores."""
    if len(scores) > rows:
        yield path, f"must hold at most rows ({rows}) scores"
    if any(map(operator.gt, scores, scores[1:])):  # in C: thousands of scores per model
        yield path, "must be sorted"


def shift_calibration_is_whole(record: dict, calibration: dict) -> Iterator[tuple[str, str]]:
    """evaluate/shift.py's calibration: its error-size model, and status groups whose cells are sorted
    scores of at most their rows, each group with the same folds, the pooled group with every row."""
    for key in ("error_size", "statuses"):
        if key not in calibration:
            yield f"calibration.{key}", f"is missing (calibration method {SHIFT_METHOD} needs it)"
            return
    yield from error_size_is_whole(record, calibration["error_size"], "calibration.error_size")
    groups = calibration["statuses"]
    unknown = sorted(set(groups) - set(STATUS_GROUPS))
    if unknown:
        yield f"calibration.statuses.{unknown[0]}", f"is no status group (expected {', '.join(STATUS_GROUPS)})"
        return
    if groups["all"]["pooled"]["rows"] != calibration["rows"]:
        yield "calibration.statuses.all.pooled.rows", f"must be the calibration's rows ({calibration['rows']})"
    for name, group in groups.items():
        if len(group["folds"]) != len(groups["all"]["folds"]):
            yield f"calibration.statuses.{name}.folds", "must hold one cell per calibration fold"
        for where, cell in (("pooled", group["pooled"]), *((f"folds[{i}]", c) for i, c in enumerate(group["folds"]))):
            yield from scores_are_whole(numbers_of(cell["scores"]), cell["rows"],
                                        f"calibration.statuses.{name}.{where}.scores")


def coefficients_match_features(record: dict) -> Iterator[tuple[str, str]]:
    """A linear model's coefficients (original and scaled units): one number per feature, and the
    intercept's (null without an intercept): `fit`, `plot` and the estimator print them by feature."""
    for key in ("coefficients", "coefficients_scaled"):
        coef = record.get(key)
        if not coef:
            continue
        for term in record["features"]:
            if not is_number(coef.get(term)):
                yield f"{key}.{term}", "must be a number (one coefficient per feature)"
        if "intercept" not in coef or not (coef["intercept"] is None or is_number(coef["intercept"])):
            yield f"{key}.intercept", "must be a number or null"


def domain_is_whole(record: dict) -> Iterator[tuple[str, str]]:
    """The domain check's reference: one number per feature in every vector and row, bounded in size."""
    reference = record.get("domain")
    if not reference:
        return
    p = len(record["features"])
    for key in ("center", "scale"):
        if len(reference[key]) != p:
            yield f"domain.{key}", f"must hold {p} numbers, got {len(reference[key])}"
    rows = reference["rows"]
    if type(rows) is bytes:
        if len(rows) % (8 * p):
            yield "domain.rows", f"must hold {p} numbers in every row"
            return
        rows = range(len(rows) // (8 * p))  # only their count matters below
    elif any(len(row) != p for row in rows):
        yield "domain.rows", f"must hold {p} numbers in every row"
    elif len(rows) * p > max(MAX_DOMAIN_CELLS, p):
        yield "domain.rows", f"must hold at most {MAX_DOMAIN_CELLS} numbers, got {len(rows) * p}"
    if reference["k"] > len(rows):
        yield "domain.k", f"must be at most the number of rows ({len(rows)})"


# A new check across fields: a function record -> iterator of (field, problem), run after FIELDS passed.
RECORD_CHECKS = [vectors_match_features, coefficients_match_features, kind_matches_its_params, cv_folds_match_k,
                 training_history_is_whole, inference_matches_the_terms, calibration_is_whole,
                 domain_is_whole]


# --- the walk over everything -----------------------------------------------------------------------------

def shape_problem(record) -> tuple[str, str] | None:
    """The first value of a type a model never holds, too deep, or past the budget; None if all fine."""
    budget, seen = MAX_ELEMENTS, set()
    stack: list[tuple[object, str, int]] = [(record, "(top)", 0)]
    while stack:
        value, path, depth = stack.pop()
        if type(value) is str:
            budget -= 1 + len(value) // 8
            wrong = _scalar_problem(value)
            if wrong:
                return path, wrong
            continue
        if depth >= MAX_DEPTH:
            return path, f"is nested more than {MAX_DEPTH} levels deep"
        if id(value) in seen:  # lifeexp writes every list afresh: one named twice is a crafted file
            return path, "repeats a list or mapping stored elsewhere in the file (a model file never does)"
        seen.add(id(value))
        budget -= 1 + len(value)
        if budget < 0:
            return path, f"makes the record hold more than {MAX_ELEMENTS} values (one list named many times?)"
        is_dict = type(value) is dict
        for key, item in (value.items() if is_dict else enumerate(value)):
            if is_dict and type(key) is not str:
                return path, "has a key that is not a string"
            if type(item) is bytes:  # a PACKED vector: its field check bounds and decodes it
                budget -= len(item) // 8
                continue
            if type(item) in (dict, list, str):
                stack.append((item, _child(path, key, is_dict), depth + 1))
                continue
            wrong = _scalar_problem(item)
            if wrong:
                return _child(path, key, is_dict), wrong
    return None


def _child(path: str, key, is_dict: bool) -> str:
    if path == "(top)":
        return str(key)
    return f"{path}.{key}" if is_dict else f"{path}[{key}]"


def _scalar_problem(value) -> str | None:
    kind = type(value)
    if kind is int:
        return None if -MAX_INT - 1 <= value <= MAX_INT else "is an integer beyond 64 bits"
    if kind is float:
        return None if math.isfinite(value) else "is not a finite number"
    if kind is str:
        return None if len(value) <= MAX_TEXT else f"is a string longer than {MAX_TEXT} characters"
    if value is None or kind is bool:
        return None
    return f"holds a {kind.__name__}, which a model file never does"


def problem(record: dict) -> tuple[str, str] | None:
    """The first damaged field of a record, as (field, problem), or None when every used field is sound."""
    for find in (lambda: [shape_problem(record)], lambda: field_problems(record),
                 *[(lambda check: lambda: check(record))(check) for check in RECORD_CHECKS]):
        for found in find():
            if found:
                return found
    return None
