"""One record builder: the in-memory and the streamed fit write records of the same shape, key for key."""

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.model import record
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.fit import stream as streamed_fit
from lifeexp_cli.model.spec import Spec, make_spec

# The model file format: the keys of a record, in order (store.py reads them; old files must still load).
HEADER = ["format", "format_version", "lifeexp_version", "created_at", "kind", "target", "features",
          "intercept", "solver", "spec"]
BODY = ["params", "ranges", "means", "metrics", "rows", "split", "data", "condition_number", "warnings"]
FEATURES = ["bmi", "adult_mortality", "hiv"]


@pytest.fixture(scope="module")
def who(who_like_csv):
    table = dataset.read_table(str(who_like_csv))
    return table, dataset.design(table, dataset.resolve_features(table.frame, FEATURES, "life_expectancy"),
                                 "life_expectancy")


@pytest.mark.parametrize("spec,extra", [
    (Spec(), ["domain", "inference", "coefficient_covariance", "coefficients", "calibration"]),
    (Spec(scale="standard"), ["domain", "inference", "coefficient_covariance", "coefficients",
                              "coefficients_scaled", "calibration"]),
    (make_spec("linear", "gd", training={"epochs": 3}), ["training", "domain", "inference",
                                                         "coefficient_covariance", "coefficients",
                                                         "coefficients_scaled"]),
    (make_spec("mlp", training={"epochs": 2}, network_options={"hidden": "3"}), ["training", "network",
                                                                                 "domain", "inference"]),
])
def test_in_memory_record_keys_in_order(who, spec, extra):
    table, design = who
    built = fit_design(design, spec, data_sha256=table.sha256, source=table.source)
    assert list(built) == HEADER + BODY + extra


def test_streamed_record_has_the_in_memory_keys_and_values(who, who_like_csv):
    table, design = who
    spec = Spec(scale="standard", impute="median")
    memory = fit_design(design, spec, data_sha256=table.sha256, source=table.source)
    stream = streamed_fit.fit_source(str(who_like_csv), FEATURES, "life_expectancy", spec, chunk_rows=70)
    assert list(stream) == HEADER + BODY + ["streamed", "domain", "inference", "coefficient_covariance",
                                            "coefficients", "coefficients_scaled", "calibration"]
    assert stream["rows"] == memory["rows"] and stream["data"] == memory["data"]
    assert stream["split"] is None and stream["metrics"]["test"] is None
    for key in ("spec", "features", "target", "kind", "solver", "intercept"):
        assert stream.get(key) == memory.get(key)
    np.testing.assert_allclose(list(stream["coefficients"].values()), list(memory["coefficients"].values()),
                               rtol=1e-10)
    assert stream["inference"]["se_type"] == memory["inference"]["se_type"] == "cluster"
    for term, stats in memory["inference"]["coefficients"].items():
        assert stream["inference"]["coefficients"][term]["se"] == pytest.approx(stats["se"], rel=1e-9)


def test_row_counts_add_the_dropped_rows():
    rows = record.RowCounts(train=10, test=2, dropped_target=3, dropped_missing=4, imputed={"bmi": 1})
    assert rows.describe() == {"train": 10, "test": 2, "dropped": 7, "dropped_target": 3, "dropped_missing": 4,
                               "imputed": {"bmi": 1}}


def test_a_record_without_coefficients_has_no_coefficient_keys():
    built = record.build_record(
        Spec(scale="standard"), "life", ["bmi"], params={"weights": [1.0], "bias": 2.0}, coefficients=None,
        ranges={"bmi": [1.0, 2.0]}, means={"bmi": 1.5}, metrics={"train": {}}, split=None,
        rows=record.RowCounts(1, 0, 0, 0, {"bmi": 0}), data={}, condition_number=None, warnings=[],
        extra={"network": {"x": np.float64(1.0)}})
    assert list(built) == HEADER + BODY + ["network"]
    assert type(built["network"]["x"]) is float  # plain values only
