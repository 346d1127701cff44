"""`--ensemble K` (networks from different initial weights, averaged) and `--fold-seed` (folds fixed while
--seed varies the weights), through fit, cv, select and compare --folds, on the WHO-like data."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from lifeexp_cli.errors import ModelError
from lifeexp_cli.model import store
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.nn import ensemble
from support.cli import run_cli

QUICK = ["--kind", "mlp", "--hidden", "8", "--epochs", "15"]
FEATURES = ["--features", "bmi,adult_mortality,hiv"]


@pytest.fixture(scope="module")
def fitted(who_like_csv, tmp_path_factory):
    """One network and a 3-network ensemble with the same --seed, saved."""
    folder = tmp_path_factory.mktemp("ensemble")
    for name, k in (("one", 1), ("three", 3)):
        run_cli("fit", "--data", who_like_csv, *FEATURES, *QUICK, "--ensemble", k, "--out", folder / f"{name}.joblib",
                "--quiet")
    return store.load(folder / "one.joblib"), store.load(folder / "three.joblib"), folder


def test_the_prediction_is_the_members_mean(fitted):
    one, three, _ = fitted
    assert len(three["params"]["members"]) == 2 and three["spec"]["options"]["ensemble"] == 3
    assert three["ensemble"]["members"] == 3 and three["ensemble"]["seeds"][0] == 0
    assert len(set(three["ensemble"]["seeds"])) == 3
    X = np.array([[22.0, 150.0, 0.1], [35.0, 300.0, 4.0]])
    Xs = arrays.scaled_inputs(three["params"], X)
    each = ensemble.member_predictions(three["params"], Xs)
    assert each.shape == (3, 2) and not np.allclose(each[0], each[1])
    np.testing.assert_allclose(arrays.predict("mlp", three["params"], X), each.mean(axis=0), rtol=1e-12)
    assert one["params"].get("members") is None and one["spec"]["options"]["ensemble"] == 1
    np.testing.assert_allclose(arrays.prediction_spread("mlp", three["params"], X), each.std(axis=0, ddof=1))
    assert arrays.prediction_spread("mlp", one["params"], X) is None


def test_predict_uses_the_ensemble(fitted):
    _, three, folder = fitted
    result = run_cli("predict", "--model", folder / "three.joblib", "--bmi", "22", "--adult-mortality", "150",
                     "--hiv", "0.1", "--format", "json")
    got = json.loads(result.stdout)
    got = got[0] if isinstance(got, list) else got
    expected = arrays.predict("mlp", three["params"], np.array([[22.0, 150.0, 0.1]]))[0]
    assert got["predicted_life_expectancy"] == pytest.approx(expected, rel=1e-12)


def test_member_seeds_are_disjoint_across_seeds():
    a, b = ensemble.member_seeds(0, 5), ensemble.member_seeds(1, 5)
    assert a[0] == 0 and b[0] == 1 and not set(a) & set(b)
    assert ensemble.member_seeds(7, 1) == [7]


@pytest.mark.parametrize("k", [0, 21, -1])
def test_ensemble_out_of_range_is_a_usage_error(who_like_csv, tmp_path, k):
    result = run_cli("fit", "--data", who_like_csv, *FEATURES, *QUICK, "--ensemble", k, "--out", tmp_path / "m.joblib",
                     code=2)
    assert "--ensemble must be a whole number of networks from 1 to 20" in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_ensemble_of_a_linear_model_is_a_usage_error(who_like_csv, tmp_path):
    result = run_cli("cv", "--data", who_like_csv, *FEATURES, "--ensemble", "3", code=2)
    assert "--ensemble" in result.output and "mlp" in result.output


def test_an_ensemble_too_large_for_a_model_file_is_refused_before_training():
    with pytest.raises(ensemble.ParameterError, match="model file"):
        ensemble.check_size(20, [4096, 4096], 20)


def test_fold_seed_keeps_the_folds_while_seed_varies_the_weights(who_like_csv):
    def cv(*extra):
        out = run_cli("cv", "--data", who_like_csv, *FEATURES, *QUICK, "--folds", "3", "--format", "json",
                      *extra).stdout
        return json.loads(out)

    base, other_weights, other_folds = cv("--seed", "0"), cv("--seed", "1", "--fold-seed", "0"), cv("--seed", "1")
    held = lambda doc: [(f["test_rows"], f["test_groups"]) for f in doc["folds"]]  # noqa: E731
    assert other_weights["seed"] == 0 and held(other_weights) == held(base)
    assert other_weights["spec"]["options"]["seed"] == 1
    assert other_weights["rmse"] != base["rmse"]
    assert other_folds["seed"] == 1


def test_cv_with_an_ensemble_reports_it_in_the_spec(who_like_csv):
    doc = json.loads(run_cli("cv", "--data", who_like_csv, *FEATURES, *QUICK, "--ensemble", "2", "--folds", "2",
                             "--format", "json").stdout)
    assert doc["spec"]["options"]["ensemble"] == 2 and doc["rmse"] > 0


def test_select_takes_ensemble_and_fold_seed(who_like_csv):
    doc = json.loads(run_cli("select", "--data", who_like_csv, "--candidates", "bmi,hiv", *QUICK, "--ensemble", "2",
                             "--folds", "2", "--seed", "3", "--fold-seed", "1", "--format", "json").stdout)
    assert doc["seed"] == 1 and doc["spec"]["options"]["ensemble"] == 2 and doc["spec"]["options"]["seed"] == 3


def test_compare_cv_refits_networks_as_ensembles(fitted, who_like_csv):
    _, _, folder = fitted
    result = run_cli("compare", "--model", folder / "one.joblib", "--folds", "2", "--data", who_like_csv,
                     "--ensemble", "2", "--format", "json")
    assert result.stdout
    result = run_cli("compare", "--model", folder / "one.joblib", "--ensemble", "2", code=2)
    assert "--ensemble applies when the networks are trained again" in result.output


def damaged(record: dict, folder, change) -> str:
    record = pickle.loads(pickle.dumps(record))
    record.pop("path", None)
    change(record)
    path = folder / "damaged.joblib"
    path.write_bytes(pickle.dumps(record, protocol=4))
    return str(path)


@pytest.mark.parametrize("change", [
    lambda r: r["params"]["members"].pop(),
    lambda r: r["spec"]["options"].update(ensemble=21),
    lambda r: r["params"]["members"][0]["weights"][0].pop(),
    lambda r: r["params"]["members"][1].update(activation="tanh"),
    lambda r: r["params"].update(members=[r["params"]["network"]] * 25),
], ids=range(5))
def test_a_damaged_ensemble_is_refused_at_load(fitted, change):
    _, three, folder = fitted
    with pytest.raises(ModelError, match="damaged|field"):
        store.load(damaged(three, folder, change))
