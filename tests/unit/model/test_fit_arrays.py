"""The closed-form fit by blocks (`stream_solve.fit_blocked`, what `in_memory.fit_arrays` uses from BLOCKED_ROWS rows)
gives the ordinary in-memory fit's parameters, counts and warnings."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit import stream_solve
from lifeexp_cli.model.spec import make_spec


def rows(seed=3, n=900):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(15, 60, n), rng.exponential(1.5, n), rng.lognormal(8, 1.2, n)])
    y = 60 + 0.2 * X[:, 0] - 1.5 * X[:, 1] + 1e-4 * X[:, 2] + rng.normal(0, 3, n)
    X[rng.random((n, 3)) < 0.05] = np.nan
    return X, y


@pytest.mark.parametrize("impute", ["mean", "median", "drop"])
@pytest.mark.parametrize("scale", ["none", "standard", "minmax"])
@pytest.mark.parametrize("intercept", [True, False])
def test_blocks_give_the_in_memory_fit(impute, scale, intercept):
    X, y = rows()
    features = ["bmi", "hiv_aids", "gdp"]
    spec = make_spec(scale=scale, impute=impute, intercept=intercept)
    whole = in_memory.fit_arrays(X, y, features, spec)
    blocked = stream_solve.fit_blocked(X, y, features, spec, block_rows=64)
    for key in ("fill", "center", "scale", "weights"):
        np.testing.assert_allclose(blocked.params[key], whole.params[key], rtol=1e-10, atol=1e-12)
    assert blocked.params["bias"] == pytest.approx(whole.params["bias"], rel=1e-10, abs=1e-12)
    assert (blocked.rows_used, blocked.rows_dropped, blocked.imputed) == \
        (whole.rows_used, whole.rows_dropped, whole.imputed)
    assert blocked.condition_number == pytest.approx(whole.condition_number, rel=1e-8)
    assert blocked.warnings == whole.warnings


def test_fit_goes_by_blocks_from_blocked_rows(monkeypatch):
    X, y = rows()
    calls = []
    original = stream_solve.fit_blocked
    monkeypatch.setattr(in_memory, "fit_blocked", lambda *a, **k: calls.append(1) or original(*a, **k))
    in_memory.fit_arrays(X, y, ["a", "b", "c"], make_spec())
    assert not calls
    monkeypatch.setattr(in_memory, "BLOCKED_ROWS", len(y))
    in_memory.fit_arrays(X, y, ["a", "b", "c"], make_spec())
    assert calls == [1]


def test_constant_and_collinear_features_are_reported_by_blocks_too():
    X, y = rows()
    X = np.column_stack([X[:, 0], np.full(len(y), 2.0), 2 * X[:, 0] + 1e-9])
    X[np.isnan(X)] = 1.0
    spec = make_spec()
    assert stream_solve.fit_blocked(X, y, ["a", "b", "c"], spec).warnings == \
        in_memory.fit_arrays(X, y, ["a", "b", "c"], spec).warnings


@pytest.mark.parametrize("seed", range(8))
def test_a_masks_rows_come_in_the_blocks_of_its_indices(seed):
    """`picked_rows` finds a mask's rows a run at a time: the same blocks, in order, as np.flatnonzero of
    the mask cut into pieces; and a fit on a mask is, bit for bit, the fit on its indices."""
    rng = np.random.default_rng(seed)
    n, block = int(rng.integers(1, 700)), int(rng.integers(1, 90))
    mask = rng.random(n) < rng.choice([0.0, 0.1, 0.5, 0.9, 1.0])
    found = list(stream_solve.picked_rows(n, mask, block))
    indices = np.flatnonzero(mask)
    expected = [indices[start:start + block] for start in range(0, len(indices), block)]
    assert len(found) == len(expected) and all(np.array_equal(a, b) for a, b in zip(found, expected))
    X, y = rows(seed)
    mask = rng.random(len(y)) < 0.8
    spec = make_spec(impute=["mean", "median", "drop"][seed % 3])
    by_mask = stream_solve.fit_blocked(X, y, ["a", "b", "c"], spec, block_rows=64, rows=mask)
    by_index = stream_solve.fit_blocked(X, y, ["a", "b", "c"], spec, block_rows=64, rows=np.flatnonzero(mask))
    assert all(np.array_equal(by_mask.params[key], by_index.params[key]) for key in by_index.params)
    assert (by_mask.rows_used, by_mask.imputed, by_mask.warnings) == (by_index.rows_used, by_index.imputed,
                                                                      by_index.warnings)
