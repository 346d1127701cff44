"""The in-memory fit measures each reference row's left-out distance once: the domain reference's own
distances (evaluate/domain.py `reference_and_distances`) stand in for the calibration's distances of
the same rows (evaluate/shift.py `left_out_distances`, `known`), and must be them bit for bit, or the
record would change. Checked on random rows with ties, groups of every size, NaN cells filled by the
model's values, rows dropped (impute drop: the calibration's rows are a `Selected` of the training
rows) and rows held out; and through whole fits, against the same fits measuring every row."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lifeexp_cli.data import dataset
from lifeexp_cli.evaluate import domain, shift
from lifeexp_cli.model.fit import design as design_fit
from lifeexp_cli.model.fit import domain_sample
from lifeexp_cli.model.spec import Spec

FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


def rows_with_ties(rng, n, p):
    """Values on a coarse grid (exact ties between distances), a quarter of the rows duplicated, NaN
    cells now and then; countries of 1 to 12 rows."""
    X = np.round(rng.normal(size=(n, p)) * 2) / 2
    twins = np.arange(0, n - 1, 4)
    X[twins] = X[twins + 1]
    X[rng.random((n, p)) < 0.03] = np.nan
    groups = np.repeat(np.arange(n), rng.integers(1, 13, n))[:n]
    return X, groups


@pytest.mark.parametrize("seed", range(40))
def test_the_reference_rows_own_distances_are_their_left_out_distances(seed):
    rng = np.random.default_rng([31, seed])
    n, p = int(rng.integers(4, 400)), int(rng.integers(1, 8))
    X, groups = rows_with_ties(rng, n, p)
    fill = np.nan_to_num(np.nanmean(X, axis=0)) if rng.random() < 0.5 else rng.normal(size=p)
    drop = bool(rng.random() < 0.3)
    sample = domain_sample.update(domain_sample.start(p), X, groups, drop)
    reference, reference_groups, own = domain_sample.finish_with_distances(sample, fill)
    if reference is None:
        return
    rows, _ = domain_sample.exact_rows(X, sample.size, drop)
    expected = shift.left_out_distances(reference, X, groups, reference_groups, fill=fill)
    if reference["leave_out"] == "group":
        np.testing.assert_array_equal(own, expected[rows])
    kept = np.flatnonzero(rng.random(n) < 0.8)  # the calibration's rows: some of X's, as `collect` keeps them
    selected = shift.Selected(X, kept)
    at = np.searchsorted(kept, rows)
    hit = (at < len(kept)) & (kept[np.minimum(at, len(kept) - 1)] == rows)
    for these in (X, selected):
        known = (rows, expected[rows]) if these is X else (at[hit], expected[rows][hit])
        found = shift.left_out_distances(reference, these, groups if these is X else groups[kept],
                                         reference_groups, fill=fill, known=known)
        whole = expected if these is X else expected[kept]
        np.testing.assert_array_equal(found, whole)


@pytest.mark.parametrize("impute", ["mean", "drop"])
@pytest.mark.parametrize("test_size", [None, 0.25])
def test_a_fit_stores_what_it_stored_measuring_every_row(who_like_table, impute, test_size, monkeypatch):
    design = dataset.design(who_like_table, FEATURES, "life_expectancy")
    X = design.X.copy()
    X[np.random.default_rng(3).random(X.shape) < 0.05] = np.nan  # rows a drop leaves out
    design = dataclasses.replace(design, X=X)
    spec = Spec(impute=impute)
    calls = []
    original = design_fit.measured
    monkeypatch.setattr(design_fit, "measured", lambda *a: calls.append(original(*a)) or calls[-1])
    once = design_fit.fit_design(design, spec, test_size=test_size)
    assert calls and calls[0] is not None  # the reference's distances were used
    monkeypatch.setattr(design_fit, "measured", lambda *a: None)
    every_row = design_fit.fit_design(design, spec, test_size=test_size)
    assert once["calibration"] == every_row["calibration"] and once["domain"] == every_row["domain"]
    del once["created_at"], every_row["created_at"]  # the clock's second may turn between the two fits
    assert once == every_row


def test_a_reference_that_leaves_out_rows_lends_no_distances():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 3))
    reference, own = domain.reference_and_distances(X, np.zeros(50))  # one country: rows leave out themselves
    assert reference["leave_out"] == "row" and len(own) == 50
    assert design_fit.measured(reference, own, X, domain.sample_size(3), False) is None
