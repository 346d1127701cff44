"""The Python API for notebooks: the use cases the commands call (lifeexp_cli/usecases/), with plain
arguments instead of flags.

    from lifeexp_cli import (compare, correlations, cross_validate, fit, load_data, load_model, predict,
                             predict_interval, save_model, select)
    from lifeexp_cli import backprop, data_where, features, install_data

A model record is the plain dict a model file holds (`fit`, `load_model`), as `docs/api.md` shows it;
inside, the functions work on its typed form (model/record.py ModelRecord), converted here.

Errors stay typed (`lifeexp_cli.errors`): a bad argument is a ParameterError or UsageError naming the
parameter, a bad file a DataError or ModelError. Notes the command line would print (a feature filled
with its training mean, a value outside the training range, a fit that did not converge) are Python
warnings (UserWarning). `docs/api.md` shows a session.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from lifeexp_cli.data import catalog
from lifeexp_cli.errors import DataError, ParameterError

DEFAULT_TARGET = catalog.DEFAULT_TARGET


def load_data(path: str | None = None, features: str | list[str] = "all", target: str = DEFAULT_TARGET):
    """A CSV as a `Design`: X (rows × features, NaN where missing), y, groups (the country as an integer code,
    codes in the order of the names; `design.group_texts()` gives the names), features, target.

    path None reads $LIFEEXP_DATA. features: `"all"` (every numeric column), a list, or comma-separated
    names; aliases work as on the command line (`hiv` for `hiv_aids`). Rows without a target are dropped.
    """
    return _read(path, features, target)[2]


def fit(data, features: str | list[str] | None = None, *, target: str = DEFAULT_TARGET, model: str = "linear",
        solver: str | None = None, scale: str | None = None, impute: str = "mean", intercept: bool = True,
        cv: int | None = None, test_size: float | None = None, split: str = "country", seed: int = 0,
        se: str | None = None, intervals: bool = True, **options) -> dict:
    """Fit a model and return its record, exactly what `lifeexp fit` saves (save it with `save_model`).

    data: a CSV path (None: $LIFEEXP_DATA) or a Design from `load_data`. features: as in `load_data`
    (default: all of them, or the Design's). model "linear" or "mlp"; solver, scale, impute and the
    training options (lr=, epochs=, batch_size=, hidden=[64, 32], ...) as the `fit` command's flags.
    cv=k adds k-fold cross-validation scores, test_size a held-out share; split "country" or "random".
    se: a linear model's standard errors in record["inference"], "cluster", "classical" or "hc3" (default:
    clustered by country when the data has countries with several rows, classical otherwise).
    intervals False: no prediction-interval calibration (by default an exact linear fit, or any fit with
    cv, stores one for `predict_interval`).
    """
    from lifeexp_cli.usecases import fit as usecase

    spec = _spec(model, solver, scale, impute, intercept, seed, options)
    from lifeexp_cli.model.record import to_plain

    record = usecase.fit_record(data, features, target, spec, cv=cv, test_size=test_size, split=split,
                                fold_seed=seed, se=se, intervals=intervals, stream=False, read_table=_table).record
    for note in record.warnings:
        warnings.warn(note, stacklevel=2)
    return to_plain(record)


def cross_validate(data, features: str | list[str] | None = None, *, k: int = 5, split: str = "country",
                   seed: int = 0, target: str = DEFAULT_TARGET, model: str = "linear", solver: str | None = None,
                   scale: str | None = None, impute: str = "mean", intercept: bool = True,
                   fold_seed: int | None = None, **options) -> dict:
    """k-fold cross-validation of a model specification, as `lifeexp cv --format json` reports it:
    rmse, mae, r2 (means over folds), their `_std`, and `folds` (held-out rows, countries, scores).
    fold_seed draws the folds (default: seed), so that seed alone varies a network's weights;
    ensemble=K averages K networks."""
    from lifeexp_cli.usecases import assess

    spec = _spec(model, solver, scale, impute, intercept, seed, options)
    return assess.cross_validate(data, features, target, spec, folds=k, split=split,
                                 fold_seed=seed if fold_seed is None else fold_seed, read_table=_table).document


def select(data=None, candidates: str | list[str] = "all", *, target: str = DEFAULT_TARGET, k: int = 5,
           split: str = "country", seed: int = 0, fold_seed: int | None = None, max_features: int | None = None,
           model: str = "linear", solver: str | None = None, scale: str | None = None, impute: str = "mean",
           intercept: bool = True, save_as: str | None = None, **options) -> dict:
    """Greedy forward selection by k-fold cross-validated RMSE, as `lifeexp select --format json` reports
    it: the chosen `features`, their `cv_rmse`, the `path` step by step, the near-duplicate pairs.
    save_as NAME fits the chosen set on all rows and saves it in your models folder (`select --fit`)."""
    from lifeexp_cli.usecases import assess

    spec = _spec(model, solver, scale, impute, intercept, seed, options)
    done = assess.select(data, candidates, target, spec, folds=k, split=split,
                         fold_seed=seed if fold_seed is None else fold_seed, max_features=max_features,
                         save_as=save_as, read_table=_table)
    from lifeexp_cli.evaluate import selection

    for note in done.warnings:
        warnings.warn(note, stacklevel=2)
    return {**done.document, "stopped": selection.stop_text(done.document["stopped"], max_features)}


def correlations(data: str | None = None, *, target: str | None = None, features: str | list[str] | None = None,
                 method: str = "pearson", fill: str = "none", top: int | None = None):
    """The correlations `lifeexp corr` shows: `.r` (the matrix of `.columns`, a numpy array), `.ranking`
    [(feature, r, rows)] by correlation with the target, `.pairs` of near-duplicate features [(a, b, r)],
    `.undefined` (constant columns). method "pearson" or "spearman"; fill "none" or "mean"."""
    from lifeexp_cli.usecases import explore

    if isinstance(features, (list, tuple)):
        features = ",".join(features)
    return explore.correlations(None if data is None else str(data), target=target, features=features,
                                method=method, fill=fill, top=top, read_table=_plain_table)


def compare(models: list[str] | None = None, people: dict[str, dict] | None = None, *, level: float = 0,
            cv: int | None = None, data: str | None = None, split: str = "country", seed: int = 0,
            ensemble: int | None = None):
    """Saved models side by side, as `lifeexp compare` shows them: a `Comparison` with `.people`, `.models`
    (each one's predictions, and with cv its scores over the same folds), `.ranking`, `.answer` (who
    lives longer, as facts: `longer` is a name or None) and `.warnings`. models: names or paths (None: the shipped ones); people: {name: {feature: value}} (None:
    Tim and Tom of the lecture); level: prediction intervals; cv=K cross-validates every model again on
    `data` over the same K folds."""
    from lifeexp_cli.data import people as lecture
    from lifeexp_cli.usecases import compare as usecase

    persons = list((people or {}).items()) or lecture.lecture_people()
    return usecase.compare(models, persons, level=level, cv=cv, data=None if data is None else str(data),
                           split=split, seed=seed, ensemble=ensemble, read_table=_plain_table).result


def predict(model, rows) -> np.ndarray:
    """Predictions of `model` (a record, or a saved model's name or path) for `rows`, one per row.

    rows: a dict {feature: value} for one person, a list of such dicts, a pandas DataFrame with the
    feature columns, or a 2-D array with the model's features as columns, in `model["features"]` order.
    Names and aliases are accepted as on the command line (height and weight give bmi). A feature left
    out of a dict takes its training mean; a missing value (NaN) in a table, the model's fill value.
    """
    from lifeexp_cli.model.predict import arrays

    record = _typed(model)
    notes: list[str] = []
    X = _matrix(record, rows, notes)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return arrays.predict_record(record, X)


def predict_interval(model, rows, level: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(predictions, lower, upper): `predict`'s predictions with their prediction intervals at `level`
    (0.9: 90% of rows of countries the model never saw fall inside), as `lifeexp predict --level` gives
    them. rows as for `predict`. A model fitted without calibration (a streamed fit, a network without
    cv, a file older than intervals) is a ModelError."""
    from lifeexp_cli.errors import ModelError
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.model.predict import intervals

    intervals.check_level(level)
    if not 0 < level:
        raise ParameterError("{level} must be above 0 for an interval (0.9 for 90%), got {value}", "level", level)
    record = _typed(model)
    if not intervals.calibrated(record):
        raise ModelError(intervals.missing_note(record, prediction.model_name(record)))
    notes: list[str] = []
    X = _matrix(record, rows, notes)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return intervals.interval_for(record, X, level)


def features(data: str | None = None) -> list[dict]:
    """The features lifeexp knows, as `lifeexp features --format json` lists them: per feature its `name`,
    `aliases`, `role`, `meaning`, `unit` and `unit_note` (how the WHO data contradicts the unit, or None).
    With `data` (a CSV path), that file's columns instead, their roles read from the file."""
    from lifeexp_cli.usecases import explore

    return explore.features(None if data is None else str(data), read_table=_plain_table)


def backprop(x: float = 2.0, y: float = 1.0, theta0: float = 5.0, theta1: float = -1.0, lr: float = 0.1,
             activation: str = "relu", steps: int | None = None) -> dict:
    """The lecture's backprop example worked through a recorded graph, as `lifeexp backprop` shows it:
    `forward`, `local` (each edge's derivative), `chains`, `gradients`, `updated` (θ after one step with
    learning rate lr), `loss_before`, `loss_after`, and the `history` of `steps` steps of gradient
    descent. activation: relu, tanh, sigmoid or identity."""
    from lifeexp_cli.usecases import backprop as usecase

    return usecase.worked_example(x=x, y=y, theta0=theta0, theta1=theta1, lr=lr, activation=activation,
                                  steps=steps)


def install_data(path: str | Path):
    """Check that `path` is the WHO Life Expectancy CSV and copy it into the user data folder, where every
    function and command finds it without a path (`lifeexp data install`): its `.path`, `.sha256`,
    `.rows`, and whether it `.replaced` an earlier copy."""
    from lifeexp_cli.usecases import data_source

    return data_source.install(str(path))


def data_where(data: str | None = None):
    """Which data a call given `data` (None: no path) reads, and why (`lifeexp data where`): `.source`,
    `.how` ("--data", "$LIFEEXP_DATA" or "installed copy"; None when there is none), and the installed
    copy's `.installed_path`, `.installed_present`, `.installed_sha256`, `.sha256_matches`."""
    from lifeexp_cli.usecases import data_source

    return data_source.where(None if data is None else str(data))


def load_model(name_or_path: str | Path) -> dict:
    """A saved model's record: a path, or a name looked up in ./models/ and then the shipped models."""
    from lifeexp_cli.model import store

    return store.load(name_or_path)


def save_model(record: dict, path: str | Path) -> Path:
    """Write the record as a model file (atomically); `lifeexp predict --model PATH` can use it."""
    from lifeexp_cli.model import store
    from lifeexp_cli.model.record import ModelRecord

    if isinstance(record, ModelRecord):
        return store.save_record(record, Path(path))
    return store.save(record, Path(path))


def _typed(model):
    """The typed record of a model given as a saved model's name or path, a record dict, or a typed record."""
    from lifeexp_cli.model import store
    from lifeexp_cli.model.record import ModelRecord, from_plain

    if isinstance(model, (str, Path)):
        return store.load_record(model)
    return model if isinstance(model, ModelRecord) else from_plain(model)


def _read(data, features, target: str):
    """(sha256, source, Design) of a path (None: $LIFEEXP_DATA) or of a Design, for `features`."""
    table, design = _table(data, features, target)
    return table.sha256, table.source, design


class _Unread:
    """What the use cases read of a table that came as a Design: no file, no fingerprint."""

    sha256 = source = ""


def _table(data, features, target: str):
    """(Table, Design) of a path (None: $LIFEEXP_DATA), reading's notes as warnings; or of a Design."""
    from lifeexp_cli.data import dataset

    if isinstance(data, dataset.Design):
        return _Unread(), _columns(data, features)
    table, design = dataset.load_design(None if data is None else str(data), features or "all", target)
    for note in table.warnings:
        warnings.warn(note, stacklevel=4)
    return table, design


def _plain_table(data):
    """The Table of a path (None: $LIFEEXP_DATA), reading's notes as warnings."""
    from lifeexp_cli.data import dataset

    table = dataset.read_table(data)
    for note in table.warnings:
        warnings.warn(note, stacklevel=4)
    return table


def _columns(design, features):
    """The Design restricted to `features` (names or aliases of its own columns), or as it is."""
    from lifeexp_cli.data import dataset

    if features is None or (isinstance(features, str) and features.strip().lower() == "all"):
        return design
    names = catalog.resolve_many(features, design.features)
    return dataset.with_features(design, names)


def _spec(model: str, solver, scale, impute: str, intercept: bool, seed: int, options: dict):
    from lifeexp_cli.model.spec import from_options

    return from_options(model, solver, scale=scale, impute=impute, intercept=intercept, seed=seed, options=options)


def _matrix(record, rows, notes: list[str]) -> np.ndarray:
    """rows as a float matrix with the model's features as columns; what a person lacked goes to notes."""
    if isinstance(rows, dict):
        rows = [rows]
    if hasattr(rows, "columns"):  # a pandas DataFrame, recognised without importing pandas
        return _frame_matrix(record, rows)
    if isinstance(rows, (list, tuple)) and rows and all(isinstance(r, dict) for r in rows):
        return np.array([_person_row(record, r, notes) for r in rows], dtype=float)
    X = np.asarray(rows, dtype=float)
    p = len(record.features)
    if X.ndim != 2 or X.shape[1] != p:
        raise ParameterError(f"{{rows}} must be a dict, a list of dicts, a DataFrame or a 2-D array with {p} "
                             f"column(s) ({', '.join(record.features)}), got shape {{value}}", "rows", X.shape)
    return X


def _person_row(record, person: dict, notes: list[str]) -> list[float]:
    """One person's values in feature order, as `lifeexp predict --bmi ...` completes them."""
    from lifeexp_cli.data import people
    from lifeexp_cli.model.predict import prediction

    given = {name: people.number(value, name) for name, value in person.items()}
    return prediction.person_row(record, given, notes)[0]


def _frame_matrix(record, frame) -> np.ndarray:
    """A DataFrame's feature columns (canonical names or aliases) in the model's order."""
    by_name: dict[str, object] = {}
    for column in frame.columns:
        name = catalog.canonical(str(column))
        by_name.setdefault(catalog.ALIASES.get(name, name), column)
    missing = [f for f in record.features if f not in by_name]
    if missing:
        raise DataError(f"the rows lack column(s) {', '.join(missing)} that the model needs: add them "
                        "(missing values are filled with the training statistics)")
    return np.column_stack([np.asarray(frame[by_name[f]], dtype=float) for f in record.features])

