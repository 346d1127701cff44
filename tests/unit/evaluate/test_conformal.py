"""Conformal calibration (evaluate/conformal.py), data-free: on exchangeable synthetic data the intervals
cover close to their level, the normalized width follows the error size, and the finite-sample quantile
is the ⌈(n+1)L⌉-th score. Every random draw has a fixed seed: these tests never flake."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lifeexp_cli.evaluate import conformal


def noisy_rows(rng: np.random.Generator, n: int):
    """x in [0, 10]², errors whose size grows 5-fold along x₀: σ(x) = 1 + 0.4·x₀ (exchangeable rows)."""
    X = rng.uniform(0, 10, size=(n, 2))
    sigma = 1 + 0.4 * X[:, 0]
    return X, sigma * rng.standard_normal(n), sigma


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("level", [0.8, 0.9, 0.95])
def test_coverage_is_close_to_the_level_on_exchangeable_rows(seed, level):
    rng = np.random.default_rng(seed)
    X, residuals, _ = noisy_rows(rng, 2000)
    calibration = conformal.calibrate(X, residuals, folds=5, split="rows", groups=2000)
    X_new, errors, _ = noisy_rows(rng, 20_000)
    half = conformal.quantile(calibration, level) * conformal.scale_of(calibration, X_new)
    coverage = np.mean(np.abs(errors) <= half)
    # sd of the coverage over draws ≈ sqrt(L(1−L)/2000) ≈ 0.007 at 0.9: the band is over 4 sd wide
    assert level - 0.03 <= coverage <= level + 0.03


def test_normalized_width_follows_the_error_size():
    rng = np.random.default_rng(1)
    X, residuals, sigma = noisy_rows(rng, 5000)
    calibration = conformal.calibrate(X, residuals, folds=5, split="rows", groups=5000)
    low, high = np.array([[0.5, 5.0]]), np.array([[9.5, 5.0]])
    ratio = conformal.scale_of(calibration, high)[0] / conformal.scale_of(calibration, low)[0]
    assert 3.0 < ratio < 6.0  # the truth: (1 + 0.4·9.5)/(1 + 0.4·0.5) = 4.0 (the signed log bends it a little)
    # and the intervals are honest where errors are large as well as where they are small
    X_new, errors, _ = noisy_rows(rng, 20_000)
    half = conformal.quantile(calibration, 0.9) * conformal.scale_of(calibration, X_new)
    for part in (X_new[:, 0] < 3, X_new[:, 0] > 7):
        assert 0.85 <= np.mean(np.abs(errors[part]) <= half[part]) <= 0.95
    # a constant width (no normalizer) would over-cover the quiet rows and under-cover the loud ones
    constant = np.quantile(np.abs(residuals), 0.9)
    assert np.mean(np.abs(errors[X_new[:, 0] > 7]) <= constant) < 0.85


def test_quantile_is_the_finite_sample_order_statistic():
    calibration = conformal.calibrate(np.arange(9.0)[:, None], np.zeros(9), folds=3, split="rows", groups=9)
    calibration = {**calibration, "scores": [float(v) for v in range(1, 10)]}  # scores 1..9, n = 9
    assert conformal.quantile(calibration, 0.9) == 9.0  # ⌈10·0.9⌉ = 9: the largest
    assert conformal.quantile(calibration, 0.5) == 5.0  # ⌈10·0.5⌉ = 5
    assert conformal.quantile(calibration, 0.05) == 1.0
    assert conformal.quantile(calibration, 0.95) is None  # ⌈10·0.95⌉ = 10 > 9: no finite interval
    assert conformal.max_level(9) == pytest.approx(0.9)


def test_thinned_scores_give_a_conservative_quantile_close_to_the_exact_one():
    rng = np.random.default_rng(3)
    n = 3 * conformal.MAX_SCORES + 17
    X, residuals, _ = noisy_rows(rng, n)
    calibration = conformal.calibrate(X, residuals, folds=5, split="rows", groups=n)
    assert len(calibration["scores"]) == conformal.MAX_SCORES and calibration["rows"] == n
    exact = np.sort(np.abs(residuals) / conformal.scale_of(calibration, X))
    for level in (0.5, 0.8, 0.9, 0.95, 0.99):
        k = conformal.rank_needed(level, n)
        q = conformal.quantile(calibration, level)
        assert exact[k - 1] <= q <= exact[min(k - 1 + n // conformal.MAX_SCORES + 1, n - 1)]
    assert calibration["scores"][-1] == exact[-1]


def test_one_row_in_pure_python_equals_the_array_version():
    rng = np.random.default_rng(4)
    X, residuals, _ = noisy_rows(rng, 300)
    X[:, 1] -= 5  # negative values go through the signed log too
    calibration = conformal.calibrate(X, residuals, folds=5, split="rows", groups=300)
    for row in [[0.0, -5.0], [3.3, 4.2], [1e6, -1e6]]:  # the last far outside: σ stays within its clip
        assert conformal.row_scale(calibration, row) == pytest.approx(conformal.scale_of(calibration, [row])[0],
                                                                      rel=1e-12)
    low, high = calibration["clip"]
    far = conformal.row_scale(calibration, [1e300, -1e300])
    assert math.exp(low) <= far <= math.exp(high)


def test_an_exact_fit_still_calibrates():
    X = np.arange(20.0)[:, None]
    calibration = conformal.calibrate(X, np.zeros(20), folds=5, split="rows", groups=20)
    assert conformal.quantile(calibration, 0.9) == 0.0
    assert np.all(np.isfinite(calibration["coef"]))
