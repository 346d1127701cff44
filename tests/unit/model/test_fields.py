"""Every field a command uses is checked and bounded at load: a damaged field is one ModelError naming
the file and the field (model/fields.py), never a traceback, a hang, or gigabytes of memory."""

from __future__ import annotations

import copy
from pathlib import Path
import pickle

import pytest

from lifeexp_cli.errors import ModelError
from lifeexp_cli.model import fields, packed, record_checks, store, value_checks

SHIPPED = store.loads((store.shipped_dir() / "tim.joblib").read_bytes())
# A calibration of the method files kept before shift-conformal (cv-conformal: center ... scores), from a
# version-1 file: its sortedness and vector checks are that method's.
OLD_CALIBRATION = store.loads((Path(__file__).parents[2] / "support" / "models-v1" / "tim.joblib").read_bytes())[
    "calibration"]
NETWORK = {"activation": "relu", "sizes": [3, 2, 1], "weights": [[[0.1, 0.2] for _ in range(3)], [[0.3], [0.4]]],
           "biases": [[0.0, 0.0], [70.0]]}


def damaged(change) -> bytes:
    record = copy.deepcopy(SHIPPED)
    change(record)
    return pickle.dumps(record, protocol=4)


def as_network(r):
    r["kind"] = r["spec"]["kind"] = "mlp"
    r["solver"] = r["spec"]["solver"] = "adam"
    r["spec"]["options"] = {"lr": 0.003, "epochs": 500, "tol": 1e-4, "patience": 20, "seed": 0, "hidden": [2],
                            "activation": "relu", "weight_decay": 0.03}
    r["params"] = {k: r["params"][k] for k in ("fill", "center", "scale")} | {"network": copy.deepcopy(NETWORK)}
    r["inference"] = None  # a network has no coefficient inference
    r.pop("coefficient_covariance", None)


def setter(path: str, value):
    def change(r):
        *parents, last = path.split(".")
        for key in parents:
            r = r[key]
        r[last] = value
    return change


def remover(path: str):
    def change(r):
        *parents, last = path.split(".")
        for key in parents:
            r = r[key]
        del r[last]
    return change


SHARED = [0.5] * 10_000

DAMAGE = {
    # (how, the field the message names, a fragment of what it says)
    "format_version true": (setter("format_version", True), "format version true/false", ""),
    "format_version -5": (setter("format_version", -5), "format version -5", ""),
    "format_version huge": (setter("format_version", 10**400), "format version an integer", ""),
    "integer of 10^400": (setter("metrics.train.rmse", 10**400), "field metrics.train.rmse", "64 bits"),
    "cv rmse_std null": (setter("metrics.cv.rmse_std", None), "field metrics.cv.rmse_std", ""),  # compare shows it
    "NaN": (setter("params.bias", float("nan")), "field params.bias", "finite"),
    "a list named a million times": (setter("warnings", [SHARED] * 2000), "field warnings[", "repeats"),
    "nested 100 deep": (setter("coefficients", (lambda: [[[]]])()), "", ""),
    "duplicated features": (setter("features", ["bmi", "bmi", "hiv_aids"]), "field features", "twice"),
    "no data": (remover("data"), "field data", "missing"),
    "no spec": (remover("spec"), "field spec", "missing"),
    "spec not a mapping": (setter("spec", [1]), "field spec", "mapping"),
    "metrics.cv a list": (setter("metrics.cv", [1, 2]), "field metrics.cv", "mapping"),
    "folds without rmse": (lambda r: [f.pop("rmse") for f in r["metrics"]["cv"]["folds"]],
                           "field metrics.cv.folds[0].rmse", "missing"),
    "k unlike the folds": (setter("metrics.cv.k", 7), "field metrics.cv.k", "number of folds"),
    "fold rmse a string": (lambda r: r["metrics"]["cv"]["folds"][2].update(rmse="7"),
                           "field metrics.cv.folds[2].rmse", "number"),
    "epochs 10^12": (lambda r: (r["spec"].update(solver="adam", options={"epochs": 10**12}), r.update(solver="adam")),
                     "field spec.options.epochs", "from 1 to"),
    "patience 10^12": (lambda r: (r["spec"].update(solver="adam", options={"patience": 10**12}),
                                  r.update(solver="adam")), "field spec.options.patience", "from 1 to"),
    "lr 0": (lambda r: (r["spec"].update(solver="adam", options={"lr": 0.0}), r.update(solver="adam")),
             "field spec.options.lr", "must be > 0"),
    "tol -1": (lambda r: (r["spec"].update(solver="gd", options={"tol": -1.0}), r.update(solver="gd")),
               "field spec.options.tol", ">= 0"),
    "momentum_form unknown": (lambda r: (r["spec"].update(solver="momentum", options={"momentum_form": "heavy"}),
                                         r.update(solver="momentum")), "field spec.options.momentum_form", "polyak"),
    "options on lstsq": (setter("spec.options", {"epochs": 5}), "field spec.options", "empty"),
    "intercept 1": (setter("intercept", 1), "field intercept", "true or false"),
    "weights too short": (setter("params.weights", [0.1]), "field params.weights", "one number per feature"),
    "scale 0": (setter("params.scale", [1.0, 0.0, 1.0]), "field params.scale", "0"),
    "range reversed": (setter("ranges.bmi", [5.0, 1.0]), "field ranges.bmi", "[low, high]"),
    "training without history": (setter("training", {"epochs_run": 3}), "field training.converged", "missing"),
    "network too wide": (lambda r: (as_network(r), r["params"]["network"].update(sizes=[3, 5000, 1])),
                         "field params.network.sizes", "from 1 to 4096"),
    "network too deep": (lambda r: (as_network(r), r["params"]["network"].update(sizes=[3] + [2] * 17 + [1])),
                         "field params.network.sizes", "items"),
    "network rows repeated": (lambda r: (as_network(r), r["params"]["network"]["weights"].__setitem__(
        0, [[0.1, 0.2] for _ in range(4)])), "field params.network.weights[0]", "3 items"),
    "network hidden option 10^6": (lambda r: (as_network(r), r["spec"]["options"].update(hidden=[10**6])),
                                   "field spec.options.hidden", "4096"),
    "a tuple": (setter("warnings", ("a",)), "field warnings", "tuple"),
    "split rows not integers": (setter("split", {"method": "country", "test_rows": [1.5]}), "field split.test_rows",
                                "integer"),
    # format version 2 stores calibration scores and domain rows as float64 bytes (packed.PACKED)
    "packed scores not whole numbers": (setter("calibration.scores", b"\0" * 12), "field calibration.scores",
                                        "8 bytes"),
    "packed scores with NaN": (setter("calibration.scores", packed.pack_floats([1.0, float("nan")])),
                               "field calibration.scores", "finite"),
    "packed scores unsorted": (lambda r: r.update(calibration={**OLD_CALIBRATION,
                                                               "scores": packed.pack_floats([2.0, 1.0])}),
                               "field calibration.scores", "sorted"),
    "packed scores too large": (setter("calibration.scores", packed.pack_floats([1e300])),
                                "field calibration.scores", "numbers from"),
    "packed scores too many": (setter("calibration.scores", packed.pack_floats([1.0] * 5000)),
                               "field calibration.scores", "got 5000"),
    "packed scores empty": (setter("calibration.scores", b""), "field calibration.scores", "got 0"),
    "packed domain rows not whole rows": (setter("domain.rows", packed.pack_floats([0.0] * 4)), "field domain.rows",
                                          "3 numbers in every row"),
    "packed domain rows too many": (setter("domain.rows", packed.pack_floats([0.0] * 40_002)), "field domain.rows",
                                    "got 40002"),
    "packed domain rows infinite": (setter("domain.rows", packed.pack_floats([0.0, 0.0, float("inf")] * 9)),
                                    "field domain.rows", "finite"),
    "packed domain rows fewer than k": (setter("domain.rows", packed.pack_floats([0.0] * 3)), "field domain.k",
                                        "number of rows (1)"),
}


def deep(levels: int):
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


DAMAGE["nested 100 deep"] = (setter("coefficients", deep(100)), "field coefficients", "nested")


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_a_damaged_field_is_refused_naming_the_file_and_the_field(name):
    change, names, says = DAMAGE[name]
    with pytest.raises(ModelError) as caught:
        store.loads(damaged(change), "m.joblib")
    message = str(caught.value)
    assert "m.joblib" in message and names in message and says in message, message
    assert "--" not in message.split("`")[0], message  # never blames a flag the user did not give
    assert "\n" not in message


def test_the_shared_list_attack_file_is_small():
    raw = damaged(setter("warnings", [SHARED] * 2000))
    assert len(raw) < 200_000  # yet names 2·10⁷ floats


def test_sound_records_pass():
    assert store.schema_problem(SHIPPED) is None
    assert record_checks.problem(pickle.loads(damaged(as_network))) is None


def test_older_files_without_optional_fields_load():
    def strip(r):
        for key in ("lifeexp_version", "created_at", "rows", "split", "condition_number", "warnings",
                    "coefficients", "solver"):
            r.pop(key)
        r["metrics"].pop("cv")
        r["metrics"].pop("test")
    store.loads(damaged(strip))


def test_every_check_reads_as_a_sentence():
    for check, value in [(value_checks.integer(1, 5), 9), (value_checks.number(above=0), -1.0), (value_checks.flag, 1),
                         (value_checks.text(3), "abcd"), (value_checks.one_of("a", "b"), "c"), (value_checks.listing(low=1), []),
                         (value_checks.mapping, [])]:
        assert check(value).startswith("must "), check(value)


def test_the_bounds_are_the_ones_the_options_use():
    """fields.py stays free of numpy (predict's start-up), so it restates these; they must agree."""
    from lifeexp_cli.model import spec
    from lifeexp_cli.nn import activations, regressor
    from lifeexp_cli.optim import loop
    from lifeexp_cli.prep import impute, scaling, splits

    assert fields.MAX_EPOCHS == loop.MAX_EPOCHS
    assert (fields.MAX_WIDTH, fields.MAX_LAYERS) == (regressor.MAX_WIDTH, regressor.MAX_LAYERS)
    assert fields.ACTIVATIONS == activations.NAMES and fields.SPLITS == splits.METHODS
    assert set(fields.SOLVERS) == set(spec.SOLVERS["linear"]) | set(spec.SOLVERS["mlp"])
    assert fields.SCALES == scaling.METHODS and fields.IMPUTES == impute.METHODS
    assert set(loop.INIT_METHODS) == {"random", "zeros"} and set(loop.OPTION_KEYS) <= {
        f.path.split(".")[-1] for f in fields.FIELDS if f.path.startswith("spec.options.")}


def test_the_choices_are_the_ones_their_modules_own():
    """fields.py stays free of numpy (predict's start-up), so it restates the choices; they must agree."""
    from lifeexp_cli.evaluate import conformal, domain, shift
    from lifeexp_cli.linear import covariance as inference
    from lifeexp_cli.model import spec
    from lifeexp_cli.optim import loop, optimizers

    assert fields.KINDS == spec.KINDS and fields.INIT_METHODS == loop.INIT_METHODS
    assert fields.MOMENTUM_FORMS == optimizers.MOMENTUM_FORMS and fields.SE_TYPES == inference.SE_TYPES
    assert fields.CALIBRATION_METHOD == conformal.METHOD and fields.DOMAIN_METHOD == domain.METHOD
    assert fields.SHIFT_METHOD == shift.METHOD and fields.STATUS_GROUPS == (shift.POOLED, *shift.STATUSES)


def test_packed_vectors_load_as_the_lists_they_pack():
    record = copy.deepcopy(SHIPPED)
    p = len(record["features"])
    record["domain"]["rows"] = packed.pack_floats([x for row in SHIPPED["domain"]["rows"] for x in row])
    loaded = store.loads(pickle.dumps(record, protocol=4))
    assert loaded["domain"]["rows"] == SHIPPED["domain"]["rows"] and len(loaded["domain"]["rows"][0]) == p
    assert packed.unpack_floats(packed.pack_floats([0.1, -2.5e-300, 7.0])).tolist() == [0.1, -2.5e-300, 7.0]
