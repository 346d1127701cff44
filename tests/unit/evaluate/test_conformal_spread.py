"""An ensemble's member spread as one more regressor of the error-size model (evaluate/conformal.py):
synthetic data where the spread tells the error size, and calibrations without a spread unchanged."""

from __future__ import annotations

import math
import pickle

import numpy as np

from lifeexp_cli.evaluate import conformal


def synthetic(n: int = 4000, seed: int = 1):
    """Features that say nothing about the error; residuals whose size is the members' spread × 3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * [5.0, 1.0] + [20.0, 0.0]
    spread = np.exp(rng.uniform(-2.0, 1.0, n))
    residuals = rng.normal(size=n) * 3.0 * spread
    return X, residuals, spread


def test_an_informative_spread_gets_a_positive_coefficient_and_widens_the_interval():
    X, residuals, spread = synthetic()
    calibration = conformal.calibrate(X, residuals, folds=5, split="country", groups=100, spread=spread)
    terms = calibration["spread"]
    assert calibration["normalizer"] == conformal.SPREAD_NORMALIZER
    # log|r| = log 3 + log u + log|N(0,1)|: the slope on log u is 1, on standardized log u it is sᵤ.
    assert terms["coef"] > 0
    assert math.isclose(terms["coef"] / terms["scale"], 1.0, abs_tol=0.1)
    assert all(abs(b) < 0.1 for b in calibration["coef"][1:])  # the features tell nothing
    row = [20.0, 0.0]
    narrow, wide = (conformal.row_scale(calibration, row, u) for u in (0.2, 2.0))
    assert wide > 5 * narrow
    # numpy and pure Python agree
    both = conformal.scale_of(calibration, np.array([row, row]), np.array([0.2, 2.0]))
    np.testing.assert_allclose(both, [narrow, wide], rtol=1e-12)


def test_the_spread_makes_intervals_cover_evenly():
    """With the spread, the interval covers rows of small and large spread alike; without, it over-covers
    the calm rows and under-covers the disputed ones."""
    X, residuals, spread = synthetic(seed=2)
    test_X, test_r, test_u = synthetic(seed=3)
    disputed = test_u > np.median(test_u)

    def coverage(calibration, u):
        q = conformal.quantile(calibration, 0.9)
        return np.abs(test_r) <= q * conformal.scale_of(calibration, test_X, u)

    with_spread = coverage(conformal.calibrate(X, residuals, folds=5, split="country", groups=100, spread=spread),
                           test_u)
    without = coverage(conformal.calibrate(X, residuals, folds=5, split="country", groups=100), None)
    assert abs(with_spread[disputed].mean() - with_spread[~disputed].mean()) < 0.04
    assert without[~disputed].mean() - without[disputed].mean() > 0.12


def test_without_a_spread_the_calibration_has_no_spread_term():
    X, residuals, _ = synthetic()
    calibration = conformal.calibrate(X, residuals, folds=5, split="country", groups=100)
    assert "spread" not in calibration and calibration["normalizer"] == conformal.NORMALIZER
    assert len(calibration["coef"]) == X.shape[1] + 1
    assert pickle.dumps(calibration) == pickle.dumps(conformal.calibrate(X, residuals, folds=5, split="country",
                                                                          groups=100, spread=None))
    # σ ignores a spread it has no term for
    assert conformal.row_scale(calibration, [20.0, 0.0], 5.0) == conformal.row_scale(calibration, [20.0, 0.0])
