"""The standard errors of a linear fit's coefficients, one implementation for the in-memory and the
streamed fit.

The math is linear/covariance.py's: its `Gathered` sums (rows, residual sum of squares, HC3 meat or
cluster scores) are gathered over the rows at θ a block or a chunk at a time, and finished by
`covariance.inference` with the design's factor. The fits differ only in what they hand in:

- in memory (`fitted_inference`): the rows as blocks of one array read in place, each block's design
  built once, the factor R built from them, every fit gathering the residuals (in the same pass as R;
  HC3, whose leverages need R, in a second one), the countries' scores in one array (their codes known);
- streamed (`solution_inference`): the factor of the streamed state; HC3 and clustered standard errors
  gather the residuals (`gather_rows`) in the pass at the solution (model/fit/stream_passes.py `residual_part`, a country
  spanning chunks or parts summed across them, memory growing with the countries, not the rows), while
  classical ones take the rows and the residual sum of squares from the factor and need no pass. The
  residual sum of squares from the factor and summed from residuals agree to 1e-14 on the WHO data, but
  not on a fit whose residuals are at rounding level (NIST Wampler 1 and 2: their standard errors are
  rounding noise either way), so a one-pass stream keeps the factor's.

Which standard errors: clustered by country when the data has countries with several rows, classical
otherwise (`choose_se`); data read from stdin, read once, gets classical ones (`check_se`). The inference
is conditional on the fill values: an imputed value counts as observed (docs/math.md).
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.data import catalog
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.evaluate import shift
from lifeexp_cli.linear import covariance as linear_covariance
from lifeexp_cli.linear.stream import state, tsqr
from lifeexp_cli.prep import impute, splits

SE_TYPES = linear_covariance.SE_TYPES

BLOCK_ROWS = 1 << 16  # rows of an in-memory design built at a time

STDIN_NOTE = ("the data came from stdin, which can be read once: the standard errors are classical; give "
              "--data FILE for clustered (by country) ones")


def has_clusters(groups: np.ndarray | None) -> bool:
    """Whether the rows come in groups (a country column with repeated countries), not one row each."""
    return groups is not None and splits.distinct_count(groups) < len(groups)


def coded(groups: np.ndarray) -> bool:
    """Whether the groups are a design's country codes (`Design.groups`, or some of its rows'): non-negative
    integers below twice their count, so that an array indexed by code stays as small as one by row."""
    return groups.dtype.kind in "iu" and len(groups) > 0 and groups.min() >= 0 and groups.max() < 2 * len(groups)


def choose_se(se: str | None, kind: str, clustered: bool) -> str | None:
    """The standard errors to report: `se` as asked (checked), else cluster when the rows cluster by
    country, classical otherwise. None for a network (which has no coefficients)."""
    if se is not None and se not in SE_TYPES:
        raise ParameterError(f"{{se}} must be one of {', '.join(SE_TYPES)}, got {{value!r}}", "se", se)
    if kind != "linear":
        if se is not None:
            raise ParameterError("{se} applies to linear models: a network has no coefficients to test "
                                 "(leave out {se}, or use {kind} linear)", "se", se)
        return None
    if se == "cluster" and not clustered:
        raise ParameterError("{se} cluster needs a country column with several rows per country; this data "
                             "has none: use {se} classical or hc3", "se", se)
    return se or ("cluster" if clustered else "classical")


def check_se(se: str | None, source: str, names: list[str]) -> str:
    """The standard errors a streamed fit will report, decided from the header (before any pass)."""
    clustered = catalog.GROUP_COLUMN in names
    se_type = choose_se(se, "linear", clustered)
    if source == "-" and se_type != "classical":
        if se is not None:
            raise ParameterError(f"{{se}} {se} with {{stream}} reads the data a second time: give a file with "
                                 "{data}, or use {se} classical", "se", se)
        return "classical"
    return se_type


def terms(features: list[str], intercept: bool) -> list[str]:
    return (["intercept"] if intercept else []) + list(features)


def start(se_type: str) -> linear_covariance.Gathered:
    """Nothing gathered yet."""
    return linear_covariance.Gathered(se_type)


def gather_rows(gathered: linear_covariance.Gathered, X: np.ndarray, y: np.ndarray, groups, model: tuple,
                intercept: bool, drop: bool, R: np.ndarray | None) -> linear_covariance.Gathered:
    """A block of rows (raw X, NaN where missing; y; groups: their countries, for cluster: keys, or coded
    as (sorted names, each row's index), else None) added at the fitted model (fill, center, scale, θ in
    scaled units). drop: leave out rows with a missing value (impute drop: the fit never saw them);
    R: the whole design's factor (HC3's leverages)."""
    fill, center, scale, theta = model
    if drop:
        complete = ~np.isnan(X).any(axis=1)
        X, y = X[complete], y[complete]
        groups = None if groups is None else (groups[0], groups[1][complete]) if isinstance(groups, tuple) else \
            groups[complete]
    design = state.design_rows(X, fill, center, scale, intercept)
    return linear_covariance.gather(gathered, design, y - design @ theta, R, groups)


def model_of(params: dict, intercept: bool) -> tuple:
    """(fill, center, scale, θ in scaled units) of a linear fit's params."""
    theta = np.concatenate([[params["bias"]], params["weights"]]) if intercept else np.asarray(params["weights"])
    return np.asarray(params["fill"]), np.asarray(params["center"]), np.asarray(params["scale"]), theta


def fitted_inference(params: dict, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, features: list[str],
                     intercept: bool, se_type: str, drop: bool = False) -> tuple[dict | None, dict | None]:
    """(inference, covariance) of a linear fit's coefficients on its training rows X (raw, NaN where
    missing: filled with the fit's values), or (None, None) when the coefficients are not identified.
    drop: leave out the rows with a missing value (impute drop: the fit never saw them). The rows go a
    block at a time, read in place: never a whole copy of the design, nor of X's usable rows."""
    model = model_of(params, intercept)
    fill, center, scale, theta = model
    kept = np.flatnonzero(impute.complete_rows(X)) if drop else None
    count = len(y) if kept is None else len(kept)
    blocks = [slice(start, start + BLOCK_ROWS) if kept is None else kept[start:start + BLOCK_ROWS]
              for start in range(0, count, BLOCK_ROWS)]
    codes = cluster_codes(groups) if se_type == "cluster" else None
    tss = total_sum(y if kept is None else y[kept], intercept)  # before the passes: its temporary is gone

    def add(rows, R, gathered, factor: bool, gathering: bool):  # one block: its design dies on return
        design = state.design_rows(X[rows], fill, center, scale, intercept)
        if factor:
            R = tsqr.update(R, design)
        if gathering:
            gathered = linear_covariance.gather(gathered, design, y[rows] - design @ theta, R,
                                                None if codes is None else codes[0][rows])
        return R, gathered

    def one_pass(R, gathered, factor: bool, gathering: bool):  # the factor, the sums, or both, block by block
        for rows in blocks:
            R, gathered = add(rows, R, gathered, factor, gathering)
        return R, gathered

    scores = {} if codes is None else linear_covariance.CodedScores(codes[1], len(theta))
    hc3 = se_type == "hc3"  # HC3's leverages need the whole factor before the sums: a second pass
    R, gathered = one_pass(tsqr.empty(len(theta)), linear_covariance.Gathered(se_type, scores=scores), True, not hc3)
    if not linear_covariance.identified(R, count):
        return None, None
    if hc3:
        gathered = one_pass(R, gathered, False, True)[1]
    return linear_covariance.inference(gathered, R, theta, terms=terms(features, intercept), intercept=intercept,
                                       tss=tss,
                                       transform=linear_covariance.to_original_units(center, scale, intercept))


def cluster_codes(groups: np.ndarray) -> tuple[np.ndarray, int]:
    """(each row's cluster as a code below G, in the order of the sorted keys; G). A design's country codes
    (`coded`) are their own codes, some perhaps without a row: no sort of a key per row."""
    if coded(groups):
        return groups, int(groups.max()) + 1
    names, index = np.unique(groups, return_inverse=True)
    return index, len(names)


def total_sum(y: np.ndarray, intercept: bool) -> float:
    """Σ(y − ȳ)² with an intercept, Σy² without (R²'s denominator): with an intercept, numpy's sum of the
    array of (y − ȳ)² to the bit, made a piece at a time (evaluate/shift.py `pairwise_total`): no temporary as
    long as y."""
    if not intercept:
        return float(y @ y)
    mean = y.mean()

    def centred_squares(rows):
        centred = y[rows] - mean
        return np.multiply(centred, centred, out=centred)

    return shift.pairwise_total(centred_squares, len(y))


def inferable(sol) -> bool:
    """Whether a streamed solution's coefficients have standard errors: full rank, more rows than
    coefficients."""
    return sol.solution.rank == sol.columns and sol.used > sol.columns


def needs_pass(sol, se_type: str) -> bool:
    """Whether the streamed fit's standard errors gather the residuals in the pass at the solution."""
    return se_type != "classical" and inferable(sol)


def solution_inference(sol, spec, features: list[str], se_type: str, tss: float,
                       gathered: linear_covariance.Gathered | None) -> tuple[dict | None, dict | None]:
    """(inference, covariance) for the streamed solution `sol` (model/fit/stream_solve.py); gathered: what
    the pass at the solution gathered (`gather_rows`, merged across parts) when `needs_pass`, else None:
    the rows and residual sum of squares come from the factor."""
    if not inferable(sol):
        return None, None
    R, theta = sol.factor.R, sol.solution.theta
    if gathered is None:
        gathered = linear_covariance.Gathered(se_type, sol.used, state.residual_sum(sol.factor, theta))
    return linear_covariance.inference(gathered, R, theta, terms=terms(features, spec.intercept),
                                       intercept=spec.intercept, tss=tss,
                                       transform=linear_covariance.to_original_units(sol.center, sol.scale,
                                                                                     spec.intercept))
