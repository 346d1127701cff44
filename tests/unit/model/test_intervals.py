"""Prediction intervals of a fitted model (model/fit/interval_calibration.py, model/predict/intervals.py): when `fit` calibrates, what the record
keeps and how it is checked at load, and the intervals `predict` and `compare` read from it. Data-free:
the WHO-like table of tests/conftest.py (25 countries × 16 years). A fit stores evaluate/shift.py's
calibration (method shift-conformal); files written before it hold evaluate/conformal.py's (cv-conformal),
which still load and predict as they did (`old_record`)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.errors import ModelError, ParameterError
from lifeexp_cli.evaluate import conformal, domain, shift
from lifeexp_cli.model import record_checks, store
from lifeexp_cli.model.predict import prediction
from lifeexp_cli.model.record import from_plain
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit import interval_calibration
from lifeexp_cli.model.predict import intervals
from lifeexp_cli.model.fit import prepared
from lifeexp_cli.model.spec import Spec, make_spec

FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


@pytest.fixture(scope="module")
def design(who_like_table):
    return dataset.design(who_like_table, FEATURES, "life_expectancy")


@pytest.fixture(scope="module")
def record(design):
    return fit_design(design, Spec())


def out_of_fold(design) -> np.ndarray:
    """The out-of-fold predictions of the fit's 5 country folds, computed here fold by fold."""
    predicted = np.empty(len(design.y))
    for test in prepared.splits.kfold(design.groups, interval_calibration.FOLDS, "country", 0):
        train = np.ones(len(design.y), bool)
        train[test] = False
        fitted = in_memory.fit_arrays(design.X[train], design.y[train], FEATURES, Spec())
        predicted[test] = arrays.predict("linear", fitted.params, design.X[test])
    return predicted


@pytest.fixture(scope="module")
def old_record(record, design):
    """The record as the version before the shift calibration wrote it: cv-conformal of the same residuals."""
    before = conformal.calibrate(design.X, design.y - out_of_fold(design), folds=interval_calibration.FOLDS,
                                 split="country", groups=25, fill=record["params"]["fill"])
    return {**record, "calibration": before}


def first_countries(design, k: int) -> dataset.Design:
    keep = np.isin(design.groups, np.unique(design.groups)[:k])
    return dataset.Design(design.X[keep], design.y[keep], design.groups[keep], design.rows[keep],
                          design.features, design.target, 0)


def test_a_linear_fit_is_calibrated_on_country_folds(record, design):
    calibration = record["calibration"]
    assert calibration["method"] == shift.METHOD and calibration["split"] == "country"
    assert calibration["folds"] == interval_calibration.FOLDS and calibration["groups"] == 25
    pooled = calibration["statuses"]["all"]
    assert calibration["rows"] == len(design.y) == pooled["pooled"]["rows"] >= len(pooled["pooled"]["scores"])
    assert len(pooled["folds"]) == interval_calibration.FOLDS
    assert sum(cell["rows"] for cell in pooled["folds"]) == len(design.y)
    developed = int((design.statuses == 1).sum())  # the Status column, though status is no feature
    assert calibration["statuses"]["developed"]["pooled"]["rows"] == developed
    assert calibration["statuses"]["developing"]["pooled"]["rows"] == len(design.y) - developed
    assert record_checks.problem(record) is None


def test_calibration_residuals_are_out_of_fold_by_country(record, design):
    """The scores are the residuals of models that never saw the row's country, divided by σ(x, d), d the
    row's domain distance to the reference rows of other countries."""
    X = np.where(np.isnan(design.X), record["params"]["fill"], design.X)
    chosen = domain.pick(len(X), domain.sample_size(X.shape[1]))  # the rows model/fit/design.py's reference took
    distances = shift.left_out_distances(record["domain"], X, design.groups, design.groups[chosen])
    expected = np.sort(np.abs(design.y - out_of_fold(design)) / shift.scale_of(record["calibration"], X, distances))
    stored = record["calibration"]["statuses"]["all"]["pooled"]["scores"]  # thinned evenly to at most this many
    np.testing.assert_allclose(stored, shift.cell(expected, len(stored))["scores"], rtol=1e-10)


def test_an_old_calibration_holds_its_out_of_fold_scores(old_record, design):
    """What files of the version before hold (cv-conformal): still checked and read as then."""
    X = np.where(np.isnan(design.X), old_record["params"]["fill"], design.X)
    expected = np.sort(np.abs(design.y - out_of_fold(design)) / conformal.scale_of(old_record["calibration"], X))
    np.testing.assert_allclose(old_record["calibration"]["scores"], expected, rtol=1e-10)
    assert old_record["calibration"]["method"] == conformal.METHOD and record_checks.problem(old_record) is None


def test_the_row_status_picks_its_group(record):
    """A developed row gets the developed group's quantile, an unknown one the pooled quantile."""
    row = [24.1, 53.0, 0.1]
    value = prediction.predict_one(from_plain(record), row)
    found = {status: intervals.interval_one(from_plain(record), row, value, 0.9, status=status) for status in (1.0, 0.0, None)}
    for status, interval in found.items():
        half = shift.quantile(record["calibration"], 0.9, status) * shift.row_scale(
            record["calibration"], row, intervals.row_distance(from_plain(record), row))
        assert interval["upper"] - value == pytest.approx(half, rel=1e-12)
    assert len({round(i["upper"], 9) for i in found.values()}) == 3  # three groups, three quantiles
    rows = np.array([row, row, row])
    _, lower, upper = intervals.interval_for(from_plain(record), rows, 0.9, statuses=np.array([1.0, 0.0, np.nan]))
    for i, status in enumerate((1.0, 0.0, None)):
        assert (lower[i], upper[i]) == pytest.approx((found[status]["lower"], found[status]["upper"]), rel=1e-12)


def test_cv_folds_by_country_are_reused(design):
    record = fit_design(design, Spec(), cv=4)
    assert record["calibration"]["folds"] == 4 and record["calibration"]["split"] == "country"


def test_random_cv_folds_are_not_reused_for_a_linear_model(design):
    record = fit_design(design, Spec(), cv=4, split="random")
    assert record["calibration"]["folds"] == interval_calibration.FOLDS and record["calibration"]["split"] == "country"


def test_a_held_out_test_split_is_never_calibrated_on(design):
    record = fit_design(design, Spec(), test_size=0.2)
    assert record["calibration"]["rows"] == record["rows"]["train"]
    assert record["calibration"]["groups"] == 20


def test_too_few_countries_warn_and_store_no_calibration(design):
    record = fit_design(first_countries(design, 4), Spec())
    assert "calibration" not in record
    assert any("needs at least 5 countries, the training rows have 4" in w for w in record["warnings"])


def test_a_network_is_calibrated_only_when_it_runs_cross_validation(design):
    spec = make_spec("mlp", training={"epochs": 3}, network_options={"hidden": "4"})
    assert "calibration" not in fit_design(design, spec)
    calibrated = fit_design(design, spec, cv=3)
    assert calibrated["calibration"]["folds"] == 3 and calibrated["calibration"]["split"] == "country"
    predicted, lower, upper = intervals.interval_for(from_plain(calibrated), design.X[:5], 0.9)
    assert np.all(lower < predicted) and np.all(predicted < upper)


def test_an_iterative_linear_fit_is_calibrated_only_on_its_cross_validation(design):
    spec = make_spec("linear", "gd", training={"epochs": 5})
    assert "calibration" not in fit_design(design, spec)
    assert fit_design(design, spec, cv=3)["calibration"]["folds"] == 3


def test_calibration_can_be_skipped(design):
    assert "calibration" not in fit_design(design, Spec(), calibrate_intervals=False)


def test_without_a_country_column_the_folds_hold_out_rows(who_like_table):
    table = dataset.Table(who_like_table.frame.drop(columns="country"), "x.csv", "")
    record = fit_design(dataset.design(table, FEATURES, "life_expectancy"), Spec())
    assert record["calibration"]["split"] == "rows"
    assert any("no country column" in w for w in record["warnings"])


@pytest.mark.parametrize("which", ["record", "old_record"])
def test_interval_one_equals_interval_for(which, request):
    record = request.getfixturevalue(which)
    rows = np.array([[24.1, 53.0, 0.1], [np.nan, 300.0, 20.0], [70.0, np.nan, np.nan]])
    predicted, lower, upper = intervals.interval_for(from_plain(record), rows, 0.9)
    for i, row in enumerate(rows.tolist()):
        one = intervals.interval_one(from_plain(record), row, prediction.predict_one(from_plain(record), row), 0.9)
        assert one["level"] == 0.9 and one["method"] == record["calibration"]["method"]
        assert one["lower"] == pytest.approx(lower[i], rel=1e-12)
        assert one["upper"] == pytest.approx(upper[i], rel=1e-12)
        assert one["lower"] < predicted[i] < one["upper"]
    wider = intervals.interval_for(from_plain(record), rows, 0.95)
    assert np.all(wider[1] <= lower) and np.all(upper <= wider[2])


def test_a_far_row_is_widened_boundedly(record):
    """Beyond d₀ the distance hinge widens an interval (c ≥ 0), at most by e^most."""
    calibration = record["calibration"]
    terms = calibration["error_size"]["distance"]
    row = [24.1, 53.0, 0.1]
    near = intervals.interval_one(from_plain(record), row, 70.0, 0.9, distance=terms["reference"] / 2)
    far = intervals.interval_one(from_plain(record), row, 70.0, 0.9, distance=terms["reference"] * 1e6)
    ratio = (far["upper"] - far["lower"]) / (near["upper"] - near["lower"])
    assert 1.0 <= ratio <= np.exp(terms["most"]) * (1 + 1e-12)


def test_no_interval_at_level_zero_or_without_calibration(record):
    row = [24.1, 53.0, 0.1]
    assert intervals.interval_one(from_plain(record), row, 70.0, 0) is None
    assert intervals.interval_for(from_plain(record), np.array([row]), 0) is None
    old = {k: v for k, v in record.items() if k != "calibration"}
    assert intervals.interval_one(from_plain(old), row, 70.0, 0.9) is None
    assert intervals.interval_for(from_plain(old), np.array([row]), 0.9) is None


@pytest.mark.parametrize("level", [-0.1, 1, 1.5, float("nan"), float("inf")])
def test_levels_outside_zero_to_one_are_refused(level):
    with pytest.raises(ParameterError, match="level must be between 0 and 1"):
        intervals.check_level(level)


def test_a_level_too_high_for_the_calibration_rows_names_the_highest(old_record, record):
    few = {**old_record, "calibration": {**old_record["calibration"], "rows": 9, "scores": list(range(1, 10))}}
    nine = {"pooled": {"rows": 9, "scores": list(range(1, 10))}, "folds": [{"rows": 0, "scores": []}] * 5}
    few_shift = {**record, "calibration": {**record["calibration"], "rows": 9, "statuses": {"all": nine}}}
    for model in (few, few_shift):
        assert intervals.interval_one(from_plain(model), [24.1, 53.0, 0.1], 70.0, 0.9) is not None
        with pytest.raises(ParameterError, match=r"level 0.95 needs at least 19 calibration rows.*calibrated on 9: "
                                                 r"use level 0.9 or lower"):
            intervals.interval_one(from_plain(model), [24.1, 53.0, 0.1], 70.0, 0.95)
        with pytest.raises(ParameterError, match=r"level 0.95 needs at least 19"):
            intervals.interval_for(from_plain(model), np.array([[24.1, 53.0, 0.1]]), 0.95)


def test_the_calibration_survives_the_file(record, tmp_path):
    path = store.save(record, tmp_path / "m.joblib")
    loaded = store.load(path)
    assert loaded["calibration"] == record["calibration"]
    assert len(path.read_bytes()) < 200_000


def test_a_file_without_calibration_still_loads(record, tmp_path):
    old = {k: v for k, v in record.items() if k != "calibration"}
    path = store.save(old, tmp_path / "old.joblib")
    assert not intervals.calibrated(from_plain(store.load(path)))


@pytest.mark.parametrize("field,value", [
    ("method", "magic"), ("rows", 0), ("rows", True), ("rows", 10 ** 13), ("scores", []), ("scores", [2.0, 1.0]),
    ("scores", [-1.0]), ("scores", [float("nan")]), ("scores", "abc"), ("center", [0.0]), ("center", [1e9, 0, 0]),
    ("scale", [1.0, 0.0, 1.0]), ("scale", [1.0, -1.0, 1.0]), ("coef", [0.0, 1.0]), ("coef", [1e16, 0, 0, 0]),
    ("clip", [1.0, 0.0]), ("clip", [0.0, 1e4]), ("clip", None),
])
def test_a_damaged_calibration_is_refused_naming_the_file(old_record, tmp_path, field, value):
    damaged = {**old_record, "calibration": {**old_record["calibration"], field: value}}
    path = tmp_path / "bad.joblib"
    path.write_bytes(pickle.dumps(damaged, protocol=store.PICKLE_PROTOCOL))
    with pytest.raises(ModelError, match=rf"{path}.*field calibration\.{field}"):
        store.load(path)


def damaged_shift(calibration: dict, path: str, value) -> dict:
    """A deep copy of a shift calibration with the value at a dotted path (list items by number) replaced."""
    import copy

    damaged = copy.deepcopy(calibration)
    *parents, last = path.split(".")
    holder = damaged
    for key in parents:
        holder = holder[int(key)] if isinstance(holder, list) else holder[key]
    if value is DELETE:
        del holder[last]
    elif isinstance(holder, list):
        holder[int(last)] = value
    else:
        holder[last] = value
    return damaged


DELETE = object()


@pytest.mark.parametrize("path,value,named", [
    ("error_size", DELETE, "calibration.error_size"), ("statuses", DELETE, "calibration.statuses"),
    ("error_size.center", [0.0], "calibration.error_size.center"),
    ("error_size.coef", [1e16, 0, 0, 0], "calibration.error_size.coef"),
    ("error_size.clip", [1.0, 0.0], "calibration.error_size.clip"),
    ("error_size.distance.reference", 0.0, "calibration.error_size.distance.reference"),
    ("error_size.distance.coef", -1.0, "calibration.error_size.distance.coef"),
    ("error_size.distance.most", 1e4, "calibration.error_size.distance.most"),
    ("error_size.distance", DELETE, "calibration.error_size.distance"),
    ("statuses.all", DELETE, "calibration.statuses.all"),
    ("statuses.martian", {"pooled": {"rows": 0, "scores": []}, "folds": []}, "calibration.statuses.martian"),
    ("statuses.all.pooled.scores", [2.0, 1.0], "calibration.statuses.all.pooled.scores"),
    ("statuses.all.pooled.rows", 3, "calibration.statuses.all.pooled"),
    ("statuses.all.folds.0.scores", [-1.0], "calibration.statuses.all.folds"),
    ("statuses.all.folds.1.rows", "x", "calibration.statuses.all.folds"),
    ("statuses.developed.folds", [], "calibration.statuses.developed.folds"),
    ("spread", {"center": 0.0, "scale": 1.0, "coef": 0.0}, "calibration.spread"),
])
def test_a_damaged_shift_calibration_is_refused_naming_the_file(record, tmp_path, path, value, named):
    damaged = {**record, "calibration": damaged_shift(record["calibration"], path, value)}
    file = tmp_path / "bad.joblib"
    file.write_bytes(pickle.dumps(damaged, protocol=store.PICKLE_PROTOCOL))
    with pytest.raises(ModelError, match=rf"{file}.*field {named}"):
        store.load(file)


def test_an_old_calibration_survives_the_file(old_record, tmp_path):
    path = store.save(old_record, tmp_path / "old.joblib")
    loaded = store.load(path)
    assert loaded["calibration"] == old_record["calibration"]
    row = [24.1, 53.0, 0.1]
    assert intervals.interval_one(from_plain(loaded), row, 70.0, 0.9) == intervals.interval_one(from_plain(old_record), row, 70.0, 0.9)


def test_a_calibration_that_is_no_dict_is_refused(record, tmp_path):
    path = tmp_path / "bad.joblib"
    path.write_bytes(pickle.dumps({**record, "calibration": [1, 2]}, protocol=store.PICKLE_PROTOCOL))
    with pytest.raises(ModelError, match="calibration"):
        store.load(path)


def test_batch_columns_follow_the_prediction(record):
    assert prediction.output_columns(from_plain(record), 0.9) == ["predicted_life_expectancy", "lower_life_expectancy",
                                                      "upper_life_expectancy", "in_domain"]
    assert prediction.output_columns(from_plain(record), 0) == ["predicted_life_expectancy", "in_domain"]
    old = {k: v for k, v in record.items() if k not in ("calibration", "domain")}
    assert prediction.output_columns(from_plain(old), 0.9) == ["predicted_life_expectancy"]


def uncalibrated(warnings=(), trained=False, source="who.csv"):
    """The shipped tim without calibration or CV scores, with these warnings, an iterative run or not, and
    this data source."""
    from dataclasses import replace

    from lifeexp_cli.model.record import Training

    tim = store.load_record("tim")
    run = Training(epochs_run=3, converged=False, loss_history=(3.0, 2.0, 1.0), initial_loss=4.0, kept_epoch=3,
                   final_loss=1.0, monitored="training") if trained else None
    return replace(tim, calibration=None, warnings=tuple(warnings), training=run, metrics=replace(tim.metrics, cv=None),
                   data=replace(tim.data, source=source))


@pytest.mark.parametrize("record, cause", [
    (dict(warnings=["no prediction intervals: calibrating them needs at least 5 countries, the training rows "
                    "have 3"], trained=True, source="-"), "calibrating them needs at least 5 countries"),
    (dict(trained=True, source="-"), "trained iteratively without --folds"),
    (dict(source="-"), "fitted from stdin"),
    (dict(source="who.csv"), "--no-intervals"),
])
def test_a_model_without_calibration_names_one_cause_the_likely_one_first(record, cause):
    from lifeexp_cli.model.predict import intervals

    note = intervals.missing_note(uncalibrated(**record), "m")
    assert note.startswith("model m has no prediction-interval calibration: ") and cause in note
    causes = ["needs at least", "without --folds", "stdin", "--no-intervals"]
    assert sum(c in note for c in causes) == 1, note


def test_a_row_beyond_the_calibration_distances_is_warned_of(record, old_record):
    farthest = record["calibration"]["error_size"]["distance"]["farthest"]
    assert farthest > 0 and intervals.narrow_note(from_plain(record), farthest) is None
    note = intervals.narrow_note(from_plain(record), farthest * 2)
    assert "likely too narrow" in note and intervals.BEYOND_COVERAGE in note and "\n" not in note
    assert intervals.narrow_note(from_plain(old_record), farthest * 2) is None  # cv-conformal keeps no distances
    warnings = []
    found = prediction.predict_person(from_plain(record), {"bmi": 24.1, "adult_mortality": 53.0, "hiv_aids": 1e4}, warnings,
                                      level=0.9)
    assert found.domain["distance"] > farthest and sum("likely too narrow" in w for w in warnings) == 1
    warnings = []
    prediction.predict_person(from_plain(record), {"bmi": 24.1, "adult_mortality": 53.0, "hiv_aids": 1e4}, warnings, level=0)
    assert not any("likely too narrow" in w for w in warnings)  # no interval asked, nothing to warn of
    assert intervals.beyond_count(from_plain(record), np.array([0.0, farthest * 2, farthest * 3])) == 2


def test_a_batch_reads_the_status_column(record):
    """An --input CSV's Status column picks each row's group; an odd cell is an unknown status."""
    import io

    text = b"bmi,adult_mortality,hiv_aids,Status\n24.1,53,0.1,Developed\n24.1,53,0.1,developing\n24.1,53,0.1,?\n"
    counts = {}
    _, _, blocks = prediction.predict_blocks(from_plain(record), io.BytesIO(text), counts, level=0.9)
    (_, values, _), = list(blocks)
    row = [24.1, 53.0, 0.1]
    value = prediction.predict_one(from_plain(record), row)
    for i, status in enumerate((1.0, 0.0, None)):
        one = intervals.interval_one(from_plain(record), row, value, 0.9, status=status)
        assert values[i, 1:3].tolist() == pytest.approx([one["lower"], one["upper"]], rel=1e-12)
