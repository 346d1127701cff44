"""The in-memory fit's numbers made a piece at a time are the numbers of the whole arrays they replace, bit
for bit (or a saved record would change): the out-of-fold residuals remade from the fold models
(model/fit/in_memory.py `OutOfFold`) against cross-validation's array of predictions; a run of predictions
(model/predict/arrays.py `predict_run`) against `predict`'s; the in-sample score, R²'s total, a column's
summary (model/fit/design.py, standard_errors.py) against numpy on the whole arrays; a status group's cell
read from all rows' sorted scores less the others' (evaluate/shift.py `cell_without`) against its sorted
copy; the calibration with remade residuals against the one with their array; and whole fits with
intervals against the same fits computing the old way."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import cross_validation, metrics, shift
from lifeexp_cli.model.fit import design as design_fit
from lifeexp_cli.model.fit import in_memory, interval_calibration, standard_errors
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.spec import Spec


def rows(rng, n, p, layout):
    """Features of very different sizes with NaN cells, in a layout: column-major (as the readers lay the
    design out, and a view of its first rows), row-major, or strided."""
    X = rng.lognormal(sigma=2.0, size=(n, p)) * np.where(rng.random((n, p)) < 0.3, -1, 1) * 10.0 ** np.arange(p)
    X[rng.random((n, p)) < 0.05] = np.nan
    if layout == "F":
        whole = np.empty((n + 7, p), order="F")
        whole[:n] = X
        return whole[:n]
    return {"C": np.ascontiguousarray, "strided": lambda A: np.asfortranarray(np.hstack([A, A]))[:, ::2]}[layout](X)


def params_of(rng, p):
    return {"fill": list(rng.normal(size=p)), "center": list(rng.normal(size=p) * 3),
            "scale": list(rng.lognormal(size=p)), "weights": list(rng.normal(size=p)), "bias": float(rng.normal())}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("layout", ["F", "C", "strided"])
def test_a_run_of_predictions_is_predicts(monkeypatch, seed, layout):
    """`predict_run(start, stop)` is predict(...)[start:stop] to the bit, for every run of a few sizes of
    blocks: runs across blocks, a lone row of a block (predicted with a neighbour, as in its block), a block
    that is one row (predicted alone, as `predict` does)."""
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(arrays, "PREDICT_ROWS", int(rng.integers(2, 9)))
    for n in (1, 2, 3, arrays.PREDICT_ROWS, arrays.PREDICT_ROWS + 1, 4 * arrays.PREDICT_ROWS + 1, 61):
        X, params = rows(rng, n, 10, layout), params_of(rng, 10)  # ≥ 8 terms: numpy sums a row pairwise
        whole = arrays.predict("linear", params, X)
        for start in range(n):
            for stop in range(start, n + 1):
                assert arrays.predict_run("linear", params, X, start, stop).tobytes() == whole[start:stop].tobytes()


def test_a_run_of_predictions_is_a_linear_models():
    with pytest.raises(Exception, match="linear"):
        arrays.predict_run("mlp", {}, np.ones((2, 1)), 0, 2)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("layout", ["F", "C"])
def test_the_in_sample_score_in_pieces_is_the_whole_arrays(monkeypatch, seed, layout):
    """A linear fit's score of its own rows made a piece at a time (`piecewise_score`: numpy's pairwise sums
    by `pairwise_total`, each piece's predictions `predict_run`'s) is `metrics.score` of the whole arrays,
    as the fit computed it before; R²'s total (`total_sum`) likewise."""
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(shift, "PAIRWISE_ROWS", int(rng.integers(1, 300)))
    monkeypatch.setattr(arrays, "PREDICT_ROWS", int(rng.integers(2, 700)))
    for n in (1, 2, 9, 129, 1000, 4097):
        X, params = rows(rng, n, 9, layout), params_of(rng, 9)
        y = rng.normal(size=n) * 10 + 70
        expected = metrics.score(y, arrays.predict("linear", params, X))
        found = design_fit.in_sample_score("linear", params, X, y, slice(None))
        assert found == expected or n == 1, n  # one row: R² is NaN in both
        assert np.float64(found["rmse"]).tobytes() == np.float64(expected["rmse"]).tobytes()
        centred = y - y.mean()
        assert standard_errors.total_sum(y, True) == float(np.sum(centred * centred))


@pytest.mark.parametrize("seed", range(8))
def test_a_column_summary_in_pieces_is_numpys(monkeypatch, seed):
    """min, max and mean of a column's present values read SUMMARY_ROWS rows at a time (the mean's sum over
    the present values in order, `PresentValues`) are numpy's on the copy of them, bit for bit; a column with
    no value present has none."""
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(design_fit, "SUMMARY_ROWS", int(rng.integers(1, 50)))
    monkeypatch.setattr(shift, "PAIRWISE_ROWS", int(rng.integers(1, 300)))
    for n in (0, 1, 2, 7, 128, 129, 1000, 5003):
        column = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 6, n)
        column[rng.random(n) < rng.random()] = np.nan  # from none missing to nearly all
        present = column[~np.isnan(column)]
        expected = ([float(present.min()), float(present.max())], float(present.mean())) if present.size \
            else ([None, None], None)
        assert design_fit.column_summary(column) == expected, n
        assert design_fit.column_summary(np.asfortranarray(np.column_stack([column, column]))[:, 1]) == expected


@pytest.mark.parametrize("seed", range(20))
def test_a_status_cell_without_its_copy_is_the_copys(seed):
    """The cell of the rows not in `others`, read from all rows' sorted scores less the others' sorted ones
    (`cell_without`), is the cell of its own sorted copy: ties within and across the parts, any sizes, a
    rest kept whole (at most `most` scores) or thinned."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    scores = np.round(rng.lognormal(size=n), int(rng.integers(0, 3)))  # ties
    if seed % 3 == 0:
        scores[rng.random(n) < 0.1] = np.inf
    mine = rng.random(n) < rng.random()
    most = int(rng.integers(1, 400))
    expected = shift.cell(np.sort(scores[mine]), most)
    assert shift.cell_without(np.sort(scores), np.sort(scores[~mine]), most) == expected


@pytest.mark.parametrize("seed", range(6))
def test_statuses_coded_by_blocks_are_the_whole_arrays(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(shift, "BLOCK_ROWS", int(rng.integers(1, 40)))
    statuses = np.where(rng.random(301) < 0.2, np.nan, (rng.random(301) < 0.4).astype(float)).astype(np.float16)
    whole = np.asarray(statuses, dtype=float)
    expected = (whole >= 0.5).astype(np.int8)
    expected[np.isnan(whole)] = -1
    assert np.array_equal(shift.status_codes(statuses, 301), expected)
    assert shift.status_codes(statuses, 301).dtype == np.int8
    assert np.array_equal(shift.status_codes(None, 3), [-1, -1, -1])


def folds_case(seed, layout):
    """Rows, a target near a linear function of them, each row's fold of 5, an exact linear specification."""
    rng = np.random.default_rng(seed)
    n = 900
    X = rows(rng, n, 9, layout)  # ≥ 8 terms: numpy sums a row pairwise
    y = 60 + np.nan_to_num(X) @ (0.1 * 10.0 ** -np.arange(9)) + rng.normal(size=n)
    return X, y, rng.integers(0, 5, n).astype(np.uint8), Spec()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("layout", ["F", "C"])
@pytest.mark.parametrize("blocked", [True, False])
def test_residuals_remade_from_fold_models_are_cross_validations(monkeypatch, seed, layout, blocked):
    """Each row's residual remade from its fold's model a block of rows at a time (`OutOfFold`, any block
    size) is y minus the prediction cross-validation made for it (`scores_on_folds` with `fold_predictor`),
    bit for bit, fitted by blocks (a large fit: `fit_blocked` on the rows in place) or not."""
    if blocked:
        monkeypatch.setattr(in_memory, "BLOCKED_ROWS", 100)
        monkeypatch.setattr(in_memory, "FOLD_BLOCK_ROWS", 64)
    X, y, fold, spec = folds_case(seed, layout)
    features = [f"x{j}" for j in range(9)]
    predictions = np.empty(len(y))
    cross_validation.scores_on_folds(y, cross_validation.FoldRows(fold, 5),
                                     in_memory.fold_predictor(X, y, features, spec), predictions=predictions)
    expected = y - predictions
    fit = in_memory.fold_fitter(X, y, features, spec)
    remade = in_memory.OutOfFold("linear", [fit(fold != k).params for k in range(5)], X, y, fold)
    assert len(remade) == len(y) and shift.remade(remade) and not shift.remade(expected)
    assert remade.values(int(np.random.default_rng(seed).integers(1, 200))).tobytes() == expected.tobytes()
    for start, stop in ((0, 1), (5, 6), (3, 77), (0, len(y)), (len(y) - 1, len(y) + 5)):
        assert remade[start:stop].tobytes() == expected[start:stop].tobytes()
    with pytest.raises(ValueError):
        remade[0:10:2]
    # The calibration from remade residuals is the one from their array (the scores then go over the
    # distances made for it, or into an array of its own without distances).
    statuses = np.where(np.arange(len(y)) % 7 == 0, np.nan, (np.arange(len(y)) % 3 == 0).astype(float))
    groups = np.arange(len(y))
    distances = np.random.default_rng(seed).lognormal(size=len(y))
    for made in (distances.copy, None):
        assert shift.calibrate(remade, X, groups, fold, statuses, made, fill=list(np.arange(9.0)), split="rows",
                               overwrite=True) == \
            shift.calibrate(expected.copy(), X, groups, fold, statuses, made, fill=list(np.arange(9.0)), split="rows")
    found = interval_calibration.collect(None, interval_calibration.Residuals(X, remade, fold, statuses, groups),
                                         True)  # impute drop: rows with a missing value left out
    whole = interval_calibration.collect(None, interval_calibration.Residuals(X, expected, fold, statuses, groups),
                                         True)
    assert not shift.remade(found.residuals) and found.residuals.tobytes() == whole.residuals.tobytes()
    assert interval_calibration.judged(remade).all()


def old_calibrate(design, spec, held, fill, out_of_fold, k, split, seed, spreads=None, reference=(None, None),
                  known=None, *, by_row):
    """model/fit/design.py `calibrate` as it was: cross-validation's array of out-of-fold predictions."""
    from lifeexp_cli.model.fit.prepared import rows_of
    from lifeexp_cli.prep import splits

    X, y, groups = rows_of(~held, design.X, design.y, design.groups)
    _, notes = interval_calibration.plan(not by_row, interval_calibration.FOLDS, splits.distinct_count(groups))
    k = interval_calibration.FOLDS
    out_of_fold = np.empty(len(y))
    fold = splits.fold_codes(groups, k, "random" if by_row else "country", seed)
    cross_validation.scores_on_folds(y, cross_validation.FoldRows(fold, k),
                                     in_memory.fold_predictor(X, y, design.features, spec, groups),
                                     predictions=out_of_fold)
    statuses = None if design.statuses is None else rows_of(~held, design.statuses)[0]
    residuals = np.subtract(y, out_of_fold, out=out_of_fold)
    found = interval_calibration.Residuals(X, residuals, fold, statuses, groups)
    collected = interval_calibration.collect(None, found, spec.impute == "drop")
    method = "rows" if by_row else "country"
    calibration, _ = interval_calibration.finish(collected, fill, folds=k, split=method, reference=reference,
                                                 known=known, overwrite=True)
    return calibration, notes


def old_in_sample_score(kind, params, X, y, rows):
    """model/fit/design.py `in_sample_score` as it was: the whole array of residuals."""
    y = y[rows]
    total = metrics.total_squares(y)
    residuals = arrays.predict(kind, params, X)[rows]
    return metrics.score_residuals(np.subtract(residuals, y, out=residuals), total)


@pytest.mark.parametrize("by_row", [True, False])
@pytest.mark.parametrize("impute", ["mean", "drop"])
def test_fits_with_intervals_are_those_computed_the_old_way(monkeypatch, who_like_table, by_row, impute):
    """Whole in-memory fits with intervals (blocked: every fit goes by blocks, and the pieces are small) give
    the records they gave with an array of out-of-fold predictions, a score of the whole residual array and
    columns summarized from their copies."""
    monkeypatch.setattr(in_memory, "BLOCKED_ROWS", 50)
    monkeypatch.setattr(in_memory, "FOLD_BLOCK_ROWS", 16)
    monkeypatch.setattr(shift, "BLOCK_ROWS", 32)
    monkeypatch.setattr(shift, "PAIRWISE_ROWS", 20)
    monkeypatch.setattr(arrays, "PREDICT_ROWS", 64)
    monkeypatch.setattr(design_fit, "SUMMARY_ROWS", 30)
    design = dataset.design(who_like_table, ["bmi", "adult_mortality", "hiv_aids"], "life_expectancy")
    X = design.X.copy()
    X[np.random.default_rng(3).random(X.shape) < 0.05] = np.nan  # rows a drop leaves out
    design = dataclasses.replace(design, X=X)
    if by_row:  # no country column: each row its own group
        design = dataclasses.replace(design, groups=np.arange(len(design.y)), group_names=None, by_row=True)
    spec = Spec(impute=impute)
    found = design_fit.fit_design(design, spec)
    monkeypatch.setattr(design_fit, "calibrate", old_calibrate)
    monkeypatch.setattr(design_fit, "in_sample_score", old_in_sample_score)
    monkeypatch.setattr(design_fit, "column_summary", lambda column: (
        [float(np.nanmin(column)), float(np.nanmax(column))], float(column[~np.isnan(column)].mean())))
    expected = design_fit.fit_design(design, spec)
    del found["created_at"], expected["created_at"]  # the clock's second may turn between the two fits
    assert found["calibration"]["method"] == "shift-conformal" and found["metrics"]["train"]["r2"] > 0
    assert found == expected
