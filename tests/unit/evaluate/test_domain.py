"""The joint domain check: a point far off a correlated cloud, inside every marginal range, is flagged;
the mean is not; the pure-Python check of one row is the numpy check of many; the reference is bounded."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

from lifeexp_cli.evaluate import domain
from lifeexp_cli.linear.stream import reservoir


def cloud(n: int = 600, countries: int = 60, seed: int = 3):
    """Two strongly correlated features (x₂ ≈ x₁) and a third independent one, rows grouped in countries
    whose rows lie close together (as the WHO data's 16 years of one country do)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(countries, 1))
    x1 = np.repeat(base, n // countries, axis=0)[:, 0] + 0.05 * rng.normal(size=n)
    x2 = x1 + 0.1 * rng.normal(size=n)
    x3 = rng.normal(size=n)
    groups = np.repeat(np.arange(countries), n // countries).astype(str)
    return np.column_stack([x1, x2, x3]) * [10.0, 100.0, 1.0] + [50.0, 0.0, 5.0], groups


FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


@pytest.fixture(scope="module")
def fitted():
    X, groups = cloud()
    return X, domain.reference(X, groups)


def test_off_the_cloud_but_inside_every_range_is_flagged_and_the_mean_is_not(fitted):
    X, ref = fitted
    low, high = X.min(axis=0), X.max(axis=0)
    odd = [50.0 + 18.0, 0.0 - 180.0, 5.0]  # x₁ high, x₂ low: each inside its range, the pair never seen
    assert all(lo <= v <= hi for v, lo, hi in zip(odd, low, high))
    judged = domain.judge(ref, odd, FEATURES)
    assert not judged["in_domain"] and judged["distance"] > 1.3 * judged["threshold"]
    assert set(judged["features"]) == {"bmi", "adult_mortality"}  # the broken pair, not the third feature
    mean = domain.judge(ref, X.mean(axis=0).tolist(), FEATURES)
    assert mean["in_domain"] and mean["features"] == []
    text = domain.describe(ref, judged, dict(zip(FEATURES, odd)))
    assert "bmi=68" in text and "adult_mortality=-180" in text and "99%" in text


def test_one_row_in_pure_python_is_the_numpy_check_of_many(fitted):
    X, ref = fitted
    rng = np.random.default_rng(1)
    rows = X[rng.choice(len(X), 40)] + rng.normal(scale=[5.0, 50.0, 1.0], size=(40, 3))
    distances, inside = domain.judge_rows(ref, rows)
    for row, distance, ok in zip(rows.tolist(), distances, inside):
        judged = domain.judge(ref, row, FEATURES)
        assert judged["distance"] == pytest.approx(distance, rel=1e-12) and judged["in_domain"] == ok


def test_one_row_is_the_sum_of_squares_by_hand_with_ties_kept_in_row_order():
    """judge's distances in C (math.dist) against the sum of squares written out, on rows with many exact
    ties (a grid, rows repeated): the same distance to 1e-12, the same nearest rows, the same verdict."""
    rng = np.random.default_rng(4)
    X = np.concatenate([rng.integers(0, 4, size=(300, 3)), rng.integers(0, 4, size=(300, 3))]).astype(float)
    ref = domain.reference(X, np.repeat(np.arange(60), 10))
    names = ["a", "b", "c"]
    for row in np.concatenate([X[:30], rng.integers(-3, 7, size=(60, 3)) + rng.choice([0.0, 0.5], (60, 3))]).tolist():
        z = [(x - c) / s for x, c, s in zip(row, ref["center"], ref["scale"])]
        by_hand = sorted((sum((a - b) ** 2 for a, b in zip(z, r)) ** 0.5, i) for i, r in enumerate(ref["rows"]))
        closest = by_hand[:ref["k"]]
        distance = sum(d for d, _ in closest) / len(closest)
        judged = domain.judge(ref, row, names)
        assert judged["distance"] == pytest.approx(distance, rel=1e-12, abs=1e-300)
        assert judged["in_domain"] == (distance <= ref["threshold"])
        if not judged["in_domain"]:
            assert judged["features"] == domain.driving(z, [ref["rows"][i] for _, i in closest], names)


def test_the_threshold_is_the_quantile_of_training_rows_leaving_their_country_out(fitted):
    X, ref = fitted
    assert ref["leave_out"] == "group" and ref["k"] == domain.K and ref["training_rows"] == len(X)
    # Leaving out only the row itself, a row's nearest neighbours are its own country's other years:
    # the threshold would be far tighter and flag most new countries.
    by_row = domain.reference(X, None)
    assert by_row["leave_out"] == "row" and by_row["threshold"] < ref["threshold"] / 2
    # By hand: the distances of the training rows to their 5 nearest rows of other countries.
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    d = np.sqrt(((Z[:, None] - Z[None]) ** 2).sum(axis=2))
    _, groups = cloud()
    d[groups[:, None] == groups[None, :]] = np.inf
    own = np.sort(d, axis=1)[:, :5].mean(axis=1)
    assert ref["threshold"] == pytest.approx(np.quantile(own, 0.99), rel=1e-12)


def test_a_value_in_a_small_gap_of_one_repeated_feature_is_not_far():
    """WHO's BMI: few distinct values 0.1 apart over many countries, and no value between 19.9 and 21.0.
    The training rows lie a few hundredths of a standard deviation from other countries' rows, so their
    quantile alone would call 20.5 far; the least threshold (a tenth of a standard deviation) does not.
    Well beyond the data, a value is far as before."""
    rng = np.random.default_rng(5)
    values = np.round(rng.uniform(15.0, 60.0, size=1600), 1)
    values = values[(values < 20.0) | (values > 20.9)]
    X, groups = values[:, None], (np.arange(len(values)) // 8).astype(str)
    found = domain.reference(X, groups)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    d = np.abs(Z - Z.T)
    d[groups[:, None] == groups[None, :]] = np.inf
    quantile = np.quantile(np.sort(d, axis=1)[:, :domain.K].mean(axis=1), domain.QUANTILE)
    assert quantile < domain.MIN_THRESHOLD / 2 and found["threshold"] == domain.MIN_THRESHOLD
    gap = domain.judge(found, [20.5], ["bmi"])
    assert gap["in_domain"] and quantile < gap["distance"] < domain.MIN_THRESHOLD
    far = domain.judge(found, [90.0], ["bmi"])
    assert not far["in_domain"] and far["features"] == ["bmi"]


def test_the_reference_is_bounded_for_any_data_size():
    rng = np.random.default_rng(0)
    for n, p in [(5000, 3), (3000, 50)]:
        ref = domain.reference(rng.normal(size=(n, p)))
        assert len(ref["rows"]) == domain.sample_size(p) and len(ref["rows"]) * p <= domain.MAX_CELLS
        assert len(pickle.dumps(ref, protocol=4)) < 400_000


def test_too_few_rows_give_no_reference_and_a_constant_feature_does_not_divide_by_zero():
    assert domain.reference(np.ones((2, 3))) is None
    X = np.column_stack([np.arange(20.0), np.full(20, 3.0)])
    ref = domain.reference(X)
    assert ref["scale"][1] == 1.0 and domain.judge(ref, [10.0, 3.0], ["a", "b"])["in_domain"]


@pytest.mark.parametrize("damage,field", [
    (lambda d: d.update(method="x"), "domain.method"),
    (lambda d: d.update(rows=[]), "domain.rows"),
    (lambda d: d.update(rows=[[0.0, 1.0] for _ in range(10)]), "domain.rows"),
    (lambda d: d.update(rows=[[0.0, 1.0, "2"] for _ in range(10)]), "domain.rows"),
    (lambda d: d.update(rows=[[0.0, 1.0, 2.0] for _ in range(domain.MAX_ROWS + 1)]), "domain.rows"),
    (lambda d: d.update(rows=[[0.0, 1.0, 1e300] for _ in range(10)]), "domain.rows"),
    (lambda d: d.update(k=0), "domain.k"),
    (lambda d: d.update(k=True), "domain.k"),
    (lambda d: d.update(k=5, rows=[[0.0, 1.0, 2.0] for _ in range(3)]), "domain.k"),
    (lambda d: d.update(scale=[1.0, 0.0, 1.0]), "domain.scale"),
    (lambda d: d.update(center=[1.0]), "domain.center"),
    (lambda d: d.update(threshold=-1.0), "domain.threshold"),
    (lambda d: d.update(threshold="1"), "domain.threshold"),
    (lambda d: d.update(quantile=1.0), "domain.quantile"),
    (lambda d: d.pop("rows"), "domain.rows"),
])
def test_a_damaged_reference_is_refused_at_load_naming_the_field(damage, field, tmp_path):
    from lifeexp_cli.errors import ModelError
    from lifeexp_cli.model import store

    record = store.load("tim")
    del record["path"]
    record["domain"]["rows"] = record["domain"]["rows"][:50]
    path = store.save(record, tmp_path / "ok.joblib")
    assert store.load(path)["domain"]["k"] == domain.K
    damage(record["domain"])
    path.write_bytes(pickle.dumps(record, protocol=4))
    with pytest.raises(ModelError, match=rf"{path}.*field {re.escape(field)}"):
        store.load(path)


def test_no_reference_is_no_check_not_damage(tmp_path):
    from lifeexp_cli.model import store

    record = store.load("tim")
    del record["path"]
    for value in (None, "absent"):
        if value is None:
            record["domain"] = None
        else:
            del record["domain"]
        store.save(record, tmp_path / "m.joblib")
        assert store.load(tmp_path / "m.joblib").get("domain") is None


def test_the_reservoir_is_bounded_uniform_and_merges_exactly():
    rng = np.random.default_rng(5)
    X = np.arange(10_000, dtype=float)[:, None]
    sample = reservoir.start(100, 1)
    for chunk in np.array_split(X, 37):
        sample = reservoir.update(sample, chunk, rng)
    assert len(sample.rows) == 100 and sample.seen == 10_000
    assert len(np.unique(sample.rows)) == 100  # without replacement
    assert abs(sample.rows.mean() - X.mean()) < 4 * X.std() / 10  # a fixed seed: never flakes
    whole = reservoir.update(reservoir.start(100, 1), X, np.random.default_rng(5))  # the same keys, at once
    assert sorted(whole.keys) == sorted(sample.keys) and sorted(whole.rows[:, 0]) == sorted(sample.rows[:, 0])
    # Two halves sampled apart and merged: the smallest keys of the union, as one stream would keep.
    a = reservoir.update(reservoir.start(100, 1), X[:5000], np.random.default_rng(1))
    b = reservoir.update(reservoir.start(100, 1), X[5000:], np.random.default_rng(2))
    merged = reservoir.merge(a, b)
    keys = np.concatenate([a.keys, b.keys])
    rows = np.concatenate([a.rows, b.rows])
    assert sorted(merged.keys) == sorted(np.sort(keys)[:100])
    assert sorted(reservoir.rows(merged)[:, 0]) == sorted(rows[np.argsort(keys)[:100], 0])
    assert merged.seen == 10_000 and reservoir.rows(merged).shape == (100, 1)


@pytest.mark.parametrize("drop", [False, True])
def test_labels_asked_for_at_positions_are_those_of_a_labels_array(drop):
    """A streamed sample's country keys can be made for the rows that enter it only (a function of their
    positions): the sample, and every label, is what the whole chunk's labels give."""
    from lifeexp_cli.model.fit import domain_sample

    rng = np.random.default_rng(8)
    X = rng.normal(size=(3000, 2))
    X[rng.random(X.shape) < 0.1] = np.nan
    labels = rng.integers(0, 50, size=3000).astype(np.uint64)
    asked = []

    def labels_at(rows):
        asked.append(len(rows))
        return labels[offset:][rows]

    whole, lazy = domain_sample.start(2), domain_sample.start(2)
    draws, again = np.random.default_rng(3), np.random.default_rng(3)
    for offset in range(0, 3000, 500):
        whole = domain_sample.update(whole, X[offset:offset + 500], labels[offset:offset + 500], drop, draws)
        lazy = domain_sample.update(lazy, X[offset:offset + 500], labels_at, drop, again)
    np.testing.assert_array_equal(reservoir.rows(lazy), reservoir.rows(whole))
    np.testing.assert_array_equal(reservoir.labels(lazy), reservoir.labels(whole))
    assert reservoir.labels(lazy).dtype == np.uint64 and sum(asked) < 3000  # not every row's label


def test_in_memory_and_streamed_fits_keep_a_reference(who_like_csv, monkeypatch):
    from lifeexp_cli.data import dataset
    from lifeexp_cli.model.fit.design import fit_design
    from lifeexp_cli.model.fit import stream as streamed_fit
    from lifeexp_cli.model.spec import Spec

    features = ["bmi", "adult_mortality", "hiv"]
    table = dataset.read_table(str(who_like_csv))
    design = dataset.design(table, dataset.resolve_features(table.frame, features, "life_expectancy"),
                            "life_expectancy")
    memory = fit_design(design, Spec())["domain"]
    assert memory["leave_out"] == "group" and memory["training_rows"] == len(design.y)
    assert len(memory["rows"]) == len(design.y)  # few rows: all of them
    monkeypatch.setattr(domain, "MAX_ROWS", 150)  # a sample, from a reservoir fed chunk by chunk
    stream = streamed_fit.fit_source(str(who_like_csv), features, "life_expectancy", Spec(), chunk_rows=70)["domain"]
    assert stream["leave_out"] == "group" and stream["training_rows"] == len(design.y) and len(stream["rows"]) == 150
    np.testing.assert_allclose(stream["center"], memory["center"], rtol=0.1)


@pytest.mark.parametrize("method", ["tree", "product"])
def test_the_features_of_many_rows_are_those_of_each_row_judged_alone(method):
    """`driving_rows` finds candidates with the searcher and ranks them by `judge`'s own distances: the
    same features, in the same order, as `judge` row by row, also where reference rows tie (rows rounded
    to one decimal repeat) and where inputs sit on reference rows."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 3)).round(1)
    ref = domain.reference(np.vstack([X, X[:50]]))  # exact duplicates: ties at every distance
    rows = np.vstack([rng.normal(size=(600, 3)) * 3, X[:40], (rng.normal(size=(200, 3)) * 4).round(1)])
    got = domain.driving_rows(ref, rows, FEATURES, domain.searcher(ref, method))
    want = [domain.judge(ref, row, FEATURES)["features"] for row in rows.tolist()]
    assert got == want
    assert sum(map(bool, want)) > 300  # many rows out of domain, each with its features
