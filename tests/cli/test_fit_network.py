"""`fit --kind mlp` on the WHO data: the network's record, and predict/eval/compare/cv on a network file."""

import json
import pickle
from functools import partial

import numpy as np
import pytest

from lifeexp_cli.errors import UsageError
from lifeexp_cli.model import store
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit import scoring
from lifeexp_cli.model.spec import make_spec
from lifeexp_cli.nn import regressor
from support.cli import run_cli

TIM = "bmi,adult_mortality,hiv"


run = partial(run_cli, code=None)  # the tests check the exit code


def fit_net(data_path, path, *args):
    result = run("fit", "--kind", "mlp", "--data", str(data_path), "--out", str(path), "--quiet", *args)
    assert result.exit_code == 0, result.output
    return store.load(path), result


@pytest.fixture(scope="module")
def small_net(tmp_path_factory, data_path):
    """A quick network on Tim's three features (few epochs: these tests check plumbing, not accuracy)."""
    path = tmp_path_factory.mktemp("net") / "net.joblib"
    record, result = fit_net(data_path, path, "--features", TIM, "--hidden", "8,4", "--epochs", "15",
                             "--format", "json")
    return path, record, json.loads(result.stdout)


def plain_only(value):
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain_only(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


# --- the record ----------------------------------------------------------------------------------

def test_record_holds_the_network_as_plain_lists(small_net):
    _, record, _ = small_net
    assert record["kind"] == "mlp" and record["solver"] == "adam"
    assert plain_only(record)
    net = record["params"]["network"]
    assert net["sizes"] == [3, 8, 4, 1] and net["activation"] == "relu"
    assert [np.shape(W) for W in net["weights"]] == [(3, 8), (8, 4), (4, 1)]
    assert [len(b) for b in net["biases"]] == [8, 4, 1]
    assert record["network"] == {"architecture": [3, 8, 4, 1], "activation": "relu",
                                 "parameters": 3 * 8 + 8 + 8 * 4 + 4 + 4 + 1}
    options = record["spec"]["options"]
    assert options["hidden"] == [8, 4] and options["weight_decay"] == 0.03 and options["val_size"] == 0.1
    assert record["spec"]["scale"] == "standard"


def test_json_summary_keys(small_net):
    _, record, doc = small_net
    assert doc["kind"] == "mlp" and doc["coefficients"] is None
    assert doc["network"] == record["network"]
    assert doc["epochs_run"] == 15 and len(doc["loss_history"]) == 15 and len(doc["val_loss_history"]) == 15
    # early stopping restores the best weights: the kept epoch is the one with the lowest validation loss
    assert doc["final_val_loss"] == min(doc["val_loss_history"])
    assert doc["kept_epoch"] == doc["val_loss_history"].index(min(doc["val_loss_history"])) + 1


def test_table_summary_shows_architecture_parameters_epochs_and_best_validation_loss(tmp_path, data_path):
    result = run("fit", "--kind", "mlp", "--data", str(data_path), "--out", str(tmp_path / "n.joblib"),
                 "--features", TIM, "--hidden", "8,4", "--epochs", "12", "--quiet")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Network: 3 → 8 → 4 → 1 (relu hidden units, linear output), 73 parameters" in out
    assert "Best validation loss (MSE)" in out and "of 12" in out
    assert "Training: adam, 12 epochs" in out


# --- predict, eval, compare on a network file ----------------------------------------------------

def test_eval_on_the_network_file_matches_its_training_score(small_net, data_path):
    path, record, _ = small_net
    result = run("eval", "--model", str(path), "--data", str(data_path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["rmse"] == pytest.approx(record["metrics"]["train"]["rmse"],
                                                                          rel=1e-12)


def test_predict_on_the_network_file_runs_the_forward_pass(small_net):
    path, record, _ = small_net
    result = run("predict", "--model", str(path), "--bmi", "24", "--adult-mortality", "53", "--hiv", "0.1",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)[0]["predicted_life_expectancy"]
    params = record["params"]
    x = np.array([[24.0, 53.0, 0.1]])
    x = np.where(params.get("log", False), np.log1p(x), x)  # skewed inputs (hiv_aids) enter as log(1 + x)
    x = (x - np.array(params["center"])) / np.array(params["scale"])
    # the forward pass written out: ReLU hidden layers, linear output
    a = x
    weights, biases = params["network"]["weights"], params["network"]["biases"]
    for k, (W, b) in enumerate(zip(weights, biases)):
        z = a @ np.array(W) + np.array(b)
        a = z if k == len(weights) - 1 else np.maximum(z, 0.0)
    assert got == pytest.approx(float(a[0, 0]), rel=1e-12)


def test_predict_csv_and_compare_work_on_a_network(small_net, tmp_path):
    path, record, _ = small_net
    rows = tmp_path / "rows.csv"
    rows.write_text("bmi,adult_mortality,hiv_aids\n24,53,0.1\n30,200,5\n")
    result = run("predict", "--model", str(path), "--input", str(rows), "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    expected = arrays.predict("mlp", record["params"], np.array([[24.0, 53.0, 0.1], [30.0, 200.0, 5.0]]))
    assert [float(line.split(",")[-2]) for line in lines[1:]] == pytest.approx(expected.tolist(), rel=1e-12)
    result = run("compare", "--model", str(path), "--model", "tim", "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["models"]) == 2


# --- what must hold ------------------------------------------------------------------------------

def test_identity_network_through_fit_equals_the_linear_model(tmp_path, data_path):
    """Several identity layers collapse into one linear map: same predictions as least squares."""
    data = str(data_path)
    linear = tmp_path / "linear.joblib"
    result = run("fit", "--features", TIM, "--data", data, "--out", str(linear), "--quiet")
    assert result.exit_code == 0, result.output
    net, _ = fit_net(data_path, tmp_path / "net.joblib", "--features", TIM, "--activation", "identity",
                     "--hidden", "6,4", "--no-log-skewed",
                     "--weight-decay", "0",
                     "--batch-size", "100000", "--lr", "0.02", "--epochs", "4000", "--tol", "0",
                     "--patience", "200", "--val-size", "0")
    lin = store.load(linear)
    from lifeexp_cli.data import dataset

    design = dataset.design(dataset.read_table(data), lin["features"], lin["target"])
    gap = arrays.predict("mlp", net["params"], design.X) - arrays.predict("linear", lin["params"], design.X)
    assert np.abs(gap).max() < 1e-3  # years; the predictions span about 45 years
    assert net["metrics"]["train"]["rmse"] == pytest.approx(lin["metrics"]["train"]["rmse"], rel=1e-6)


def test_same_seed_same_model_and_another_seed_another(tmp_path, data_path):
    args = ("--features", TIM, "--hidden", "6", "--epochs", "5")
    first, _ = fit_net(data_path, tmp_path / "a.joblib", *args, "--seed", "3")
    second, _ = fit_net(data_path, tmp_path / "b.joblib", *args, "--seed", "3")
    third, _ = fit_net(data_path, tmp_path / "c.joblib", *args, "--seed", "4")
    assert first["params"] == second["params"]
    assert first["training"]["loss_history"] == second["training"]["loss_history"]
    assert first["params"]["network"] != third["params"]["network"]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_other_activations_train(tmp_path, activation, data_path):
    record, _ = fit_net(data_path, tmp_path / "n.joblib", "--features", TIM, "--hidden", "8", "--epochs", "20",
                        "--activation", activation)
    assert record["params"]["network"]["activation"] == activation
    losses = record["training"]["loss_history"]
    assert losses[-1] < 0.5 * record["training"]["initial_loss"]


def test_weight_decay_shrinks_the_weights(tmp_path, data_path):
    def weight_norm(record):
        return sum(float(np.sum(np.square(W))) for W in record["params"]["network"]["weights"])

    args = ("--features", TIM, "--hidden", "8", "--epochs", "20", "--val-size", "0")
    plain, _ = fit_net(data_path, tmp_path / "a.joblib", *args, "--weight-decay", "0")
    decayed, _ = fit_net(data_path, tmp_path / "b.joblib", *args, "--weight-decay", "0.1")
    assert weight_norm(decayed) < 0.75 * weight_norm(plain)


def test_no_validation_split_with_val_size_zero(tmp_path, data_path):
    record, _ = fit_net(data_path, tmp_path / "n.joblib", "--features", TIM, "--hidden", "4", "--epochs", "3",
                        "--val-size", "0")
    assert record["training"]["val_loss_history"] is None
    assert record["spec"]["options"]["val_size"] == 0
    assert record["rows"]["train"] == 2928


def test_cross_validation_of_a_network(tmp_path, data_path):
    record, _ = fit_net(data_path, tmp_path / "n.joblib", "--features", TIM, "--hidden", "4", "--epochs", "3",
                        "--folds", "3")
    assert record["metrics"]["cv"]["k"] == 3 and len(record["metrics"]["cv"]["folds"]) == 3


@pytest.mark.parametrize("args, message", [
    (["--hidden", "64,x"], "--hidden must be comma-separated layer widths"),
    (["--hidden", "0"], "--hidden widths must be integers from 1"),
    (["--weight-decay", "-1"], "--weight-decay must be a number >= 0"),
    (["--init", "zeros"], "--init zeros does not apply to --kind mlp"),
    (["--no-intercept"], "--no-intercept does not apply to --kind mlp"),
    (["--solver", "lstsq"], "--solver lstsq does not apply to mlp models"),
    (["--val-size", "1.5"], "--val-size must be between 0 and 1"),
    (["--val-size", "-0.1"], "--val-size must be between 0 and 1"),
])
def test_bad_network_options_are_usage_errors(tmp_path, args, message, data_path):
    result = run("fit", "--kind", "mlp", "--features", TIM, "--data", str(data_path),
                 "--out", str(tmp_path / "n.joblib"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "n.joblib").exists()


def test_network_options_on_a_linear_model_are_refused(tmp_path, data_path):
    result = run("fit", "--features", TIM, "--data", str(data_path), "--out", str(tmp_path / "l.joblib"),
                 "--hidden", "8")
    assert result.exit_code == 2
    assert "--hidden only apply to --kind mlp" in result.stderr
    with pytest.raises(UsageError, match="weight_decay only apply to kind mlp"):
        make_spec("linear", network_options={"weight_decay": 0.1})


def test_fit_help_documents_the_network():
    result = run("fit", "--help")
    assert "--kind" in result.stdout and "--hidden" in result.stdout and "--weight-decay" in result.stdout
    assert "lifeexp fit --kind mlp" in result.stdout


def test_too_few_countries_for_the_default_validation_split_says_how_to_turn_it_off(tmp_path, data_path):
    lines = data_path.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "small.csv"
    small.write_text("\n".join([lines[0], *[line for line in lines[1:] if line.startswith(("Albania,", "Algeria,"))]]))
    result = run("fit", "--kind", "mlp", "--features", "bmi,hiv", "--data", str(small),
                 "--out", str(tmp_path / "n.joblib"))
    assert result.exit_code == 2
    assert "--val-size 0 for no validation split" in result.stderr
    result = run("fit", "--kind", "mlp", "--features", "bmi,hiv", "--data", str(small), "--val-size", "0",
                 "--epochs", "5", "--out", str(tmp_path / "n.joblib"), "--quiet")
    assert result.exit_code == 0, result.output


def test_cv_command_cross_validates_a_network_with_country_validation_splits(data_path):
    from lifeexp_cli.data import dataset

    result = run("cv", "--kind", "mlp", "--features", TIM, "--hidden", "4", "--epochs", "3", "--folds", "3",
                 "--data", str(data_path), "--format", "json", "--quiet")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["spec"]["kind"] == "mlp" and doc["spec"]["options"]["hidden"] == [4]
    table = dataset.read_table(str(data_path))
    design = dataset.design(table, ["bmi", "adult_mortality", "hiv_aids"], "life_expectancy")
    spec = make_spec("mlp", training={"epochs": 3}, network_options={"hidden": "4"})
    expected = scoring.cross_validate_spec(design, spec, 3)
    assert doc["rmse"] == pytest.approx(expected["rmse"], rel=1e-12)


def test_a_damaged_network_file_is_refused_on_load(small_net, tmp_path):
    from lifeexp_cli.errors import ModelError

    _, record, _ = small_net
    broken = json.loads(json.dumps({k: v for k, v in record.items() if k != "path"}))
    broken["params"]["network"]["weights"][1] = broken["params"]["network"]["weights"][1][:-1]
    with pytest.raises(ModelError, match=r"field params\.network\.weights\[1\]"):  # never written
        store.save(broken, tmp_path / "broken.joblib")
    (tmp_path / "broken.joblib").write_bytes(pickle.dumps(broken, protocol=store.PICKLE_PROTOCOL))
    with pytest.raises(ModelError, match=r"field params\.network\.weights\[1\]"):
        store.load(tmp_path / "broken.joblib")
