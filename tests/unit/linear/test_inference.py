"""Coefficient inference against statsmodels OLS (the reference): classical, HC3 and clustered (CR1)
standard errors, t, p, intervals, adjusted R², F and its p, log-likelihood, AIC, BIC; on synthetic data
with clustered errors, in scaled and original units, with and without an intercept."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.linear import covariance as inference

sm = pytest.importorskip("statsmodels.api")

COV_TYPES = {"classical": "nonrobust", "hc3": "HC3", "cluster": "cluster"}


def clustered_data(seed: int, n_groups: int = 40, per_group: int = 8, p: int = 3):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), per_group)
    X = rng.normal(size=(len(groups), p)) * [1.0, 50.0, 0.01][:p] + [0.0, 300.0, 2.0][:p]
    X[:, 0] += rng.normal(size=n_groups)[groups]  # a feature that varies by cluster, as WHO's do
    noise = rng.normal(size=n_groups)[groups] * 2.0 + rng.normal(size=len(groups)) * (1.0 + np.abs(X[:, 0]))
    y = 70.0 + X @ np.array([1.5, -0.02, 30.0])[:p] + noise
    return X, y, groups.astype(str)


def reference(X, y, groups, se_type, intercept=True):
    design = sm.add_constant(X) if intercept else X
    kwds = {"groups": groups} if se_type == "cluster" else None
    return sm.OLS(y, design).fit(cov_type=COV_TYPES[se_type], cov_kwds=kwds, use_t=True)


def ours(X, y, groups, se_type, intercept=True, scaled=True):
    center = X.mean(axis=0) if (scaled and intercept) else np.zeros(X.shape[1])
    scale = X.std(axis=0) if scaled else np.ones(X.shape[1])
    Xs = (X - center) / scale
    design = np.column_stack([np.ones(len(y)), Xs]) if intercept else Xs
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    terms = (["intercept"] if intercept else []) + [f"x{j}" for j in range(X.shape[1])]
    _, group_ids = np.unique(groups, return_inverse=True)
    result = inference.ols_inference(design, y, theta, se_type, terms=terms, intercept=intercept,
                                     groups=group_ids, transform=inference.to_original_units(center, scale, intercept))
    return result, terms


@pytest.mark.parametrize("se_type", inference.SE_TYPES)
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("scaled", [True, False])
def test_matches_statsmodels(se_type, intercept, scaled):
    X, y, groups = clustered_data(seed=3)
    (summary, cov), terms = ours(X, y, groups, se_type, intercept, scaled)
    ref = reference(X, y, groups, se_type, intercept)
    coef = summary["coefficients"]
    for key, expected in (("estimate", ref.params), ("se", ref.bse), ("t", ref.tvalues), ("p", ref.pvalues)):
        np.testing.assert_allclose([coef[t][key] for t in terms], expected, rtol=1e-6, err_msg=key)
    low, high = ref.conf_int(alpha=0.05).T
    np.testing.assert_allclose([coef[t]["ci_low"] for t in terms], low, rtol=1e-6)
    np.testing.assert_allclose([coef[t]["ci_high"] for t in terms], high, rtol=1e-6)
    np.testing.assert_allclose(cov["matrix"], ref.cov_params(), rtol=1e-6, atol=1e-12 * np.abs(ref.cov_params()).max())
    for key, expected in (("r2_adj", ref.rsquared_adj), ("f_stat", ref.fvalue), ("f_p", ref.f_pvalue),
                          ("log_likelihood", ref.llf), ("aic", ref.aic), ("bic", ref.bic)):
        np.testing.assert_allclose(summary[key], expected, rtol=1e-6, err_msg=key)
    assert summary["se_type"] == se_type and summary["level"] == 0.95
    assert summary["clusters"] == (40 if se_type == "cluster" else None)
    assert cov["df"] == (39 if se_type == "cluster" else len(y) - len(terms))


def test_chunked_meats_equal_the_whole():
    """A streamed fit adds the HC3 meat and the cluster scores chunk by chunk: the same as all at once."""
    X, y, groups = clustered_data(seed=5)
    design = np.column_stack([np.ones(len(y)), X])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    e = y - design @ theta
    R = np.linalg.qr(design, mode="r")
    parts = np.array_split(np.arange(len(y)), 7)
    hc3 = sum(inference.hc3_meat(design[i], e[i], R) for i in parts)
    np.testing.assert_allclose(hc3, inference.hc3_meat(design, e, R), rtol=1e-12)
    scores: dict = {}
    for i in parts:
        scores = inference.merge_scores(scores, inference.cluster_scores(design[i], e[i], groups[i]))
    whole = inference.cluster_meat(inference.cluster_scores(design, e, groups))
    np.testing.assert_allclose(inference.cluster_meat(scores), whole, rtol=1e-10)


def test_rank_deficient_or_saturated_design_has_no_inference():
    X, y, groups = clustered_data(seed=1)
    design = np.column_stack([np.ones(len(y)), X, X[:, 0] * 2.0])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    assert inference.ols_inference(design, y, theta, "classical", terms=list("abcde"), intercept=True) is None
    small = design[:4, :4]
    assert inference.ols_inference(small, y[:4], theta[:4], "classical", terms=list("abcd"), intercept=True) is None


def test_one_cluster_is_refused_naming_the_option():
    X, y, _ = clustered_data(seed=2)
    design = np.column_stack([np.ones(len(y)), X])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    with pytest.raises(inference.DesignError, match="se"):
        inference.ols_inference(design, y, theta, "cluster", terms=list("abcd"), intercept=True,
                                groups=np.zeros(len(y)))


@pytest.mark.parametrize("seed", range(20))
def test_coded_scores_are_the_dict_of_scores_to_the_bit(seed):
    """An in-memory fit sums its clusters' scores by code in one array (CodedScores): the same sums, in the
    same order (that of first appearance) and the same meat as the dict merged block by block."""
    rng = np.random.default_rng(seed)
    n, k, codes = 500, 4, 60
    groups = rng.integers(0, codes, size=n)  # rows in any order; some codes may have no row
    if seed % 2:
        groups = np.sort(groups)  # a design's rows, country after country
    design, e = rng.normal(size=(n, k)), rng.normal(size=n)
    scores: dict = {}
    coded = inference.CodedScores(codes, k)
    for rows in np.array_split(np.arange(n), rng.integers(1, 9)):
        scores = inference.merge_scores(scores, inference.cluster_scores(design[rows], e[rows],
                                                                         (np.arange(codes), groups[rows])))
        coded.add(design[rows], e[rows], groups[rows])
    assert len(coded) == len(scores) == len(np.unique(groups))
    np.testing.assert_array_equal(coded.stacked(), np.array(list(scores.values())))
    assert inference.cluster_meat(coded).tobytes() == inference.cluster_meat(scores).tobytes()
    names = [f"c{code}" for code in range(codes)]
    coded.names = names  # a stream's: keyed by country, the dict a pass over the text gathers
    keyed = coded.keyed()
    assert list(keyed) == [names[key] for key in scores]
    np.testing.assert_array_equal(np.array(list(keyed.values())), np.array(list(scores.values())))
    parts = inference.merge_gathered(inference.Gathered("cluster", 3, 1.0, None, coded),
                                     inference.Gathered("cluster", 2, 2.0, None, {"c0": np.ones(k), "new": np.ones(k)}))
    assert parts.n == 5 and list(parts.scores) == list(keyed) + ([] if "c0" in keyed else ["c0"]) + ["new"]
