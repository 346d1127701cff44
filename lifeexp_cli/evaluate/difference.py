"""Under one model, is one person's expected life expectancy above another's? Two different questions.

1. The expected values. For a linear model the difference of two people's expected values is
   Δ = βᵀ(x_A − x_B) (the intercept cancels), with variance (x_A − x_B)ᵀ V (x_A − x_B), V the covariance
   of the coefficients the model file keeps (clustered by country when the data had countries), and the
   interval Δ ± t · se (t with the covariance's degrees of freedom). A network keeps no such covariance:
   its difference has no interval.
2. The people themselves. Each person's prediction interval says where that person's life expectancy
   may fall; how far two people's intervals overlap says whether the data can tell the two people apart,
   which a narrow interval for Δ alone does not (a difference of means can be clear while individuals
   overlap almost entirely).

Plain Python (a handful of numbers): `compare` runs it without importing numpy.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def quantile(probability: float, df: float | None) -> float:
    """The t quantile with df degrees of freedom (normal when df is None)."""
    if df is None:
        return NormalDist().inv_cdf(probability)
    from lifeexp_cli.linear.distributions import t_quantile

    return t_quantile(probability, df)


def expected_difference(record: dict, row_a: list[float], row_b: list[float], predicted_a: float,
                        predicted_b: float, level: float) -> dict:
    """Δ = E[y | A] − E[y | B] under the model of `record`, with its interval at `level` when the record
    keeps the coefficients' covariance; `method` says how the interval was made (or why there is none)."""
    result = {"difference": predicted_a - predicted_b, "level": level, "lower": None, "upper": None,
              "se": None, "method": None}
    covariance = record.get("coefficient_covariance")
    if record.get("kind") != "linear":
        result["method"] = "none: a network keeps no covariance of its parameters"
        return result
    if not covariance:
        result["method"] = "none: the model file keeps no covariance of its coefficients"
        return result
    delta = dict(zip(record["features"], (a - b for a, b in zip(row_a, row_b))))
    vector = [delta.get(term, 0.0) for term in covariance["terms"]]  # the intercept cancels
    matrix = covariance["matrix"]
    variance = sum(vi * mij * vj for vi, row in zip(vector, matrix) for mij, vj in zip(row, vector))
    se = math.sqrt(max(variance, 0.0))
    q = quantile((1 + level) / 2, covariance.get("df"))
    result.update(se=se, lower=result["difference"] - q * se, upper=result["difference"] + q * se,
                  method=f"{covariance['se_type']} covariance of the coefficients, t with {covariance['df']} "
                         "degrees of freedom")
    return result


def overlap(a: dict, b: dict) -> float:
    """The share of the narrower of two intervals ({"lower", "upper"}) that the other one covers: 1 when
    one holds the other, 0 when they are apart."""
    common = min(a["upper"], b["upper"]) - max(a["lower"], b["lower"])
    narrower = min(a["upper"] - a["lower"], b["upper"] - b["lower"])
    if common < 0:
        return 0.0
    return 1.0 if narrower <= 0 else min(1.0, common / narrower)
