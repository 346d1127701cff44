"""Coefficient inference for least squares: standard errors (classical, HC3, clustered), t, p, confidence
intervals, adjusted R², the F test of all slopes, log-likelihood, AIC and BIC. numpy in, plain values out.

Every covariance is a sandwich around the bread B = (DᵀD)⁻¹ = R⁻¹R⁻ᵀ of the design D = QR:

- classical: s²·B, s² = RSS/(n − k);
- HC3 (MacKinnon & White): B·(Σ dᵢdᵢᵀ eᵢ²/(1 − hᵢ)²)·B, hᵢ the leverage of row i;
- cluster (CR1, statsmodels' default): c·B·(Σ_g s_g s_gᵀ)·B, s_g = Σ_{i∈g} dᵢeᵢ the score of cluster g and
  c = G/(G − 1)·(n − 1)/(n − k). p-values and intervals use t with G − 1 degrees of freedom (n − k for the
  others), as statsmodels with use_t=True.

The meats are sums over rows (HC3) or clusters, so a streamed fit adds them chunk by chunk (`hc3_meat`,
`cluster_scores`, `merge_scores`). The fit may work in scaled units: `transform` A maps its θ to original
units (θ₀ = Aθ) and the covariance with it (AVAᵀ). The F statistic is the Wald test that every slope is 0
under the chosen covariance (for the classical one it equals the textbook ESS/RSS ratio), as statsmodels'
`fvalue`. Checked against statsmodels OLS in tests/unit/linear/test_inference.py.
"""

from __future__ import annotations

import math

import numpy as np

from lifeexp_cli.errors import DesignError
from lifeexp_cli.linear import distributions
from lifeexp_cli.linear.stream import tsqr

SE_TYPES = ("cluster", "classical", "hc3")
LEVEL = 0.95  # of the coefficients' confidence intervals


def bread(R: np.ndarray) -> np.ndarray:
    """(DᵀD)⁻¹ from D's triangular factor R (full rank)."""
    R_inv = np.linalg.solve(R, np.eye(len(R)))
    return R_inv @ R_inv.T


def leverages(design: np.ndarray, R: np.ndarray) -> np.ndarray:
    """hᵢ = dᵢᵀ(DᵀD)⁻¹dᵢ = ‖R⁻ᵀdᵢ‖², the diagonal of the hat matrix."""
    return np.sum(np.linalg.solve(R.T, design.T) ** 2, axis=0)


def hc3_meat(design: np.ndarray, residuals: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Σ dᵢdᵢᵀ (eᵢ/(1 − hᵢ))² over these rows (R: the factor of the whole design)."""
    h = leverages(design, R)
    weighted = design * (residuals / (1.0 - h))[:, None]
    return weighted.T @ weighted


def cluster_scores(design: np.ndarray, residuals: np.ndarray, groups: np.ndarray) -> dict:
    """{group: Σ dᵢeᵢ over its rows} for these rows."""
    keys, index = np.unique(groups, return_inverse=True)
    sums = np.zeros((len(keys), design.shape[1]))
    np.add.at(sums, index, design * residuals[:, None])
    return dict(zip(keys.tolist(), sums))


def merge_scores(total: dict, more: dict) -> dict:
    """Cluster scores of two sets of rows (a cluster may span both)."""
    for key, score in more.items():
        total[key] = total[key] + score if key in total else score
    return total


def cluster_meat(scores: dict) -> np.ndarray:
    stacked = np.array(list(scores.values()))
    return stacked.T @ stacked


def covariance(se_type: str, B: np.ndarray, *, rss: float, n: int, meat: np.ndarray | None = None,
               clusters: int | None = None) -> np.ndarray:
    """The coefficients' covariance (in the design's units) from the bread and, if robust, the meat."""
    k = len(B)
    if se_type == "classical":
        return rss / (n - k) * B
    if se_type == "hc3":
        return B @ meat @ B
    if clusters is None or clusters < 2:
        raise DesignError("clustered standard errors need at least 2 countries, got {value}: use {se} "
                          "classical or hc3", "se", clusters)
    correction = clusters / (clusters - 1) * (n - 1) / (n - k)
    return correction * (B @ meat @ B)


def degrees_of_freedom(se_type: str, n: int, k: int, clusters: int | None) -> int:
    return clusters - 1 if se_type == "cluster" else n - k


def summarize(theta: np.ndarray, cov: np.ndarray, *, terms: list[str], se_type: str, n: int, rss: float,
              tss: float, intercept: bool, clusters: int | None = None, transform: np.ndarray | None = None,
              level: float = LEVEL) -> tuple[dict, dict]:
    """The record's "inference" dict, and the covariance in original units with its degrees of freedom
    ({"se_type", "df", "terms", "matrix"}: what a test of a combination of coefficients needs). theta and
    cov are in the design's units, mapped by `transform` to original units; tss is Σ(y − ȳ)² with an
    intercept, Σy² without (R² is then uncentred, as statsmodels)."""
    A = np.eye(len(theta)) if transform is None else transform
    estimate, cov = A @ theta, A @ cov @ A.T
    k = len(theta)
    df = degrees_of_freedom(se_type, n, k, clusters)
    quantile = distributions.t_quantile((1.0 + level) / 2.0, df)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    coefficients = {}
    for term, b, s in zip(terms, estimate, se):
        t = b / s if s > 0 else math.nan
        coefficients[term] = {"estimate": float(b), "se": float(s), "t": float(t),
                              "p": distributions.t_two_sided(t, df), "ci_low": float(b - quantile * s),
                              "ci_high": float(b + quantile * s)}
    r2 = 1.0 - rss / tss if tss > 0 else math.nan
    f_stat, f_p = slopes_f_test(estimate, cov, intercept, df)
    log_likelihood = -n / 2.0 * (math.log(2.0 * math.pi) + math.log(rss / n) + 1.0) if rss > 0 else math.nan
    summary = {"se_type": se_type, "level": level, "clusters": clusters, "coefficients": coefficients,
               "r2_adj": 1.0 - (n - intercept) / (n - k) * (1.0 - r2), "f_stat": f_stat, "f_p": f_p,
               "log_likelihood": log_likelihood, "aic": -2.0 * log_likelihood + 2.0 * k,
               "bic": -2.0 * log_likelihood + math.log(n) * k}
    return summary, {"se_type": se_type, "df": df, "terms": list(terms), "matrix": cov.tolist()}


def slopes_f_test(estimate: np.ndarray, cov: np.ndarray, intercept: bool, df: int) -> tuple[float, float]:
    """Wald F that every slope is 0: bᵀV⁻¹b/q (pseudo-inverse, as statsmodels), its p from F(q, df)."""
    slopes = slice(1, None) if intercept else slice(None)
    b, V = estimate[slopes], cov[slopes, slopes]
    q = len(b)
    if q == 0:
        return math.nan, math.nan
    f_stat = float(b @ np.linalg.pinv(V) @ b / q)
    return f_stat, distributions.f_survival(f_stat, q, df)


def to_original_units(center: np.ndarray, scale: np.ndarray, intercept: bool) -> np.ndarray:
    """A with θ₀ = Aθ: weights w/s, and the intercept b − Σ wc/s, of a fit on (x − c)/s."""
    p = len(scale)
    if not intercept:
        return np.diag(1.0 / scale)
    A = np.zeros((p + 1, p + 1))
    A[0, 0] = 1.0
    A[0, 1:] = -center / scale
    A[1:, 1:] = np.diag(1.0 / scale)
    return A


def ols_inference(design: np.ndarray, y: np.ndarray, theta: np.ndarray, se_type: str, *, terms: list[str],
                  intercept: bool, groups: np.ndarray | None = None, transform: np.ndarray | None = None,
                  level: float = LEVEL) -> tuple[dict, dict] | None:
    """Inference for θ fitted on the rows of `design` (in memory). None when the design is rank-deficient
    (the coefficients are not identified) or has no residual degrees of freedom."""
    tss = float(np.sum((y - y.mean()) ** 2)) if intercept else float(y @ y)
    return block_inference(lambda: [(design, y, groups)], theta, se_type, terms=terms, intercept=intercept,
                           tss=tss, transform=transform, level=level)


def block_inference(blocks, theta: np.ndarray, se_type: str, *, terms: list[str], intercept: bool, tss: float,
                    transform: np.ndarray | None = None, level: float = LEVEL) -> tuple[dict, dict] | None:
    """`ols_inference` over rows given in blocks: blocks() yields (design, y, group ids or None) each time
    it is called; one pass for the factor and the residual sum, one more for an HC3 or cluster meat. Memory
    stays that of a block, whatever the number of rows."""
    k = len(theta)
    R, n, rss = tsqr.empty(k), 0, 0.0
    for design, y, _ in blocks():
        R = tsqr.update(R, design)
        residuals = y - design @ theta
        n, rss = n + len(y), rss + float(residuals @ residuals)
    if n <= k or len(R) < k:
        return None
    diagonal = np.abs(np.diag(R))
    if diagonal.min() <= 1e-10 * diagonal.max():
        return None
    B = bread(R)
    meat, clusters, scores = None, None, {}
    if se_type in ("hc3", "cluster"):
        meat = np.zeros((k, k))
        for design, y, groups in blocks():
            residuals = y - design @ theta
            if se_type == "hc3":
                meat += hc3_meat(design, residuals, R)
            else:
                scores = merge_scores(scores, cluster_scores(design, residuals, groups))
        if se_type == "cluster":
            meat, clusters = cluster_meat(scores), len(scores)
    cov = covariance(se_type, B, rss=rss, n=n, meat=meat, clusters=clusters)
    return summarize(theta, cov, terms=terms, se_type=se_type, n=n, rss=rss, tss=tss, intercept=intercept,
                     clusters=clusters, transform=transform, level=level)
