"""The k nearest rows by one matrix product per block (evaluate/neighbours.py) against the direct
formula: the same mean distances to 1e-12 relative (0 exactly for an input that is a reference row),
with duplicated rows, ties, near-ties the expansion cannot tell apart, left-out rows and k larger than
what there is; and the k-d tree, which the same function uses with few features, against both."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import domain, neighbours


def direct(Z, R, k, mask=None):
    """Mean of the k smallest √Σ(z − r)², every pair computed from its differences."""
    d = np.sqrt(((Z[:, None, :] - R[None, :, :]) ** 2).sum(axis=2))
    if mask is not None:
        d[mask] = np.inf
    return np.sort(d, axis=1)[:, :min(k, len(R))].mean(axis=1)


def inputs(R, rng, n=120):
    """Reference rows themselves, rows a hair away, rows between two reference rows, far rows."""
    pick = rng.integers(0, len(R), n)
    return np.concatenate([R[pick[:30]], R[pick[30:60]] + 1e-9 * rng.normal(size=(30, R.shape[1])),
                           (R[pick[60:90]] + R[pick[90:]]) / 2, 3.0 * rng.normal(size=(30, R.shape[1]))])


def reference_rows(m, p, rng):
    """Rows in clusters (as a country's years are), a third of them duplicated."""
    R = np.repeat(rng.normal(size=(m // 8 + 1, p)), 8, axis=0)[:m] + 0.05 * rng.normal(size=(m, p))
    twins = np.arange(0, m - 1, 3)
    R[twins] = R[twins + 1]
    return R


@pytest.mark.parametrize("p", [1, 2, 3, 5, 8, 9, 13, 20, 33, 40])
@pytest.mark.parametrize("seed", range(3))
def test_the_product_and_the_tree_give_the_direct_distances(p, seed, monkeypatch):
    monkeypatch.setattr(neighbours, "BLOCK_CELLS", 7_000)  # many blocks, a partial last one
    rng = np.random.default_rng([p, seed])
    R = reference_rows(min(400, 40_000 // p), p, rng)
    Z = inputs(R, rng)
    for k in (1, 5):
        expected = direct(Z, R, k)
        for method in ("product", "tree"):
            found = neighbours.mean_distance(Z, neighbours.searcher(R, method), k)
            np.testing.assert_allclose(found, expected, rtol=1e-12, atol=0)
    assert (neighbours.nearest(Z[:30], R, 1) == 0.0).all()  # a reference row is at distance 0 exactly


def test_the_fast_check_of_many_is_the_pure_python_check_of_one_at_any_width():
    rng = np.random.default_rng(11)
    for p in (1, 4, 9, 20, 40):
        names = [f"f{j}" for j in range(p)]
        X = reference_rows(600, p, rng) * rng.uniform(1, 100, p) + rng.normal(size=p)
        ref = domain.reference(X, np.repeat(np.arange(75), 8))
        rows = np.concatenate([X[:20], X[20:40] + rng.normal(size=(20, p)) * X.std(axis=0)])
        for method in ("product", "tree"):
            distances, inside = domain.judge_rows(ref, rows, domain.searcher(ref, method))
            for row, distance, ok in zip(rows.tolist(), distances, inside):
                judged = domain.judge(ref, row, names)
                assert judged["distance"] == pytest.approx(distance, rel=1e-12, abs=1e-300)
                assert judged["in_domain"] == ok


def test_ties_on_a_grid_are_resolved_exactly():
    """Integer rows: every input has many reference rows at exactly the same distance."""
    rng = np.random.default_rng(5)
    for p in (2, 12):
        R = rng.integers(0, 3, size=(500, p)).astype(float)
        Z = np.concatenate([R[:50], rng.integers(0, 3, size=(50, p)) + 0.5])
        for k in (1, 5, 7):
            np.testing.assert_allclose(neighbours.nearest(Z, R, k), direct(Z, R, k), rtol=1e-12, atol=0)


def test_near_ties_the_expansion_cannot_tell_apart_are_measured_directly():
    """Rows 1e-6 apart far from the origin: ‖z‖² − ŝ rounds by ~1e-8, their squared distances are
    ~1e-12, so the candidates' order is noise; the check against the rounding bound catches it."""
    rng = np.random.default_rng(8)
    R = 1e3 + 1e-6 * rng.normal(size=(300, 6))
    Z = R[rng.integers(0, 300, 80)] + 1e-7 * rng.normal(size=(80, 6))
    np.testing.assert_allclose(neighbours.nearest(Z, R, 5), direct(Z, R, 5), rtol=1e-12, atol=0)


def test_left_out_rows_and_k_larger_than_what_there_is():
    rng = np.random.default_rng(2)
    R = reference_rows(200, 7, rng)
    groups = np.repeat(np.arange(25), 8)

    def exclude(start, stop):
        return groups[start:stop, None] == groups[None, :]

    np.testing.assert_allclose(neighbours.nearest(R, R, 5, exclude), direct(R, R, 5, exclude(0, len(R))),
                               rtol=1e-12, atol=0)
    few = R[:4]
    np.testing.assert_allclose(neighbours.nearest(R[:30], few, 9), direct(R[:30], few, 9), rtol=1e-12)
    own = np.arange(4)
    assert np.isinf(neighbours.nearest(few, few, 4, lambda a, b: own[a:b, None] == own[None, :])).all()


def test_values_too_large_for_the_expansion_give_the_direct_answer():
    R = np.random.default_rng(4).normal(size=(50, 12))
    Z = np.vstack([R[:3], np.full((1, 12), 1e200)])
    found = neighbours.nearest(Z, R, 5)
    assert np.isinf(found[3]) and np.allclose(found[:3], direct(R[:3], R, 5), rtol=1e-12)


def test_the_tree_is_used_with_few_features_and_the_product_with_many():
    assert not isinstance(neighbours.searcher(np.zeros((10, neighbours.TREE_FEATURES))), neighbours.Rows)
    assert isinstance(neighbours.searcher(np.zeros((10, neighbours.TREE_FEATURES + 1))), neighbours.Rows)
