"""The checks of a whole model record, at load: `problem(record)` returns the first damaged field as
(field, what is wrong), or None; store.py turns it into one line, "model file X: field spec.options.lr
must be > 0; refit it with `lifeexp fit`", exit 1. It runs in three steps:

1. `shape_problem` walks the whole record once, iteratively: only dict (str keys), list, str, int, float,
   bool and None; ints within 64 bits (a 10⁴⁰⁰ integer would crash `math.isfinite`); finite floats
   (files are written with NaN and infinity as None); nesting at most MAX_DEPTH; no list or dict reached
   twice; at most MAX_ELEMENTS values. Pickle's memo lets a 2 KB file name one list a billion times: the
   unpickler shares it, but anything that copies or iterates it (a check, numpy, JSON output) would pay
   for each reference. lifeexp writes every list afresh, so a shared one (or a cycle) is refused at once.
2. model/fields.py FIELDS: one line per field path, a check of its type and bounds, and whether it may be
   absent.
3. RECORD_CHECKS: the checks that relate fields to each other (vector lengths = number of features, ...).
   A new one is a function record -> iterator of (field, problem), run after FIELDS passed.

Standard library only: `predict` loads a model on its fast start-up path.
"""

from __future__ import annotations

import math
from typing import Iterator

from lifeexp_cli.limits import MAX_DEPTH, MAX_DOMAIN_CELLS, MAX_ELEMENTS, MAX_INT, MAX_LAYERS, MAX_TEXT, MAX_WIDTH
from lifeexp_cli.model.fields import (ACTIVATIONS, CALIBRATION_METHOD, INFERENCE_STATISTICS, SHIFT_METHOD, STATUS_GROUPS,
                                      field_problems)
from lifeexp_cli.model.packed import numbers_of
from lifeexp_cli.model.value_checks import integer, is_number, kind_of, listing, nullable, number, one_of


ANY_NUMBER = number()


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
    bounds = {"se": number(low=0), "p": number(low=0, high=1)}
    for term, stats in inference["coefficients"].items():
        if type(stats) is not dict or set(stats) != set(INFERENCE_STATISTICS):
            yield f"inference.coefficients.{term}", f"must hold {', '.join(INFERENCE_STATISTICS)}"
            return
        for key, value in stats.items():
            wrong = nullable(bounds.get(key, ANY_NUMBER))(value)
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
    values = scores.tolist() if hasattr(scores, "tolist") else scores  # an array of packed numbers, or a list
    if sorted(values) != values:  # in C, and a sorted list is one run for the sort: thousands of scores per model
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
