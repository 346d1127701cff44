"""A streamed fit's interval calibration against the same computation in memory, and its coverage."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import conformal
from lifeexp_cli.linear.stream import reservoir
from lifeexp_cli.model.predict import arrays
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit import interval_calibration
from lifeexp_cli.model.predict import intervals
from lifeexp_cli.model.fit import stream as streamed_fit
from lifeexp_cli.model.fit import stream_calibration
from lifeexp_cli.model.fit import stream_passes
from lifeexp_cli.model.record import from_plain
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import splits

TIM = ["bmi", "adult_mortality", "hiv_aids"]


def out_of_fold_in_memory(path, features: list[str], spec: Spec, seed: int = 0):
    """(design, out-of-fold predictions) with the streamed fit's hashed country folds, fitted in memory."""
    design = dataset.design(dataset.read_table(str(path)), features, "life_expectancy")
    folds = splits.hashed_folds(dataset.group_keys(design.group_texts()), stream_calibration.FOLDS, seed)
    predicted = np.full(len(design.y), np.nan)
    for k in range(stream_calibration.FOLDS):
        train = folds != k
        fitted = in_memory.fit_arrays(design.X[train], design.y[train], features, spec)
        predicted[~train] = arrays.predict("linear", fitted.params, design.X[~train])
    return design, predicted


def assert_same_calibration(got: dict, expected: dict, rtol: float = 1e-8):
    for key in ("folds", "split", "groups", "rows", "method", "normalizer"):
        assert got[key] == expected[key], key
    for key in ("center", "scale", "coef", "clip", "scores"):
        assert_allclose(got[key], expected[key], rtol=rtol, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("impute", ["mean", "drop"])
@pytest.mark.parametrize("chunk_rows", [7, 65_536])
def test_the_streamed_calibration_is_the_in_memory_one_on_the_same_folds(who_like_csv, impute, chunk_rows):
    spec = Spec(impute=impute)
    record = streamed_fit.fit_source(str(who_like_csv), TIM, "life", spec, chunk_rows, seed=3)
    design, predicted = out_of_fold_in_memory(who_like_csv, TIM, spec, seed=3)
    X, residuals = design.X, design.y - predicted
    if impute == "drop":
        complete = ~np.isnan(X).any(axis=1)
        X, residuals = X[complete], residuals[complete]
    expected = conformal.calibrate(X, residuals, folds=5, split="country", groups=len(np.unique(design.groups)),
                                   fill=record["params"]["fill"])
    assert_same_calibration(record["calibration"], expected)
    assert record["streamed"]["passes"] == 2  # the fit; one at its solution for the clustered SEs and this
    assert not [w for w in record["warnings"] if "interval" in w]


@pytest.mark.parametrize("se", ["classical", "hc3", "cluster"])
def test_the_calibration_and_the_standard_errors_share_one_pass(who_like_csv, se):
    record = streamed_fit.fit_source(str(who_like_csv), TIM, "life", Spec(), 50, se=se)
    assert record["streamed"]["passes"] == 2 and record["inference"]["se_type"] == se
    assert record["calibration"] == streamed_fit.fit_source(str(who_like_csv), TIM, "life", Spec(), 50)["calibration"]


def test_fold_models_are_the_fits_on_the_other_folds_rows(who_like_csv):
    spec = Spec(scale="standard")
    first = stream_passes.reduce_source(str(who_like_csv), TIM, "life", spec, 11, seed=0)
    models = stream_calibration.fold_models(first.folds, spec, TIM, None)
    design = dataset.design(dataset.read_table(str(who_like_csv)), TIM, "life_expectancy")
    folds = splits.hashed_folds(dataset.group_keys(design.group_texts()), 5, 0)
    assert sorted(set(folds)) == list(range(5))
    assert sum(s.rows for s in first.folds) == first.state.rows == len(design.y)  # a partition of the rows
    for k, model in enumerate(models):
        fitted = in_memory.fit_arrays(design.X[folds != k], design.y[folds != k], TIM, spec)
        assert_allclose(model.fill, fitted.params["fill"], rtol=1e-12)
        assert_allclose(model.solution.theta, np.r_[fitted.params["bias"], fitted.params["weights"]], rtol=1e-9)
        for key in ("center", "scale"):
            assert_allclose(getattr(model, key), fitted.params[key], rtol=1e-12)


def test_the_streamed_domain_check_leaves_out_whole_countries_as_in_memory(who_like_csv):
    record = streamed_fit.fit_source(str(who_like_csv), TIM, "life", Spec())
    table = dataset.read_table(str(who_like_csv))
    expected = fit_design(dataset.design(table, TIM, "life_expectancy"), Spec())
    assert record["domain"]["leave_out"] == expected["domain"]["leave_out"] == "group"
    assert record["domain"]["threshold"] == pytest.approx(expected["domain"]["threshold"], rel=1e-12)  # all rows


def test_intervals_of_a_streamed_fit_cover_new_countries(tmp_path):
    """Homoscedastic noise and country effects: 90% intervals of the streamed fit cover about 90% of the
    rows of countries it never saw, and are about as wide as the in-memory fit's."""
    def countries(count, seed):
        rng = np.random.default_rng(seed)
        n = count * 16
        X = rng.normal(0, 1, (n, 2))
        y = 60 + 3 * X[:, 0] - 2 * X[:, 1] + np.repeat(rng.normal(0, 1, count), 16) + rng.normal(0, 2, n)
        names = np.repeat([f"C{seed}-{i}" for i in range(count)], 16)
        return names, X, y

    names, X, y = countries(300, seed=1)
    path = tmp_path / "train.csv"
    path.write_text("country,life_expectancy,bmi,gdp\n" + "".join(
        f"{c},{t:.17g},{a:.17g},{b:.17g}\n" for c, t, (a, b) in zip(names, y, X)))
    record = streamed_fit.fit_source(str(path), ["bmi", "gdp"], "life", Spec(), chunk_rows=1000)
    _, X_new, y_new = countries(400, seed=2)
    predicted, lower, upper = intervals.interval_for(from_plain(record), X_new, 0.9)
    covered = np.mean((lower <= y_new) & (y_new <= upper))
    assert 0.87 <= covered <= 0.93, covered
    memory = fit_design(dataset.design(dataset.read_table(str(path)), ["bmi", "gdp"], "life_expectancy"),
                               Spec())
    width = np.mean(upper - lower)
    assert width == pytest.approx(np.mean(np.diff(intervals.interval_for(from_plain(memory), X_new, 0.9)[1:], axis=0)), rel=0.05)
    assert width == pytest.approx(2 * 1.645 * np.sqrt(1 + 4), rel=0.08)  # the noise's own 90% width


def test_a_sample_bounds_the_calibration_rows(who_like_csv, monkeypatch):
    monkeypatch.setattr(stream_calibration, "SAMPLE_ROWS", 50)
    record = streamed_fit.fit_source(str(who_like_csv), TIM, "life", Spec(), chunk_rows=13)
    assert record["calibration"]["rows"] == 50
    assert record["calibration"]["groups"] == 25  # the countries of all rows, not of the sample


def test_too_few_countries_give_no_intervals_and_say_how_many_are_needed(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "three.csv"
    path.write_text("country,life_expectancy,bmi\n" + "".join(
        f"C{i % 3},{60 + rng.normal():.4f},{rng.normal():.4f}\n" for i in range(60)))
    record = streamed_fit.fit_source(str(path), ["bmi"], "life", Spec())
    assert "calibration" not in record
    assert "calibrating them needs at least 5 countries, the training rows have 3" in " ".join(record["warnings"])


def test_without_a_country_column_the_folds_hold_out_rows(tmp_path):
    rng = np.random.default_rng(4)
    path = tmp_path / "rows.csv"
    path.write_text("life_expectancy,bmi\n" + "".join(f"{60 + rng.normal():.4f},{rng.normal():.4f}\n"
                                                      for _ in range(200)))
    record = streamed_fit.fit_source(str(path), ["bmi"], "life", Spec())
    assert record["calibration"]["split"] == "rows" and record["calibration"]["groups"] == 200
    assert interval_calibration.BY_ROW_NOTE in record["warnings"]
    assert record["domain"]["leave_out"] == "row"


def test_distinct_keys_are_counted_in_bounded_memory():
    rng = np.random.default_rng(8)
    collected, everything = (np.empty(0, np.uint64), []), []
    for size in (5, 70_000, 3, 40_000, 90_000, 1):
        keys = rng.integers(0, 50_000, size).astype(np.uint64)
        everything.append(keys)
        collected = stream_calibration.add_keys(collected, keys)
        known, pending = collected
        assert sum(len(p) for p in pending) <= max(len(known), 1 << 16) + len(np.unique(keys))
    np.testing.assert_array_equal(stream_calibration.distinct_keys(collected), np.unique(np.concatenate(everything)))


def fold_chunks(seed: int, chunks: int = 12, n: int = 900, p: int = 3):
    """Chunks (X column-major as the first pass's cache gives it, with gaps; y; position keys) and a spec."""
    rng = np.random.default_rng(seed)
    found = []
    for c in range(chunks):
        X = np.asfortranarray(rng.normal(size=(n, p)) * [1.0, 300.0, 0.01][:p] + [0.0, 5e3, 1.0][:p])
        X[rng.random((n, p)) < 0.05] = np.nan
        y = 60 + np.nan_to_num(X) @ [2.0, 1e-3, 40.0][:p] + rng.normal(0, 3, n)
        found.append((X, y, splits.position_keys("f.csv", c * n, n)))
    return found


@pytest.mark.parametrize("impute", ["mean", "drop"])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_sample_makes_residuals_only_for_the_rows_that_enter_it(impute, seed, monkeypatch):
    """Only the rows that enter the reservoir get their out-of-fold residual computed, and the sample is the
    one of computing every row's residual first (the same keys, rows and residuals), a fold without a
    model (its rows never count) and impute drop's incomplete rows included."""
    monkeypatch.setattr(stream_calibration, "SAMPLE_ROWS", 60)
    spec = Spec(impute=impute)
    chunks = fold_chunks(seed)
    folds = [None] * stream_calibration.FOLDS
    for X, y, keys in chunks:
        folds = stream_calibration.update_folds(folds, X, y, keys, impute, 5)
    models = stream_calibration.fold_models(folds, spec, ["a", "b", "c"], None)
    models[1 + seed] = None
    made = []
    computed = stream_calibration.out_of_fold_at
    monkeypatch.setattr(stream_calibration, "out_of_fold_at", lambda X, y, fold, models, spec, at:
                        made.append(len(at)) or computed(X, y, fold, models, spec, at))

    def sampled():
        sample, rng = stream_calibration.sample_start(3), stream_calibration.sampling("f.csv")
        for X, y, keys in chunks:
            sample = stream_calibration.sample_update(sample, X, y, keys, models, spec, 5, rng)
        return sample

    fast = sampled()
    with monkeypatch.context() as every_row:
        every_row.setattr(stream_calibration, "defined", lambda *args: False)
        slow = sampled()
    assert len(made) == len(chunks) and sum(made) < 0.05 * sum(len(y) for _, y, _ in chunks)
    assert fast.seen == slow.seen and len(fast.keys) == 60
    np.testing.assert_array_equal(fast.keys, slow.keys)
    np.testing.assert_array_equal(fast.rows[:, :3], slow.rows[:, :3])
    # a product of fewer rows may sum a row in another order (stream_calibration.out_of_fold_at)
    assert_allclose(fast.rows[:, 3], slow.rows[:, 3], rtol=1e-13, atol=0)


def test_residuals_that_may_be_nan_are_all_computed_first():
    """A residual can be NaN only from ∞ − ∞: with an infinite value, or a prediction near overflow, every
    row's residual is computed before the sample draws its keys (which rows count depends on it)."""
    spec = Spec()
    chunks = fold_chunks(3, chunks=1)
    X, y, keys = chunks[0]
    folds = stream_calibration.update_folds([None] * 5, X, y, keys, "mean", 0)
    models = stream_calibration.fold_models(folds, spec, ["a", "b", "c"], None)
    assert stream_calibration.defined(X, y, models, True)
    assert not stream_calibration.defined(X, np.r_[y[:-1], np.inf], models, True)
    for value in (np.inf, -np.inf, 1e305):
        huge = X.copy(order="F")
        huge[7, 1] = value
        assert not stream_calibration.defined(huge, y, models, True)
        with np.errstate(all="ignore"):
            every = stream_calibration.out_of_fold(huge, y, splits.hashed_folds(keys, 5, 0), models, spec)
        sample = stream_calibration.sample_update(stream_calibration.sample_start(3), huge, y, keys, models, spec,
                                                  0, np.random.default_rng(1))
        assert sample.seen == np.count_nonzero(~np.isnan(every))


@pytest.mark.parametrize("seed", range(10))
def test_a_reservoir_asks_only_for_the_rows_it_keeps(seed):
    """reservoir.offer: the rows with the smallest keys of all offered (checked against sorting every key),
    in the order `update` keeps them, each row asked for once, and only if it stays."""
    rng = np.random.default_rng(seed)
    size, p = int(rng.integers(1, 40)), 2
    sample, labelled, everything, asked = reservoir.start(size, p), reservoir.start(size, p), [], []
    for _ in range(int(rng.integers(1, 15))):
        n = int(rng.integers(0, 70))
        X, keys, labels = rng.normal(size=(n, p)), rng.random(n), rng.integers(0, 1 << 40, n).astype(np.uint64)
        everything += [(key, tuple(row), label) for key, row, label in zip(keys, X, labels)]

        def rows_at(positions, X=X):
            assert np.all(np.diff(positions) > 0)
            asked.extend(X[positions].tolist())
            return X[positions]

        sample = reservoir.offer(sample, keys, rows_at)
        tagged = np.column_stack([labels.astype(float), X[:, 1:]])  # each row carries its label
        labelled = reservoir.update(labelled, tagged, np.random.default_rng([seed, n, len(everything)]), labels)
    best = sorted(everything)[:size]
    assert sample.seen == len(everything) and len(sample.keys) == len(best)
    np.testing.assert_array_equal(reservoir.rows(sample), np.array([row for _, row, _ in best]).reshape(-1, p))
    assert all(tuple(row) in map(tuple, asked) for row in sample.rows) and len(asked) <= len(everything)
    np.testing.assert_array_equal(labelled.rows[:, 0], labelled.labels.astype(float))  # labels travel with rows
