"""The typed record (model/record.py ModelRecord): plain → typed → plain gives back exactly the dict a
model file holds (same keys, same order, same types, same floats), for the shipped models and for fresh
records of every kind; the file format does not change."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.model import record, store
from lifeexp_cli.model.fit import stream as streamed
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.spec import Spec, make_spec

SHIPPED = sorted((Path(__file__).parents[3] / "models").glob("*.joblib"))
FEATURES = ["bmi", "adult_mortality", "hiv"]


def identical(a, b, where="record") -> None:
    """a and b are the same plain value: same types (bool is no int, int no float), keys in the same
    order, floats bit for bit."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for key in a:
            identical(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert a.hex() == b.hex(), f"{where}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def fresh(part):
    """The same part as if made here, not read: no remembered layout, all the way down."""
    if isinstance(part, tuple):
        return tuple(fresh(p) for p in part)
    if not isinstance(part, record.Part):
        return part
    changes = {f.name: fresh(getattr(part, f.name)) for f in part.keys()}
    return dataclasses.replace(part, layout=(), **changes)


def check_round_trip(plain: dict) -> record.ModelRecord:
    typed = record.from_plain(plain)
    identical(record.to_plain(typed), plain)
    identical(fresh(typed).to_plain(), plain)  # the writer's order is the dataclasses' order
    return typed


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_models_round_trip_to_the_same_bytes(path):
    loaded = store.load(path)
    typed = check_round_trip(loaded)
    assert store.load_record(path) == typed and typed.path == str(path)
    assert store.dumps(typed.without_path().to_plain()) == path.read_bytes()  # packed as the file holds it
    assert typed.is_linear and typed.calibrated and typed.has_domain and typed.has_inference
    assert typed.terms == ("intercept", *loaded["features"])


def test_there_are_four_shipped_models():
    assert len(SHIPPED) == 4


@pytest.fixture(scope="module")
def design(who_like_csv):
    table = dataset.read_table(str(who_like_csv))
    features = dataset.resolve_features(table.frame, FEATURES, "life_expectancy")
    return table, dataset.design(table, features, "life_expectancy")


NETWORK = {"hidden": "4"}
IN_MEMORY = {
    "lstsq": (Spec(), {}),
    "lstsq-standard": (Spec(scale="standard"), {}),
    "no-intercept": (Spec(intercept=False, scale="minmax"), {}),
    "gd-history": (make_spec("linear", "gd", training={"epochs": 5}), {}),
    "adam-cv": (make_spec("linear", "adam", training={"epochs": 3}), {"cv": 3}),
    "mlp": (make_spec("mlp", training={"epochs": 3}, network_options=NETWORK), {}),
    "mlp-ensemble-cv": (make_spec("mlp", training={"epochs": 2}, network_options={**NETWORK, "ensemble": 3}),
                        {"cv": 3}),
    "cv": (Spec(), {"cv": 4}),
    "test-size": (Spec(scale="standard"), {"test_size": 0.25}),
    "no-intervals": (Spec(), {"calibrate_intervals": False}),
    "drop": (Spec(impute="drop"), {"se": "hc3"}),
}


@pytest.mark.parametrize("name", IN_MEMORY)
def test_fresh_in_memory_records_round_trip_exactly(design, name, tmp_path):
    table, built_from = design
    spec, options = IN_MEMORY[name]
    plain = fit_design(built_from, spec, data_sha256=table.sha256, source=table.source, **options)
    typed = check_round_trip(plain)
    assert typed.is_network == (spec.kind == "mlp")
    path = store.save_record(typed, tmp_path / "m.joblib")
    assert path.read_bytes() == store.dumps(plain)  # the same file as `save` writes
    assert store.load_record(path).without_path() == typed


@pytest.mark.parametrize("options", [{}, {"intervals": False}, {"se": "classical"}], ids=str)
def test_fresh_streamed_records_round_trip_exactly(who_like_csv, options):
    plain = streamed.fit_source(str(who_like_csv), FEATURES, "life_expectancy", Spec(scale="standard"),
                             chunk_rows=70, **options)
    typed = check_round_trip(plain)
    assert typed.is_streamed and typed.streamed.chunk_rows == 70
    assert typed.calibrated == ("intervals" not in options)


def test_the_parts_are_typed_and_frozen(design):
    table, built_from = design
    spec = make_spec("linear", "gd", training={"epochs": 5})
    typed = record.from_plain(fit_design(built_from, spec, cv=3, data_sha256=table.sha256))
    assert isinstance(typed.spec, record.SpecPart) and typed.spec.solver == "gd"
    assert isinstance(typed.params, record.Parameters) and len(typed.params.weights) == len(typed.features)
    assert isinstance(typed.metrics.cv, record.CrossValidation) and len(typed.metrics.cv.folds) == 3
    assert all(isinstance(fold, record.Scores) for fold in typed.metrics.cv.folds)
    assert isinstance(typed.training, record.Training) and len(typed.training.loss_history) == 5
    assert isinstance(typed.inference, record.Inference) and isinstance(typed.coefficient_covariance,
                                                                        record.Covariance)
    assert isinstance(typed.calibration, record.Calibration) and isinstance(typed.domain, record.Domain)
    assert isinstance(typed.rows, record.Rows) and isinstance(typed.data, record.Provenance)
    assert typed.data.sha256 == table.sha256 and type(typed.features) is tuple
    with pytest.raises(dataclasses.FrozenInstanceError):
        typed.kind = "mlp"
    with pytest.raises(TypeError):
        typed.spec.options["lr"] = 1.0  # read-only mapping
    with pytest.raises(AttributeError):
        typed.params.weights.append(1.0)  # a tuple


def test_a_network_ensemble_holds_its_members(design):
    table, built_from = design
    spec = make_spec("mlp", training={"epochs": 2}, network_options={**NETWORK, "ensemble": 3})
    typed = record.from_plain(fit_design(built_from, spec, data_sha256=table.sha256))
    assert typed.is_network and typed.is_ensemble and not typed.has_inference
    assert len(typed.params.networks) == 3 and all(isinstance(n, record.StoredNetwork) for n in typed.params.networks)
    assert typed.params.network.sizes == (3, 4, 1) and typed.network.architecture == (3, 4, 1)
    assert typed.ensemble.members == 3 and typed.params.weights is None


def test_absent_and_null_keys_and_unknown_keys_are_kept():
    plain = store.load(SHIPPED[0])
    older = {k: v for k, v in plain.items() if k not in ("inference", "coefficient_covariance", "domain",
                                                         "lifeexp_version", "solver")}
    typed = record.from_plain(older)  # kept apart from a null one by the keys it was read with
    identical(record.to_plain(typed), older)
    assert typed.inference is None and "inference" not in record.to_plain(typed)
    nulls = {**plain, "inference": None, "coefficient_covariance": None, "domain": None}
    assert record.to_plain(record.from_plain(nulls))["inference"] is None
    newer = {**plain, "future_part": {"x": [1.0, 2]}, "calibration": {**plain["calibration"], "future": True}}
    typed = record.from_plain(newer)
    assert typed.other["future_part"]["x"] == (1.0, 2) and typed.calibration.other["future"] is True
    identical(record.to_plain(typed), newer)


def test_plain_values_are_converted_once_at_the_store(tmp_path):
    typed = store.load_record(SHIPPED[0])
    path = store.save_record(typed, tmp_path / "copy.joblib")
    assert "path" not in store.loads(path.read_bytes())  # where it was read is no part of the file
    assert store.load_record(path).without_path() == typed.without_path()


def test_both_calibration_methods_round_trip_exactly(design):
    """A fit stores shift-conformal (error_size, statuses); files written before hold cv-conformal (center
    ... scores): the typed Calibration keeps each method's keys, in the file's order, and no other."""
    from lifeexp_cli.evaluate import conformal, shift

    table, built_from = design
    plain = fit_design(built_from, make_spec("linear"), data_sha256=table.sha256)
    typed = check_round_trip(plain)
    assert typed.calibration.method == shift.METHOD and typed.calibration.scores is None
    assert isinstance(typed.calibration.error_size, record.ErrorSize)
    assert isinstance(typed.calibration.error_size.distance, record.DistanceTerm)
    assert set(typed.calibration.statuses) == {"all", "developed", "developing"}
    X = np.nan_to_num(built_from.X)
    old = {**plain, "calibration": conformal.calibrate(X, np.linspace(-1, 1, len(X)), folds=5, split="country",
                                                        groups=25)}
    typed = check_round_trip(old)
    assert typed.calibration.method == conformal.METHOD and typed.calibration.error_size is None
    assert "statuses" not in record.to_plain(typed)["calibration"]


def test_a_part_is_a_frozen_keyword_only_dataclass():
    """Parts are made dataclasses for their fields only; Part's own __init__, __eq__, __repr__ and frozen
    attributes behave as a frozen keyword-only dataclass's would."""
    tim = store.load_record("tim")
    assert dataclasses.is_dataclass(tim) and [f.name for f in dataclasses.fields(record.Scores)] == \
        ["other", "layout", "rmse", "mae", "r2"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tim.kind = "mlp"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del tim.metrics
    changed = dataclasses.replace(tim, warnings=("a note",))
    assert changed.warnings == ("a note",) and tim.warnings == () and changed != tim
    assert dataclasses.replace(changed, warnings=()) == tim
    assert record.Scores(rmse=1.0) == record.Scores(rmse=1.0) != record.Scores(rmse=2.0)
    assert record.Scores(rmse=1.0) == record.Scores(rmse=1.0, layout=("rmse",))  # the layout is not compared
    assert repr(record.Scores(rmse=1.0)) == "Scores(rmse=1.0, mae=None, r2=None)"
    with pytest.raises(TypeError, match="missing keyword argument 'rmse'"):
        record.Scores(mae=1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'rsme'"):
        record.Scores(rmse=1.0, rsme=1.0)
    with pytest.raises(TypeError):
        record.Scores(1.0)  # keywords only


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_part_as_a_mapping_is_its_plain_values_read_only_and_not_copied(path):
    typed, plain = store.load_record(path), store.load(path)
    view = typed.as_mapping()
    identical(record.plain_values(view), plain)  # the keys in the file's order, the values as read
    calibration = view["calibration"]
    assert calibration["statuses"]["all"]["pooled"]["scores"] is typed.calibration.statuses["all"]["pooled"]["scores"]
    assert view["domain"]["rows"] is typed.domain.rows and ("log" in view["params"]) == ("log" in plain["params"])
    with pytest.raises(TypeError):
        calibration["method"] = "cv-conformal"
