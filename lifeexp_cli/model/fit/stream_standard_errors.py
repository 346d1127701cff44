"""Coefficient inference of a streamed fit (`fit --stream`), in bounded memory.

Classical standard errors need only the triangular factor and the residual sum of squares, which the
stream already holds. HC3 and clustered ones need each row's residual at the final θ, so they take one
more pass over the file (model/fit/stream_passes.py makes it, shared with the interval calibration): HC3 adds
Σ dᵢdᵢᵀ(eᵢ/(1 − hᵢ))² chunk by chunk, clustering keeps one score vector per country (memory grows with
the number of countries, not of rows). Data read from stdin can be read
only once: classical standard errors there, or an error when others were asked for.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.data import catalog
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.linear import covariance as linear_covariance
from lifeexp_cli.linear.stream import state
from lifeexp_cli.model.fit import standard_errors

STDIN_NOTE = ("the data came from stdin, which can be read once: the standard errors are classical; give "
              "--data FILE for clustered (by country) ones")


def check_se(se: str | None, source: str, names: list[str]) -> str:
    """The standard errors a streamed fit will report, decided from the header (before any pass)."""
    clustered = catalog.GROUP_COLUMN in names
    se_type = standard_errors.choose_se(se, "linear", clustered)
    if source == "-" and se_type != "classical":
        if se is not None:
            raise ParameterError(f"{{se}} {se} with {{stream}} reads the data a second time: give a file with "
                                 "{data}, or use {se} classical", "se", se)
        return "classical"
    return se_type


def inferable(sol) -> bool:
    """Standard errors need full rank and more rows than coefficients."""
    return sol.solution.rank == sol.columns and sol.used > sol.columns


def needs_pass(sol, se_type: str) -> bool:
    """Whether the standard errors need the pass over the residuals (`robust_update`)."""
    return se_type != "classical" and inferable(sol)


def solution_inference(sol, spec, features: list[str], se_type: str, tss: float,
                       robust: tuple | None) -> tuple[dict | None, dict | None]:
    """(inference, covariance) for the streamed solution `sol` (model/fit/stream_solve.py); robust: what the pass
    over the residuals gathered (`robust_update`, merged with `add_robust`) when `needs_pass`."""
    R, theta, n = sol.factor.R, sol.solution.theta, sol.used
    if not inferable(sol):
        return None, None
    rss = state.residual_sum(sol.factor, theta)
    meat, clusters = None, None
    if se_type != "classical":
        meat, scores = robust
        if se_type == "cluster":
            meat, clusters = linear_covariance.cluster_meat(scores), len(scores)
        if se_type == "cluster" and clusters == n:  # every country once: no clusters after all
            se_type, meat, clusters = "classical", None, None
    cov = linear_covariance.covariance(se_type, linear_covariance.bread(R), rss=rss, n=n, meat=meat, clusters=clusters)
    summary, covariance = linear_covariance.summarize(
        theta, cov, terms=standard_errors.terms(features, spec.intercept), se_type=se_type, n=n, rss=rss,
        tss=tss, intercept=spec.intercept, clusters=clusters,
        transform=linear_covariance.to_original_units(sol.center, sol.scale, spec.intercept))
    return summary, covariance


def robust_start(sol) -> tuple[np.ndarray, dict]:
    """Nothing gathered yet: (HC3 meat, cluster scores {country: Σ dᵢeᵢ})."""
    return np.zeros((len(sol.factor.R), len(sol.factor.R))), {}


def robust_update(gathered: tuple, X: np.ndarray, y: np.ndarray, groups, sol, spec,
                  se_type: str) -> tuple[np.ndarray, dict]:
    """A chunk's rows (raw X, y; groups: their countries, for cluster: texts, or coded as (names, index)
    by `ChunkCache.countries`) added to the HC3 meat or to the cluster scores. Each source's share is
    gathered apart and added up (a country may span sources)."""
    meat, scores = gathered
    if spec.impute == "drop":
        complete = ~np.isnan(X).any(axis=1)
        X, y = X[complete], y[complete]
        groups = None if groups is None else (groups[0], groups[1][complete]) if isinstance(groups, tuple) else \
            groups[complete]
    design = state.design_rows(X, sol.fill, sol.center, sol.scale, spec.intercept)
    residuals = y - design @ sol.solution.theta
    if se_type == "hc3":
        return meat + linear_covariance.hc3_meat(design, residuals, sol.factor.R), scores
    found = coded_scores(design, residuals, *groups) if isinstance(groups, tuple) else \
        linear_covariance.cluster_scores(design, residuals, groups)
    return meat, linear_covariance.merge_scores(scores, found)


def coded_scores(design: np.ndarray, residuals: np.ndarray, names: list, index: np.ndarray) -> dict:
    """`linear_covariance.cluster_scores` of rows whose countries come coded (data/sources.py
    `ChunkCache.countries`: the sorted distinct names, each row's index into them): the same sums, added
    in the same row order, without sorting a text per row."""
    scores = design * residuals[:, None]
    sums = np.column_stack([np.bincount(index, weights=column, minlength=len(names)) for column in scores.T]) \
        if len(names) else np.zeros((0, design.shape[1]))
    present = np.flatnonzero(np.bincount(index, minlength=len(names)))  # not a country whose rows were dropped
    return {names[i]: sums[i] for i in present.tolist()}


def add_robust(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], linear_covariance.merge_scores(a[1], b[1])
