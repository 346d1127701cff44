"""The use cases give what the model layer gives, whoever calls them (the command line or the API)."""

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.errors import UsageError
from lifeexp_cli.evaluate import selection
from lifeexp_cli.model import store
from lifeexp_cli.model.predict import prediction
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.record import from_plain
from lifeexp_cli.model.spec import make_spec
from lifeexp_cli.usecases import assess, fit, predict


def small_design():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = 60 + X @ [2.0, -1.0] + rng.normal(0, 0.5, 60)
    return dataset.Design(X=X, y=y, groups=np.repeat(np.arange(12), 5), rows=np.arange(60),
                          features=["bmi", "hiv_aids"], target="life_expectancy", dropped_target=0)


def test_fit_record_is_fit_model_in_memory():
    design, spec = small_design(), make_spec("linear", "lstsq")

    class Unread:
        sha256 = source = ""

    done = fit.fit_record(design, None, "life_expectancy", spec, stream=False, fold_seed=0,
                          read_table=lambda data, features, target: (Unread(), data))
    expected = fit_design(design, spec, seed=0, data_sha256="", source="")
    assert done.route == fit.MEMORY and done.path is None
    typed = from_plain(expected)
    assert done.record.params == typed.params and done.record.metrics == typed.metrics


def test_options_that_cannot_go_together_are_refused_before_any_work():
    spec = make_spec("linear", "adam")
    with pytest.raises(UsageError, match="--stream works with the exact solvers"):
        fit.check_options(spec, stream=True)
    with pytest.raises(UsageError, match="either --name or --out"):
        fit.check_options(spec, name="a", out="b.joblib")
    assert fit.route_for("-", make_spec("linear", "lstsq"), stream=False) == fit.MEMORY
    assert fit.route_for("x.csv", spec, engine="dask") == fit.DASK


def test_one_person_is_predicted_as_the_model_layer_predicts_one_row():
    tim = store.load_record("tim")
    done = predict.predict_person(tim, {"bmi": 24.1, "adult_mortality": 53.0}, level=0.9)
    row = [24.1, 53.0, tim.means["hiv_aids"]]
    assert done.person.row == row and done.person.filled == ["hiv_aids"]
    assert done.person.value == prediction.predict_one(tim, row)
    assert done.person.interval is not None and any("training mean" in note for note in done.warnings)


def test_select_reports_why_it_stopped_as_a_fact():
    design = small_design()

    def read(data, features, target):
        class Unread:
            sha256 = source = ""

        return Unread(), design

    done = assess.select(None, "all", "life_expectancy", make_spec("linear", "lstsq"), folds=3, max_features=1,
                         read_table=read)
    assert done.document["stopped"] == selection.LIMIT and done.document["features"] == ["bmi"]
