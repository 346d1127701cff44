"""The record features' one implementation for in-memory and streamed fits (model/fit/standard_errors.py,
model/fit/domain_sample.py, model/fit/interval_calibration.py): what a stream gathers chunk by chunk and
merges across parts is what one chunk gives, and each feature's finish is the math it stands for
(linear/covariance.py against its in-memory answer, evaluate/domain.py, evaluate/shift.py and
evaluate/conformal.py called directly)."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import conformal, domain, shift
from lifeexp_cli.linear import covariance
from lifeexp_cli.linear.stream import reservoir, tsqr
from lifeexp_cli.model.fit import domain_sample, interval_calibration, standard_errors


def rows(seed: int, n: int = 600, p: int = 3, missing: float = 0.05):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n // 6), 6).astype(str)
    X = rng.normal(size=(n, p)) * [1.0, 40.0, 0.1] + [0.0, 200.0, 3.0]
    y = 60.0 + X @ np.array([2.0, -0.05, 10.0]) + rng.normal(size=n) * (1 + np.abs(X[:, 0]))
    X[rng.random((n, p)) < missing] = np.nan
    return X, y, groups


def model_of(X, y):
    """(fill, center, scale, θ) of a least-squares fit with an intercept on the filled, standardized rows."""
    fill = np.nanmean(X, axis=0)
    filled = np.where(np.isnan(X), fill, X)
    center, scale = filled.mean(axis=0), filled.std(axis=0)
    design = np.column_stack([np.ones(len(y)), (filled - center) / scale])
    return (fill, center, scale, np.linalg.lstsq(design, y, rcond=None)[0]), design


@pytest.mark.parametrize("se_type", covariance.SE_TYPES)
@pytest.mark.parametrize("seed", range(5))
def test_standard_errors_gathered_in_chunks_and_parts_are_those_of_one_block(se_type, seed):
    X, y, groups = rows(seed)
    model, design = model_of(X, y)
    R = tsqr.update(tsqr.empty(design.shape[1]), design)
    terms = ["intercept", "a", "b", "c"]
    transform = covariance.to_original_units(model[1], model[2], True)
    one = covariance.ols_inference(design, y, model[3], se_type, terms=terms, intercept=True, groups=groups,
                                   transform=transform)
    cuts = np.sort(np.random.default_rng(seed).choice(np.arange(1, len(y)), 6, replace=False))
    parts = []
    for part in np.split(np.arange(len(y)), cuts[[1, 4]]):  # three parts, each in chunks
        gathered = standard_errors.start(se_type)
        for chunk in np.array_split(part, 3):
            gathered = standard_errors.gather_rows(gathered, X[chunk], y[chunk], groups[chunk], model, True, False, R)
        parts.append(gathered)
    merged = covariance.merge_gathered(covariance.merge_gathered(parts[0], parts[1]), parts[2])
    tss = float(np.sum((y - y.mean()) ** 2))
    chunked = covariance.inference(merged, R, model[3], terms=terms, intercept=True, tss=tss, transform=transform)
    assert merged.n == len(y)
    for term in terms:
        for key in ("estimate", "se", "t", "ci_low", "ci_high"):
            assert chunked[0]["coefficients"][term][key] == pytest.approx(one[0]["coefficients"][term][key], rel=1e-10)
    np.testing.assert_allclose(chunked[1]["matrix"], one[1]["matrix"], rtol=1e-10)


def test_clusters_of_one_row_each_are_no_clusters():
    X, y, _ = rows(1, missing=0.0)
    model, design = model_of(X, y)
    R = tsqr.update(tsqr.empty(design.shape[1]), design)
    singletons = np.arange(len(y)).astype(str)
    gathered = standard_errors.gather_rows(standard_errors.start("cluster"), X, y, singletons, model, True, False, R)
    summary, cov = covariance.inference(gathered, R, model[3], terms=list("iabc"), intercept=True, tss=1.0)
    classical = covariance.inference(standard_errors.gather_rows(standard_errors.start("classical"), X, y, None, model,
                                                                 True, False, R),
                                     R, model[3], terms=list("iabc"), intercept=True, tss=1.0)
    assert summary["se_type"] == "classical" and cov["matrix"] == classical[1]["matrix"]


def test_impute_drop_gathers_only_complete_rows():
    X, y, groups = rows(2)
    model, design = model_of(X, y)
    R = tsqr.update(tsqr.empty(design.shape[1]), design)
    complete = ~np.isnan(X).any(axis=1)
    dropped = standard_errors.gather_rows(standard_errors.start("cluster"), X, y, groups, model, True, True, R)
    kept = standard_errors.gather_rows(standard_errors.start("cluster"), X[complete], y[complete], groups[complete],
                                       model, True, False, R)
    assert dropped.n == complete.sum() == kept.n and dropped.rss == kept.rss
    assert dropped.scores.keys() == kept.scores.keys()


@pytest.mark.parametrize("drop", [False, True])
def test_the_exact_domain_sample_is_domain_pick_of_the_rows_used(drop, monkeypatch):
    monkeypatch.setattr(domain, "MAX_ROWS", 120)
    X, y, groups = rows(3)
    fill = np.nanmean(X, axis=0)
    sample = domain_sample.update(domain_sample.start(X.shape[1]), X, groups, drop)
    found, found_groups = domain_sample.finish(sample, fill)
    usable = np.flatnonzero(~np.isnan(X).any(axis=1)) if drop else np.arange(len(X))
    chosen = usable[domain.pick(len(usable), 120)]
    expected = domain.reference(np.where(np.isnan(X[chosen]), fill, X[chosen]), groups[chosen],
                                sampled_from=len(usable))
    assert found == expected and found["training_rows"] == len(usable)
    np.testing.assert_array_equal(found_groups, groups[chosen])


@pytest.mark.parametrize("seed", range(5))
def test_the_streamed_domain_sample_keeps_each_rows_country_and_merges(seed, monkeypatch):
    monkeypatch.setattr(domain, "MAX_ROWS", 50)
    X, _, groups = rows(seed)
    X[:, 0] = np.arange(len(X))  # a row's identity, to find its country
    keys = np.arange(len(X)) // 6
    a, b = domain_sample.start(3), domain_sample.start(3)
    for chunk in np.array_split(np.arange(300), 4):
        a = domain_sample.update(a, X[chunk], keys[chunk], True, np.random.default_rng([seed, 1]))
    b = domain_sample.update(b, X[300:], keys[300:], True, np.random.default_rng([seed, 2]))
    merged = domain_sample.merge(a, b)
    complete = ~np.isnan(X).any(axis=1)
    assert merged.seen == complete.sum() and len(merged.keys) == 50
    sampled = reservoir.rows(merged)
    np.testing.assert_array_equal(reservoir.labels(merged), sampled[:, 0].astype(int) // 6)
    assert not np.isnan(sampled).any()
    reference, countries = domain_sample.finish(merged, np.zeros(3))
    assert reference["leave_out"] == "group" and len(countries) == 50


def residuals_of(seed: int, n: int = 600):
    X, y, groups = rows(seed, n)
    rng = np.random.default_rng(seed)
    r = rng.normal(size=n) * (1 + np.abs(np.nan_to_num(X[:, 0])))
    folds = rng.integers(0, 5, size=n)
    statuses = rng.choice([0.0, 1.0, np.nan], size=n, p=[0.6, 0.35, 0.05])
    return interval_calibration.Residuals(X, r, folds, statuses, groups), np.nanmean(X, axis=0)


@pytest.mark.parametrize("drop", [False, True])
def test_collected_in_chunks_is_collected_at_once_and_finishes_as_shift_calibrate(drop):
    found, fill = residuals_of(4)
    whole = interval_calibration.collect(None, found, drop)
    chunked = None
    for chunk in np.array_split(np.arange(len(found.residuals)), 5):
        chunked = interval_calibration.collect(chunked, found.rows(chunk), drop)
    for a, b in zip(interval_calibration.columns(whole), interval_calibration.columns(chunked)):
        np.testing.assert_array_equal(a, b)
    keep = ~np.isnan(found.X).any(axis=1) if drop else np.ones(len(found.residuals), bool)
    calibration, notes = interval_calibration.finish(chunked, fill, folds=5, split="country")
    X = np.where(np.isnan(found.X[keep]), fill, found.X[keep])
    expected = shift.calibrate(found.residuals[keep], X, found.group[keep], found.fold[keep], found.status[keep],
                               split="country")
    assert calibration == expected and notes == []


def test_a_sample_of_residuals_finishes_as_conformal_calibrate():
    found, fill = residuals_of(5, n=3000)
    found = interval_calibration.Residuals(found.X, np.where(np.arange(3000) % 7 == 0, np.nan, found.residuals))
    sample = None
    for chunk in np.array_split(np.arange(3000), 6):
        sample = interval_calibration.collect(sample, found.rows(chunk), True, np.random.default_rng(9), 400)
    assert len(sample.keys) == 400
    judged = ~np.isnan(found.residuals) & ~np.isnan(found.X).any(axis=1)
    assert sample.seen == judged.sum()  # rows no fold judged, and incomplete rows under drop, never count
    calibration, notes = interval_calibration.finish(sample, fill, folds=5, split="country", units=100)
    kept = reservoir.rows(sample)
    assert calibration == conformal.calibrate(kept[:, :-1], kept[:, -1], folds=5, split="country", groups=100,
                                              fill=fill)
    assert notes == [] and calibration["method"] == conformal.METHOD and calibration["rows"] == 400


def test_the_calibration_plan_says_why_there_is_none():
    assert interval_calibration.plan(True, 5, 12) == (True, [])
    assert interval_calibration.plan(True, 5, None) == (True, [])
    assert interval_calibration.plan(False, 5, 40) == (True, [interval_calibration.BY_ROW_NOTE])
    ok, notes = interval_calibration.plan(True, 5, 3)
    assert not ok and notes == [interval_calibration.too_few_note(5, "countries", 3)]
    assert interval_calibration.finish(None, [0.0], folds=5, split="rows") == \
        (None, [interval_calibration.too_few_note(5, "rows", 0)])


def linear_params(X, y, intercept: bool):
    """A linear fit's params (as `fit_arrays` gives them) for rows from `rows`: θ at the least-squares fit."""
    (fill, center, scale, theta), _ = model_of(X, y)
    if not intercept:
        center, theta = np.zeros_like(center), np.linalg.lstsq(np.where(np.isnan(X), fill, X) / scale, y, rcond=None)[0]
        return {"fill": fill, "center": center, "scale": scale, "bias": 0.0, "weights": theta}
    return {"fill": fill, "center": center, "scale": scale, "bias": theta[0], "weights": theta[1:]}


@pytest.mark.parametrize("se_type", covariance.SE_TYPES)
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_in_memory_standard_errors_in_blocks_are_those_of_one_block(se_type, intercept, seed, monkeypatch):
    """`fitted_inference` reads the rows BLOCK_ROWS at a time: tiny blocks give one block's numbers (to
    rounding: the factor and the sums add up in another order), countries as text or as a design's codes."""
    X, y, groups = rows(seed)
    X = np.asfortranarray(X)  # as a Design holds it
    codes = np.unique(groups, return_inverse=True)[1].astype(np.int32)
    params = linear_params(X, y, intercept)
    one = standard_errors.fitted_inference(params, X, y, groups, list("abc"), intercept, se_type)
    assert one == standard_errors.fitted_inference(params, X, y, codes, list("abc"), intercept, se_type)
    monkeypatch.setattr(standard_errors, "BLOCK_ROWS", 37)
    blocked = standard_errors.fitted_inference(params, X, y, codes, list("abc"), intercept, se_type)
    assert blocked == standard_errors.fitted_inference(params, X, y, groups, list("abc"), intercept, se_type)
    assert blocked[0]["se_type"] == one[0]["se_type"] and blocked[0]["clusters"] == one[0]["clusters"]
    for term, found in blocked[0]["coefficients"].items():
        for key in ("estimate", "se", "t", "ci_low", "ci_high"):
            assert found[key] == pytest.approx(one[0]["coefficients"][term][key], rel=1e-9)
    for key in ("r2_adj", "f_stat", "log_likelihood"):
        assert blocked[0][key] == pytest.approx(one[0][key], rel=1e-9)
    np.testing.assert_allclose(blocked[1]["matrix"], one[1]["matrix"], rtol=1e-9)


@pytest.mark.parametrize("se_type", covariance.SE_TYPES)
@pytest.mark.parametrize("block_rows", [37, 1 << 16])
def test_in_memory_impute_drop_reads_the_complete_rows_in_place(se_type, block_rows, monkeypatch):
    """drop: the complete rows read in place, block by block, give the numbers of their copy, to the bit."""
    monkeypatch.setattr(standard_errors, "BLOCK_ROWS", block_rows)
    X, y, groups = rows(5, missing=0.1)
    X = np.asfortranarray(X)
    codes = np.unique(groups, return_inverse=True)[1].astype(np.int32)
    complete = ~np.isnan(X).any(axis=1)
    params = linear_params(X[complete], y[complete], True)
    dropped = standard_errors.fitted_inference(params, X, y, codes, list("abc"), True, se_type, drop=True)
    copied = standard_errors.fitted_inference(params, X[complete], y[complete], codes[complete], list("abc"), True,
                                              se_type)
    assert dropped == copied and dropped[0]["coefficients"]["a"]["se"] > 0


def test_clusters_are_found_from_codes_as_from_keys():
    keys = np.array(["b", "a", "c", "a"])
    codes = np.unique(keys, return_inverse=True)[1].astype(np.int32)
    assert standard_errors.has_clusters(keys) and standard_errors.has_clusters(codes)
    assert not standard_errors.has_clusters(codes[:3]) and not standard_errors.has_clusters(keys[:3])
    assert not standard_errors.has_clusters(None) and not standard_errors.has_clusters(np.empty(0, np.int32))
    assert standard_errors.cluster_codes(codes) == (codes, 3)
    found, count = standard_errors.cluster_codes(keys)
    assert count == 3 and found.tolist() == codes.tolist()
    assert standard_errors.cluster_codes(np.array([5, -1, 5]))[1] == 2  # not codes: sorted keys


@pytest.mark.parametrize("seed", range(10))
def test_clusters_among_as_many_codes_as_rows_are_found_block_by_block(seed, monkeypatch):
    """Without a country column every row is its own code: a repeat is found within or across blocks."""
    monkeypatch.setattr(standard_errors, "BLOCK_ROWS", 16)
    rng = np.random.default_rng(seed)
    codes = rng.permutation(100).astype(np.int32)
    assert not standard_errors.has_clusters(codes)
    i, j = rng.choice(100, 2, replace=False)
    codes[i] = codes[j]  # now code codes[j] repeats and one code has no row: as many codes as rows still
    assert standard_errors.has_clusters(codes) and standard_errors.has_clusters(codes.astype(str))
