"""Which standard errors a linear fit reports, and its coefficient inference on the rows it was fitted on.

The math is linear/covariance.py's; this module chooses the kind of standard errors (clustered by
country when the data has countries with several rows, classical otherwise), builds the design the fit
saw (imputed and scaled with its own statistics), and maps the result to original units. The inference
is conditional on the fill values: an imputed value counts as observed (docs/math.md).
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.linear import covariance as linear_covariance
from lifeexp_cli.prep import scaling

SE_TYPES = linear_covariance.SE_TYPES


BLOCK_ROWS = 1 << 16  # rows of the design built at a time


def has_clusters(groups: np.ndarray | None) -> bool:
    """Whether the rows come in groups (a country column with repeated countries), not one row each."""
    return groups is not None and len(np.unique(groups)) < len(groups)


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


def terms(features: list[str], intercept: bool) -> list[str]:
    return (["intercept"] if intercept else []) + list(features)


def fitted_inference(params: dict, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, features: list[str],
                     intercept: bool, se_type: str) -> tuple[dict | None, dict | None]:
    """(inference, covariance) of a linear fit's coefficients on its training rows X (raw, NaN where
    missing: filled with the fit's values), or (None, None) when the coefficients are not identified."""
    center, scale = np.asarray(params["center"]), np.asarray(params["scale"])
    fill = np.asarray(params["fill"])
    theta = np.concatenate([[params["bias"]], params["weights"]]) if intercept else np.asarray(params["weights"])
    ids = None if groups is None else np.unique(groups, return_inverse=True)[1]

    def blocks():  # the design's rows a block at a time: never a whole copy of it
        for start in range(0, len(y), BLOCK_ROWS):
            rows = slice(start, start + BLOCK_ROWS)
            Xs = scaling.transform(np.where(np.isnan(X[rows]), fill, X[rows]), center, scale)
            design = np.column_stack([np.ones(len(Xs)), Xs]) if intercept else Xs
            yield design, y[rows], None if ids is None else ids[rows]

    tss = float(np.sum((y - y.mean()) ** 2)) if intercept else float(y @ y)
    result = linear_covariance.block_inference(blocks, theta, se_type, terms=terms(features, intercept),
                                       intercept=intercept, tss=tss,
                                       transform=linear_covariance.to_original_units(center, scale, intercept))
    return result if result is not None else (None, None)
