"""The use cases of plot, backprop, features and the data commands: what they return, checked against the
layers below them and direct computation."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.data import catalog, location, units
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.evaluate import metrics
from lifeexp_cli.model import store
from lifeexp_cli.nn import backprop_example
from lifeexp_cli.usecases import backprop, data_source, explore, plot_data


@pytest.fixture
def small_csv(tmp_path):
    rng = np.random.default_rng(1)
    rows = ["Country,Year,Life expectancy ,BMI ,GDP"]
    for i in range(60):
        bmi = rng.uniform(15, 35)
        rows.append(f"C{i // 3},{2000 + i % 3},{50 + 0.5 * bmi + rng.normal(0, 1):.3f},{bmi:.3f},"
                    f"{rng.uniform(1, 1e5):.1f}")
    path = tmp_path / "small.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def saved(tmp_path, data, features, **options):
    from lifeexp_cli import api

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        record = api.fit(data, features, **options)
    return str(api.save_model(record, tmp_path / f"m{len(list(tmp_path.iterdir()))}.joblib"))


def test_plot_all_gives_the_views_that_apply_and_why_the_others_do_not(tmp_path, small_csv):
    one = saved(tmp_path, small_csv, "bmi", solver="gd", epochs=50)
    done = plot_data.plot(one, "all", data=small_csv)
    assert list(done.views) == ["fit", "loss", "residuals"] and done.skipped == []
    fit, residuals = done.views["fit"], done.views["residuals"]
    assert fit.rmse == pytest.approx(metrics.rmse(residuals.y, residuals.yhat))  # every row has bmi
    assert not fit.log_x and fit.grid[0] == fit.x.min() and fit.grid[-1] == fit.x.max()
    coefficients = done.record.coefficients
    assert_allclose(fit.curve, coefficients["intercept"] + coefficients["bmi"] * fit.grid, rtol=1e-9)
    assert done.views["loss"].training.epochs_run == len(done.views["loss"].training.loss_history)

    two = saved(tmp_path, small_csv, "bmi,gdp")
    done = plot_data.plot(two, "all", data=small_csv)
    assert list(done.views) == ["residuals"] and [kind for kind, _ in done.skipped] == ["fit", "loss"]
    with pytest.raises(ParameterError) as refused:
        plot_data.plot(two, "landscape", data=small_csv)
    assert refused.value.message(lambda name: "--" + name).startswith("--kind landscape does not apply: ")
    with pytest.raises(ParameterError, match="lrs applies to kind lr only"):
        plot_data.plot(one, "fit", rates=[0.1])


def test_a_log_axis_for_three_decades_of_positive_values():
    assert plot_data.log_axis(np.array([1.7, 119172.0])) and not plot_data.log_axis(np.array([1.0, 999.0]))
    assert not plot_data.log_axis(np.array([0.0, 1e6])) and not plot_data.log_axis(np.array([]))


def test_the_worked_example_is_the_lecture_graph_with_one_step_by_default():
    assert backprop.worked_example() == backprop_example.explain()
    assert len(backprop.worked_example(steps=3)["history"]) == 4


def test_features_without_data_are_the_catalog_and_read_nothing():
    rows = explore.features()
    assert [row["name"] for row in rows] == list(catalog.WHO_FEATURES)
    roles = {row["name"]: row["role"] for row in rows}
    assert roles[catalog.DEFAULT_TARGET] == "target" and roles["bmi"] == "feature"
    assert {row["name"] for row in rows if row["unit_note"]} == set(units.WHO_NOTES)


def test_features_of_a_file_are_its_columns(small_csv):
    rows = explore.features(small_csv)
    assert [(row["name"], row["role"]) for row in rows] == [
        ("country", "group key"), ("year", "feature"), ("life_expectancy", "target"), ("bmi", "feature"),
        ("gdp", "feature")]


def test_where_follows_data_then_the_environment_then_the_installed_copy(tmp_path, small_csv, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(location.DATA_ENV, small_csv)
    found = data_source.where()
    assert (found.source, found.how, found.env) == (small_csv, "$" + location.DATA_ENV, small_csv)
    assert not found.installed_present and found.installed_sha256 is None and found.sha256_matches is None
    assert data_source.where(small_csv).how == "--data"
    monkeypatch.delenv(location.DATA_ENV)
    assert data_source.where().source is None


def test_an_installed_copy_is_found_with_its_recorded_sha256(tmp_path, data_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(location.DATA_ENV, raising=False)
    done = data_source.install(str(data_path))
    assert not done.replaced and done.rows == 2938
    found = data_source.where()
    assert (found.source, found.how) == (str(done.path), "installed copy") and found.installed_present
    assert found.installed_sha256 == done.sha256 == location.file_sha256(done.path) and found.sha256_matches
    with open(done.path, "a", encoding="utf-8") as changed:
        changed.write("\n")
    assert data_source.where().sha256_matches is False
    assert data_source.install(str(data_path)).replaced and data_source.where().sha256_matches
