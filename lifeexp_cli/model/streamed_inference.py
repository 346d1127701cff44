"""Coefficient inference of a streamed fit (`fit --stream`), in bounded memory.

Classical standard errors need only the triangular factor and the residual sum of squares, which the
stream already holds. HC3 and clustered ones need each row's residual at the final θ, so they take one
more pass over the file: HC3 adds Σ dᵢdᵢᵀ(eᵢ/(1 − hᵢ))² chunk by chunk, clustering keeps one score vector
per country (memory grows with the number of countries, not of rows). Data read from stdin can be read
only once: classical standard errors there, or an error when others were asked for.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.data import catalog, dataset
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.linear import inference
from lifeexp_cli.linear.stream import state
from lifeexp_cli.model import inference as coefficient_inference

STDIN_NOTE = ("the data came from stdin, which can be read once: the standard errors are classical; give "
              "--data FILE for clustered (by country) ones")


def check_se(se: str | None, source: str, names: list[str]) -> str:
    """The standard errors a streamed fit will report, decided from the header (before any pass)."""
    clustered = catalog.GROUP_COLUMN in names
    se_type = coefficient_inference.choose_se(se, "linear", clustered)
    if source == "-" and se_type != "classical":
        if se is not None:
            raise ParameterError(f"{{se}} {se} with {{stream}} reads the data a second time: give a file with "
                                 "{data}, or use {se} classical", "se", se)
        return "classical"
    return se_type


def streamed_inference(over, sol, spec, features: list[str], target: str, chunk_rows: int,
                       se_type: str, tss: float) -> tuple[dict | None, dict | None, int]:
    """(inference, covariance, passes made) for the streamed solution `sol` (model/streamed.py); `over`
    makes the pass over the data (`streamed.OneMachine`, or the Dask engine's)."""
    R, theta, n = sol.factor.R, sol.solution.theta, sol.used
    if sol.solution.rank < sol.columns or n <= sol.columns:
        return None, None, 0
    rss = state.residual_sum(sol.factor, theta)
    meat, clusters, passes = None, None, 0
    if se_type != "classical":
        meat, clusters = robust_pass(over, sol, spec, features, target, chunk_rows, se_type)
        passes = 1
        if se_type == "cluster" and clusters == n:  # every country once: no clusters after all
            se_type, meat, clusters = "classical", None, None
    cov = inference.covariance(se_type, inference.bread(R), rss=rss, n=n, meat=meat, clusters=clusters)
    summary, covariance = inference.summarize(
        theta, cov, terms=coefficient_inference.terms(features, spec.intercept), se_type=se_type, n=n, rss=rss,
        tss=tss, intercept=spec.intercept, clusters=clusters,
        transform=inference.to_original_units(sol.center, sol.scale, spec.intercept))
    return summary, covariance, passes


def robust_pass(over, sol, spec, features: list[str], target: str, chunk_rows: int,
                se_type: str) -> tuple[np.ndarray, int | None]:
    """One pass: the HC3 meat, or the clustered meat and the number of countries (each source's share
    computed apart and added up: a country may span sources)."""
    meat, scores = over.map_reduce(robust_part, add_robust, sol, spec, features, target, chunk_rows, se_type)
    if se_type == "hc3":
        return meat, None
    return inference.cluster_meat(scores), len(scores)


def add_robust(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], inference.merge_scores(a[1], b[1])


def robust_part(source: str, sol, spec, features: list[str], target: str, chunk_rows: int,
                se_type: str) -> tuple[np.ndarray, dict]:
    """One source's HC3 meat and cluster scores ({country: Σ dᵢeᵢ})."""
    from lifeexp_cli.model import streamed  # which imports this module

    R, theta = sol.factor.R, sol.solution.theta
    meat, scores = np.zeros((len(R), len(R))), {}
    extra = (catalog.GROUP_COLUMN,) if se_type == "cluster" else ()
    for _, frame in streamed.frames_of(source, features, target, chunk_rows, extra):
        X, y, _ = dataset.frame_arrays(frame, features, target)
        keep = ~np.isnan(dataset.numeric_column(frame, target))
        groups = frame[catalog.GROUP_COLUMN].astype(str).to_numpy()[keep] if se_type == "cluster" else None
        if spec.impute == "drop":
            complete = ~np.isnan(X).any(axis=1)
            X, y = X[complete], y[complete]
            groups = None if groups is None else groups[complete]
        design = state.design_rows(X, sol.fill, sol.center, sol.scale, spec.intercept)
        residuals = y - design @ theta
        if se_type == "hc3":
            meat += inference.hc3_meat(design, residuals, R)
        else:
            scores = inference.merge_scores(scores, inference.cluster_scores(design, residuals, groups))
    return meat, scores
