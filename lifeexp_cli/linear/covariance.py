"""Coefficient inference for least squares: standard errors (classical, HC3, clustered), t, p, confidence
intervals, adjusted R², the F test of all slopes, log-likelihood, AIC and BIC. numpy in, plain values out.

Every covariance is a sandwich around the bread B = (DᵀD)⁻¹ = R⁻¹R⁻ᵀ of the design D = QR:

- classical: s²·B, s² = RSS/(n − k);
- HC3 (MacKinnon & White): B·(Σ dᵢdᵢᵀ eᵢ²/(1 − hᵢ)²)·B, hᵢ the leverage of row i;
- cluster (CR1, statsmodels' default): c·B·(Σ_g s_g s_gᵀ)·B, s_g = Σ_{i∈g} dᵢeᵢ the score of cluster g and
  c = G/(G − 1)·(n − 1)/(n − k). p-values and intervals use t with G − 1 degrees of freedom (n − k for the
  others), as statsmodels with use_t=True.

The meats are sums over rows (HC3) or clusters, gathered block by block (`Gathered`, `gather`,
`merge_gathered`) with the residual sum of squares, and finished by `inference`: the in-memory fit gathers
its rows a block at a time, a streamed fit chunk by chunk, one code for both. The fit may work in scaled
units: `transform` A maps its θ to original units (θ₀ = Aθ) and the covariance with it (AVAᵀ). The F statistic is the Wald test that every slope is 0
under the chosen covariance (for the classical one it equals the textbook ESS/RSS ratio), as statsmodels'
`fvalue`. Checked against statsmodels OLS in tests/unit/linear/test_inference.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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


def cluster_scores(design: np.ndarray, residuals: np.ndarray, groups) -> dict:
    """{group: Σ dᵢeᵢ over its rows} for these rows. groups: one key per row, or already coded as (the
    sorted distinct keys, each row's index into them): the same sums, added in row order, without sorting
    a key per row."""
    names, index = groups if isinstance(groups, tuple) else np.unique(groups, return_inverse=True)
    scores = design * residuals[:, None]
    sums = np.column_stack([np.bincount(index, weights=column, minlength=len(names)) for column in scores.T]) \
        if len(names) else np.zeros((0, design.shape[1]))
    present = np.flatnonzero(np.bincount(index, minlength=len(names)))  # not a group whose rows were dropped
    names = names.tolist() if isinstance(names, np.ndarray) else names
    return {names[i]: sums[i] for i in present.tolist()}


def merge_scores(total: dict, more: dict) -> dict:
    """Cluster scores of two sets of rows (a cluster may span both)."""
    for key, score in more.items():
        total[key] = total[key] + score if key in total else score
    return total


class CodedScores:
    """Cluster scores of rows whose clusters are codes 0..G−1 known before the first block (an in-memory fit's
    countries): one k × G array instead of an array per cluster, each block's sums added to it in row order
    as `merge_scores` adds a dict's, so the scores, their order (the order in which the clusters first
    appear) and the meat are the dict's to the bit. Added to in place (`add`): it belongs to one pass."""

    NONE = np.iinfo(np.int64).max  # `first` of a cluster without a row yet

    def __init__(self, codes: int, k: int, names: list | None = None):
        self.names = names  # each code's cluster, for `keyed` (None: the codes themselves)
        self.sums = np.zeros((k, codes))
        self.first = np.full(codes, self.NONE)  # the block that brought each cluster's first row
        self.blocks = 0

    def add(self, design: np.ndarray, residuals: np.ndarray, index: np.ndarray) -> CodedScores:
        """These rows (their clusters' codes `index`) added: Σ dᵢeᵢ of each cluster, a column at a time."""
        # Only the codes from the block's least to its largest (a stream's chunk holds a few countries)
        lo, hi = (int(index.min()), int(index.max()) + 1) if len(index) else (0, 0)
        local = index - lo
        for j, total in enumerate(self.sums):
            total[lo:hi] += np.bincount(local, weights=design[:, j] * residuals, minlength=hi - lo)
        first = self.first[lo:hi]  # a view: written through
        first[(np.bincount(local, minlength=hi - lo) > 0) & (first == self.NONE)] = self.blocks
        self.blocks += 1
        return self

    def __len__(self) -> int:
        return int(np.count_nonzero(self.first != self.NONE))

    def stacked(self) -> np.ndarray:
        """The scores of the clusters that have rows, one per row, in the order they first appeared."""
        present = np.flatnonzero(self.first != self.NONE)
        order = present[np.argsort(self.first[present], kind="stable")]
        return np.ascontiguousarray(self.sums.T[order])  # one copy, row-major as a dict's values stacked

    def keyed(self) -> dict:
        """{cluster: its scores} of the clusters that have rows, in the order they first appeared: the dict
        `merge_scores` would have built (parts merge so)."""
        present = np.flatnonzero(self.first != self.NONE)
        order = present[np.argsort(self.first[present], kind="stable")].tolist()
        names = self.names if self.names is not None else range(len(self.first))
        return {names[code]: self.sums[:, code].copy() for code in order}


def cluster_meat(scores: dict | CodedScores) -> np.ndarray:
    stacked = scores.stacked() if isinstance(scores, CodedScores) else np.array(list(scores.values()))
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


# What the rows at θ give the standard errors, gathered a block (or chunk) at a time --------------

@dataclass
class Gathered:
    """The sums over rows at θ that the covariances need: rows, the residual sum of squares, the HC3
    meat (se_type hc3) or the cluster scores (cluster); and the sum of absolute residuals, which they do
    not need but a streamed fit's training MAE does (its residuals at θ are computed here and nowhere
    else). Blocks add up (`gather`), parts merge (`merge_gathered`): an in-memory fit gathers its rows a
    block at a time, its clusters coded (`CodedScores`), a stream chunk by chunk, its clusters keyed (a
    dict)."""

    se_type: str
    n: int = 0
    rss: float = 0.0
    meat: np.ndarray | None = None
    scores: dict | CodedScores = field(default_factory=dict)
    absolute: float = 0.0


def gather(gathered: Gathered, design: np.ndarray, residuals: np.ndarray, R: np.ndarray | None = None,
           groups=None) -> Gathered:
    """These rows (the design's rows, their residuals at θ) added. R: the whole design's factor (HC3's
    leverages); groups: the rows' clusters (`cluster_scores`), for cluster: their codes when the scores
    are `CodedScores` (added to in place)."""
    g = gathered
    meat, scores = g.meat, g.scores
    if g.se_type == "hc3":
        found = hc3_meat(design, residuals, R)
        meat = found if meat is None else meat + found
    elif g.se_type == "cluster" and isinstance(scores, CodedScores):
        scores = scores.add(design, residuals, groups)
    elif g.se_type == "cluster":
        scores = merge_scores(dict(scores), cluster_scores(design, residuals, groups))
    return Gathered(g.se_type, g.n + len(residuals), g.rss + float(residuals @ residuals), meat, scores,
                    g.absolute + float(np.abs(residuals).sum()))


def merge_gathered(a: Gathered, b: Gathered) -> Gathered:
    """Both parts' rows (a cluster may span both)."""
    meat = b.meat if a.meat is None else a.meat if b.meat is None else a.meat + b.meat
    keyed = [s.keyed() if isinstance(s, CodedScores) else s for s in (a.scores, b.scores)]
    return Gathered(a.se_type, a.n + b.n, a.rss + b.rss, meat, merge_scores(dict(keyed[0]), keyed[1]),
                    a.absolute + b.absolute)


def identified(R: np.ndarray, n: int) -> bool:
    """Whether a design's factor identifies its coefficients: more rows than columns, and no diagonal
    entry of R at rounding level against the largest (a rank-deficient design)."""
    k = R.shape[1]
    if n <= k or len(R) < k:
        return False
    diagonal = np.abs(np.diag(R))
    return bool(diagonal.min() > 1e-10 * diagonal.max())


def inference(gathered: Gathered, R: np.ndarray, theta: np.ndarray, *, terms: list[str], intercept: bool,
              tss: float, transform: np.ndarray | None = None, level: float = LEVEL) -> tuple[dict, dict]:
    """(inference, covariance) from what was gathered over the rows and the design's factor R: the one
    finish of every fit's standard errors. Cluster standard errors with every cluster a single row are
    the classical ones (there are no clusters after all)."""
    g = gathered
    se_type, meat, clusters = g.se_type, g.meat, None
    if se_type == "cluster":
        meat, clusters = cluster_meat(g.scores), len(g.scores)
        if clusters == g.n:
            se_type, meat, clusters = "classical", None, None
    cov = covariance(se_type, bread(R), rss=g.rss, n=g.n, meat=meat, clusters=clusters)
    return summarize(theta, cov, terms=terms, se_type=se_type, n=g.n, rss=g.rss, tss=tss, intercept=intercept,
                     clusters=clusters, transform=transform, level=level)


def ols_inference(design: np.ndarray, y: np.ndarray, theta: np.ndarray, se_type: str, *, terms: list[str],
                  intercept: bool, groups: np.ndarray | None = None, transform: np.ndarray | None = None,
                  level: float = LEVEL) -> tuple[dict, dict] | None:
    """Inference for θ fitted on the rows of `design` (in memory), gathered as one block. None when the
    design is rank-deficient (the coefficients are not identified) or has no residual degrees of freedom."""
    tss = float(np.sum((y - y.mean()) ** 2)) if intercept else float(y @ y)
    R = tsqr.update(tsqr.empty(len(theta)), design)
    if not identified(R, len(y)):
        return None
    gathered = gather(Gathered(se_type), design, y - design @ theta, R, groups)
    return inference(gathered, R, theta, terms=terms, intercept=intercept, tss=tss, transform=transform,
                     level=level)
