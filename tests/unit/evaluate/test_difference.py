"""Under one model, two people: the expected difference with its interval, and their own intervals' overlap."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from lifeexp_cli.evaluate import difference

FEATURES = ["bmi", "adult_mortality", "hiv_aids"]


def linear_record(covariance: dict | None) -> dict:
    record = {"kind": "linear", "features": FEATURES}
    if covariance is not None:
        record["coefficient_covariance"] = covariance
    return record


def test_the_expected_difference_interval_is_the_quadratic_form_of_the_covariance():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(4, 4))
    V = A @ A.T / 10  # intercept + three features
    a, b = [24.0, 53.0, 0.1], [22.0, 70.0, 0.1]
    cov = {"se_type": "cluster", "df": None, "terms": ["intercept", *FEATURES], "matrix": V.tolist()}
    result = difference.expected_difference(linear_record(cov), a, b, 71.5, 70.7, 0.9)
    d = np.array([0.0, *np.subtract(a, b)])  # the intercept cancels
    se = float(np.sqrt(d @ V @ d))
    z = NormalDist().inv_cdf(0.95)
    assert result["difference"] == pytest.approx(0.8)
    assert result["se"] == pytest.approx(se, rel=1e-12)
    assert (result["lower"], result["upper"]) == pytest.approx((0.8 - z * se, 0.8 + z * se), rel=1e-12)
    assert result["method"].startswith("cluster covariance of the coefficients")


def test_without_a_covariance_there_is_a_difference_and_no_interval_and_it_says_why():
    old = difference.expected_difference(linear_record(None), [1, 2, 3], [1, 2, 4], 70.0, 69.0, 0.9)
    assert old["difference"] == 1.0 and old["lower"] is None and "no covariance" in old["method"]
    net = difference.expected_difference({"kind": "mlp", "features": FEATURES}, [1, 2, 3], [1, 2, 4], 70.0,
                                         71.0, 0.9)
    assert net["difference"] == -1.0 and net["upper"] is None and "network" in net["method"]


@pytest.mark.parametrize("a,b,share", [
    ((60, 80), (70, 90), 0.5), ((60, 80), (65, 75), 1.0), ((60, 70), (71, 80), 0.0), ((60, 70), (70, 80), 0.0),
    ((60, 80), (61, 62), 1.0),
])
def test_overlap_is_the_share_of_the_narrower_interval(a, b, share):
    first, second = ({"lower": lo, "upper": hi} for lo, hi in (a, b))
    assert difference.overlap(first, second) == pytest.approx(share)
    assert difference.overlap(second, first) == pytest.approx(share)
