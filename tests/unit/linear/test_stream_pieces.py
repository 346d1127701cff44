"""The streamed least squares' pieces against numpy: the triangular factor and the states merge exactly,
moments and medians match, and the state solves with closed_form's rank, minimum-norm answer and errors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import DataError, DesignError
from lifeexp_cli.linear import closed_form
from lifeexp_cli.linear.stream import median, moments, state, tsqr


def same_factor(R1, R2, rtol=1e-12):
    """Triangular factors agree up to the sign of each row."""
    signs = np.sign(np.diag(R1)) * np.sign(np.diag(R2))
    assert_allclose(R1, signs[:, None] * R2, rtol=rtol, atol=1e-12 * np.abs(R1).max())


def test_factor_in_blocks_and_merged_in_a_tree_is_the_factor_of_all_rows(monkeypatch):
    monkeypatch.setattr(tsqr, "BLOCK_ROWS", 7)
    Z = np.random.default_rng(0).normal(size=(100, 4))
    whole = np.linalg.qr(Z, mode="r")
    parts = [tsqr.update(tsqr.empty(4), Z[i:i + 25]) for i in range(0, 100, 25)]
    tree = tsqr.merge(tsqr.merge(parts[0], parts[1]), tsqr.merge(parts[2], parts[3]))
    same_factor(tsqr.update(tsqr.empty(4), Z), whole)
    same_factor(tree, whole)
    assert tsqr.pad(whole, 6).shape == (4, 6) and not tsqr.pad(whole, 6)[:, 4:].any()


def test_stream_solve_matches_closed_form_on_a_rank_deficient_design():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    X = np.column_stack([np.ones(50), X, X[:, 0] * 3.0])  # an exact dependency
    y = rng.normal(size=50)
    Q, R = np.linalg.qr(X)
    streamed = state.solve(state.Factor(R, Q.T @ y, 0.0), 50, "lstsq")
    expected = closed_form.lstsq(X, y)
    assert streamed.rank == expected.rank == 3
    assert_allclose(streamed.theta, expected.theta, rtol=1e-10)
    assert streamed.condition_number == pytest.approx(expected.condition_number, rel=1e-8)


def test_singular_normal_equations_are_a_data_error_that_names_the_solver():
    X = np.column_stack([np.ones(4), np.arange(4.0), 2 * np.arange(4.0)])
    for solve in (lambda: closed_form.solve(X, np.arange(4.0), "normal"),
                  lambda: state.solve(state.Factor(np.linalg.qr(X, mode="r"), np.zeros(3), 0.0), 4, "normal")):
        with pytest.raises(DataError) as caught:
            solve()
        assert isinstance(caught.value, DesignError) and caught.value.exit_code == 1
        assert str(caught.value).endswith("or use solver lstsq")
        assert caught.value.message(flag_of).endswith("or use --solver lstsq")


def test_a_feature_without_values_names_the_features_parameter():
    seen = state.update(state.start(2, "mean"), np.array([[1.0, np.nan], [2.0, np.nan]]), np.array([1.0, 2.0]))
    with pytest.raises(DataError) as caught:
        state.fill_values(seen, ["bmi", "gdp"])
    assert caught.value.message(flag_of) == "feature gdp has no values in the training rows: drop it from --features"


def test_two_partitions_merge_to_the_whole():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 3)), rng.normal(size=300)
    X[rng.random((300, 3)) < 0.1] = np.nan
    X[:150, 2] = np.where(np.isnan(X[:150, 2]), 0.5, X[:150, 2])  # indicators appear in a different order
    whole = state.update(state.start(3, "mean"), X, y)
    a = state.update(state.start(3, "mean"), X[:150], y[:150])
    b = state.update(state.start(3, "mean"), X[150:], y[150:])
    merged = state.merge(a, b)
    assert merged.rows == whole.rows and sorted(merged.indicators) == sorted(whole.indicators)
    fill = state.fill_values(whole, ["a", "b", "c"])
    assert_allclose(state.fill_values(merged, ["a", "b", "c"]), fill, rtol=1e-14)

    def theta(seen):
        T = state.design_map(seen, fill, np.zeros(3), np.ones(3), True)
        return state.solve(state.design_factor(seen, T), 300, "lstsq").theta

    Xi = np.where(np.isnan(X), fill, X)
    expected = np.linalg.lstsq(np.column_stack([np.ones(300), Xi]), y, rcond=None)[0]
    assert_allclose(theta(whole), expected, rtol=1e-12)
    assert_allclose(theta(merged), expected, rtol=1e-12)


def test_moments_merge_like_numpy():
    rng = np.random.default_rng(1)
    X = rng.normal(1e6, 3.0, size=(1000, 2))
    X[rng.random((1000, 2)) < 0.2] = np.nan
    m = moments.Moments.empty(2)
    for start in range(0, 1000, 37):
        m = moments.merge(m, moments.of(np.asfortranarray(X[start:start + 37])))
    assert_allclose(m.mean, np.nanmean(X, axis=0), rtol=1e-15)
    assert_allclose(m.m2 / m.n, np.nanvar(X, axis=0), rtol=1e-10)
    assert_allclose(m.min, np.nanmin(X, axis=0), rtol=0)


@pytest.mark.parametrize("values", [[3.0], [2.0, -1.0], [0.0, -0.0, 5.0, 5.0], [-3.5, 1e-300, -1e300, 7.0, 7.0],
                                    list(np.random.default_rng(2).normal(40, 10, 3001).round(1))])
def test_exact_median_by_radix_select(values, monkeypatch):
    monkeypatch.setattr(median, "COLLECT", 4)  # force the histogram passes, even on a few values
    X = np.array(values)[:, None]
    searches = median.start(np.array([len(values)]))
    while True:
        found = median.accumulators(searches)
        for start in range(0, len(X), 500):
            median.update(searches, found, X[start:start + 500])
        if median.narrow(searches, found):
            break
    assert median.values(searches, 1)[0] == np.median(values)


def one_shot_design(X, fill, center, scale, intercept):
    Xs = (np.where(np.isnan(X), fill, X) - center) / scale
    return np.column_stack([np.ones(len(Xs)), Xs]) if intercept else Xs


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("p", [1, 2, 5])
def test_design_rows_built_in_place_are_the_one_shot_design_laid_out_alike(intercept, p):
    """state.design_rows builds its rows in one array: the numbers and the memory layout (on which a matrix
    product's order of summation depends) of filling, centring, scaling and stacking them one step at a time."""
    rng = np.random.default_rng(p)
    base = rng.normal(size=(40, p))
    base[rng.random(base.shape) < 0.2] = np.nan
    fill, center, scale = rng.normal(size=p), rng.normal(size=p), rng.random(p) + 0.5
    fortran = np.asfortranarray(base)
    for X in (fortran, base, fortran[:20], fortran[::2], fortran[rng.random(40) < 0.5], base[::3], fortran[:1]):
        expected = one_shot_design(X, fill, center, scale, intercept)
        found = state.design_rows(X, fill, center, scale, intercept)
        assert found.tobytes(order="A") == expected.tobytes(order="A") and found.strides == expected.strides


def test_z_rows_are_the_rows_of_ones_x_and_y():
    rng = np.random.default_rng(4)
    X, y = np.asfortranarray(rng.normal(size=(30, 3))), rng.normal(size=30)
    Z = np.column_stack([np.ones(30), X, y])
    picked = np.array([2, 3, 11, 29])
    np.testing.assert_array_equal(state.z_rows(X, y, None), Z)
    np.testing.assert_array_equal(state.z_rows(X, y, picked, 2)[:, :5], Z[picked])
    assert state.z_rows(X, y, picked, 2).shape == (4, 7) and state.z_rows(X, y, None).flags.f_contiguous


@pytest.mark.parametrize("seed", range(5))
def test_a_chunk_with_gaps_is_factored_as_one_z_of_all_its_rows(seed):
    """state.update builds the complete rows' Z and then the gapped rows' Z, never all of Z at once: the
    factor is that of Z built whole and split into the same two sets of rows, to the bit."""
    rng = np.random.default_rng(seed)
    X, y = np.asfortranarray(rng.normal(size=(300, 3))), rng.normal(size=300)
    X[rng.random(X.shape) < 0.05 * (seed + 1)] = np.nan
    found = state.update(state.start(3, "mean"), X, y)
    missing = np.isnan(X)
    complete, gaps = np.flatnonzero(~missing.any(axis=1)), np.flatnonzero(missing.any(axis=1))
    indicators = [j for j in range(3) if missing[:, j].any()]
    Z = np.column_stack([np.ones(300), X, y])
    R = tsqr.pad(tsqr.update(tsqr.empty(5), Z[complete]), 5 + len(indicators))
    wide = np.hstack([Z[gaps], missing[gaps][:, indicators].astype(float)])
    wide[:, 1:4][missing[gaps]] = 0.0
    expected = tsqr.update(tsqr.merge(tsqr.empty(5 + len(indicators)), R), wide)
    assert found.indicators == tuple(indicators) and found.R.tobytes() == expected.tobytes()


@pytest.mark.parametrize("known", [0, 3, 5])
def test_tsqr_blocks_factor_as_a_fresh_stack_of_r_and_each_block_to_the_bit(monkeypatch, known):
    """tsqr.update stacks each block under R in one array made once: LAPACK gets the numbers of
    np.vstack([R, block]), so the factor is the same to the bit, whatever the block's layout."""
    monkeypatch.setattr(tsqr, "BLOCK_ROWS", 16)
    rng = np.random.default_rng(known)
    R = np.linalg.qr(rng.normal(size=(known, 5)), mode="r") if known else tsqr.empty(5)
    Z = rng.normal(size=(100, 5)) * [1.0, 1e3, 1e-3, 7.0, 1e6]
    expected = R
    for start in range(0, 100, 16):
        expected = np.linalg.qr(np.vstack([expected, Z[start:start + 16]]), mode="r")
    np.testing.assert_array_equal(tsqr.update(R, Z), expected)
    np.testing.assert_array_equal(tsqr.update(R, np.asfortranarray(Z)), expected)
    assert tsqr.update(R, Z[:0]) is R
