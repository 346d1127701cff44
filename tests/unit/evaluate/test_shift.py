"""Intervals under shift (evaluate/shift.py): finite-sample quantiles by hand, Mondrian groups, the
distance hinge, the pure-Python row against the arrays."""

import json
import math

import numpy as np
import pytest

from lifeexp_cli.evaluate import conformal, domain, shift
from lifeexp_cli.linear.stream import tsqr


def flat(residuals, folds, statuses=None, distances=None):
    """A calibration on constant features: σ is then one constant, so the interval's half-width is an
    order statistic of |r| itself."""
    n = len(residuals)
    return shift.calibrate(np.asarray(residuals, float), np.ones((n, 2)), np.arange(n).astype(str),
                           np.asarray(folds), statuses, distances)


def half_width(calibration, level, status=None, distance=1.0):
    lower, upper = shift.interval_one(calibration, [1.0, 1.0], 0.0, distance, status, level)
    return (upper - lower) / 2


def test_cell_quantile_is_the_finite_sample_order_statistic():
    cell = shift.cell(np.arange(1.0, 10.0), 100)  # 9 scores 1..9
    assert shift.cell_quantile(cell, 0.8) == 8.0  # ⌈10·0.8⌉ = 8th smallest
    assert shift.cell_quantile(cell, 0.5) == 5.0  # ⌈10·0.5⌉ = 5th
    assert shift.cell_quantile(cell, 0.9) == 9.0  # ⌈10·0.9⌉ = 9th
    assert shift.cell_quantile(cell, 0.95) is None  # ⌈9.5⌉ = 10 > 9 scores
    assert shift.cell_quantile(shift.cell(np.array([]), 10), 0.5) is None


def test_group_quantile_is_the_second_largest_fold_quantile():
    folds = [shift.cell(np.array(v, float), 10) for v in ([1, 2, 3], [4, 5, 9], [2, 7, 8])]
    group = {"pooled": shift.cell(np.sort(np.array([1, 2, 3, 4, 5, 9, 2, 7, 8], float)), 20), "folds": folds}
    # level 0.5: ⌈4·0.5⌉ = 2nd smallest of each fold: 2, 5, 7 -> the second largest is 5
    assert shift.group_quantile(group, 0.5) == 5.0
    # level 0.75: ⌈4·0.75⌉ = 3rd: 3, 9, 8 -> 8
    assert shift.group_quantile(group, 0.75) == 8.0
    # level 0.8: ⌈3.2⌉ = 4 > 3 in every fold -> the pooled 9 scores: ⌈10·0.8⌉ = 8th smallest of them
    assert shift.group_quantile(group, 0.8) == 8.0
    assert shift.group_quantile(group, 0.95) is None  # ⌈9.5⌉ = 10 > 9


def test_flat_interval_is_an_order_statistic_of_the_residuals_by_hand():
    # two folds of 9 rows; |r| in fold 0: 1..9, in fold 1: 2, 4, ..., 18
    r0, r1 = np.arange(1.0, 10.0), 2.0 * np.arange(1.0, 10.0)
    residuals = np.concatenate([r0, -r1])
    calibration = flat(residuals, [0] * 9 + [1] * 9)
    # level 0.8: the 8th smallest of each fold: 8 and 16; the second largest of two is 8
    assert half_width(calibration, 0.8) == pytest.approx(8.0, rel=1e-12)
    assert half_width(calibration, 0.5) == pytest.approx(5.0, rel=1e-12)
    # level 0.92: ⌈10·0.92⌉ = 10 > 9 in each fold -> pooled 18 scores: ⌈19·0.92⌉ = 18th smallest = 18
    assert half_width(calibration, 0.92) == pytest.approx(18.0, rel=1e-12)
    assert shift.interval_one(calibration, [1.0, 1.0], 0.0, 1.0, None, 0.96) is None  # ⌈19·0.96⌉ = 19 > 18


def test_intervals_grow_with_the_level():
    rng = np.random.default_rng(1)
    n = 600
    X = rng.normal(size=(n, 3))
    residuals = rng.normal(size=n) * np.exp(0.5 * X[:, 0])
    calibration = shift.calibrate(residuals, X, np.arange(n) // 4, np.arange(n) % 5,
                                  rng.integers(0, 2, n).astype(float), rng.gamma(2.0, 0.1, n))
    Xt, dt = rng.normal(size=(50, 3)), rng.gamma(2.0, 0.2, 50)
    widths = [np.subtract(*shift.interval(calibration, Xt, np.zeros(50), dt, None, level)[::-1])
              for level in (0.5, 0.8, 0.9, 0.95)]
    for narrower, wider in zip(widths, widths[1:]):
        assert np.all(narrower <= wider)
    assert np.all(widths[0] > 0)


def test_the_distance_term_widens_far_rows_only():
    rng = np.random.default_rng(2)
    n = 2000
    X = rng.normal(size=(n, 2))
    distances = rng.gamma(2.0, 0.1, n)
    residuals = rng.normal(size=n) * (1 + 5 * distances)  # far rows err more
    calibration = shift.calibrate(residuals, X, np.arange(n) // 10, np.arange(n) % 5, None, distances)
    terms = calibration["error_size"]["distance"]
    assert terms["coef"] > 0
    near = terms["reference"] / 2
    w = {d: half_width(calibration, 0.9, None, d) for d in (near, terms["reference"], 3 * terms["reference"],
                                                               30 * terms["reference"], 1e6)}
    assert w[near] == pytest.approx(w[terms["reference"]], rel=1e-12)  # within d₀: unchanged
    assert w[3 * terms["reference"]] > w[terms["reference"]]
    assert w[30 * terms["reference"]] > w[3 * terms["reference"]]
    # bounded: at most DISTANCE_CLIP above the widest calibration row's distance part
    assert w[1e6] / w[near] == pytest.approx(math.exp(terms["most"]), rel=1e-9)
    assert w[1e6] / w[near] <= math.exp(terms["coef"] * math.log(distances.max() / terms["reference"])
                                        + shift.DISTANCE_CLIP) * (1 + 1e-12)


def test_distances_within_the_datas_own_spread_are_no_shift():
    # one feature whose values repeat (WHO's BMI): most rows lie within 0.005 SD of other countries' rows, a
    # few within 0.05; 5 rows lie beyond 0.1 SD, and err far more. d₀ is floored at domain.MIN_THRESHOLD, and
    # 5 rows are too few to fit the slope from: no distance term, so a gap of 0.04 SD widens nothing, and the
    # edge of the data is not widened by a slope learnt from 5 rows.
    rng = np.random.default_rng(4)
    n = 3000
    distances = np.where(rng.random(n) < 0.9, rng.uniform(0, 0.005, n), rng.uniform(0.005, 0.05, n))
    distances[:5] = [0.12, 0.13, 0.14, 0.15, 0.16]
    residuals = rng.normal(size=n)
    residuals[:5] *= 40
    calibration = shift.calibrate(residuals, rng.normal(size=(n, 1)), np.arange(n) // 15, np.arange(n) % 5, None,
                                  distances)
    terms = calibration["error_size"]["distance"]
    assert np.quantile(distances, shift.HINGE_QUANTILE) < domain.MIN_THRESHOLD / 10
    assert terms["reference"] == domain.MIN_THRESHOLD and terms["coef"] == 0.0
    assert half_width(calibration, 0.9, None, 0.04) == pytest.approx(half_width(calibration, 0.9, None, 0.0))
    assert half_width(calibration, 0.9, None, 5.0) == pytest.approx(half_width(calibration, 0.9, None, 0.0))
    assert shift.beyond(calibration, 0.2) and not shift.beyond(calibration, 0.15)


@pytest.mark.parametrize("far_rows, fitted", [(29, False), (300, True)])
def test_the_distance_term_needs_enough_rows_beyond_the_reference(far_rows, fitted):
    # d₀ floored at 0.1 SD, and rows beyond it that err more with distance: the slope is fitted from 300 of
    # 3000 (10%, over FAR_SHARE), not from 29 (1%)
    rng = np.random.default_rng(5)
    n = 3000
    distances = rng.uniform(0, 0.01, n)
    distances[:far_rows] = rng.uniform(0.2, 2.0, far_rows)
    residuals = rng.normal(size=n) * np.maximum(1.0, 10 * distances)
    calibration = shift.calibrate(residuals, rng.normal(size=(n, 1)), np.arange(n) // 15, np.arange(n) % 5, None,
                                  distances)
    terms = calibration["error_size"]["distance"]
    assert terms["reference"] == domain.MIN_THRESHOLD
    assert (terms["coef"] > 0) is fitted
    assert shift.enough_far(far_rows, n) is fitted
    assert not shift.enough_far(int(shift.FAR_SHARE * n) - 1, n) and shift.enough_far(int(shift.FAR_SHARE * n), n)


def test_distance_never_narrows():
    rng = np.random.default_rng(3)
    n = 1000
    distances = rng.gamma(2.0, 0.1, n)
    residuals = rng.normal(size=n) / (1 + 10 * distances)  # far rows err less: no term
    calibration = shift.calibrate(residuals, rng.normal(size=(n, 2)), np.arange(n), np.arange(n) % 5, None, distances)
    assert calibration["error_size"]["distance"]["coef"] == 0.0
    assert half_width(calibration, 0.9, None, 100.0) == pytest.approx(half_width(calibration, 0.9, None, 0.0))


def test_mondrian_groups_and_unknown_status():
    # developed rows (status 1) err three times as much as developing ones
    rng = np.random.default_rng(4)
    n = 1000
    statuses = (np.arange(n) % 4 == 0).astype(float)
    residuals = rng.normal(size=n) * np.where(statuses == 1, 3.0, 1.0)
    calibration = flat(residuals, np.arange(n) % 5, statuses)
    developed, developing = half_width(calibration, 0.9, 1.0), half_width(calibration, 0.9, 0.0)
    assert developed > 2 * developing
    pooled = half_width(flat(residuals, np.arange(n) % 5), 0.9)
    assert developing < pooled < developed
    assert half_width(calibration, 0.9, None) == pooled  # unknown: the pooled scores
    assert half_width(calibration, 0.9, float("nan")) == pooled
    # each group's quantile is its own rows' order statistic (second-largest fold) by hand
    for status, found in ((1.0, developed), (0.0, developing)):
        fold_q = []
        for k in range(5):
            a = np.sort(np.abs(residuals[(statuses == status) & (np.arange(n) % 5 == k)]))
            fold_q.append(a[math.ceil((len(a) + 1) * 0.9 - 1e-9) - 1])
        assert found == pytest.approx(sorted(fold_q)[-2], rel=1e-12)


def test_a_small_or_unseen_status_group_uses_the_pooled_scores():
    n = 200
    statuses = np.zeros(n)
    statuses[:10] = 1.0  # 10 developed rows: fewer than MIN_GROUP_ROWS
    residuals = np.linspace(-5, 5, n)
    calibration = flat(residuals, np.arange(n) % 5, statuses)
    assert set(calibration["statuses"]) == {"all", "developing"}
    assert half_width(calibration, 0.9, 1.0) == half_width(flat(residuals, np.arange(n) % 5), 0.9)


def test_rows_and_arrays_agree_and_the_calibration_is_plain_and_bounded():
    rng = np.random.default_rng(5)
    n = 20_000
    X = rng.normal(size=(n, 4)) * [1, 10, 100, 0.1]
    calibration = shift.calibrate(rng.normal(size=n), X, np.arange(n) // 16, np.arange(n) % 5,
                                  rng.integers(0, 2, n).astype(float), rng.gamma(2, 0.1, n))
    text = json.dumps(calibration)
    assert json.loads(text) == calibration
    stored = sum(len(c["scores"]) for g in calibration["statuses"].values() for c in [g["pooled"], *g["folds"]])
    assert stored <= 2 * shift.MAX_SCORES
    Xt, pred, dt = rng.normal(size=(30, 4)), rng.normal(size=30), rng.gamma(2, 0.3, 30)
    st = np.array([1.0, 0.0, np.nan] * 10)
    lower, upper = shift.interval(calibration, Xt, pred, dt, st, 0.9)
    for i in range(30):
        status = None if np.isnan(st[i]) else st[i]
        lo, hi = shift.interval_one(calibration, Xt[i].tolist(), float(pred[i]), float(dt[i]), status, 0.9)
        assert lo == pytest.approx(lower[i], rel=1e-12, abs=1e-12)
        assert hi == pytest.approx(upper[i], rel=1e-12, abs=1e-12)


def test_left_out_distances_are_the_domain_checks_own():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(120, 3))
    groups = np.repeat(np.arange(30), 4).astype(str)
    reference = domain.reference(X, groups)
    found = shift.left_out_distances(reference, X, groups, groups)
    assert np.quantile(found, domain.QUANTILE) == pytest.approx(reference["threshold"], rel=1e-12)
    # a new country's distance is the domain check's own
    new = rng.normal(size=(5, 3))
    expected, _ = domain.judge_rows(reference, new)
    assert np.allclose(shift.left_out_distances(reference, new, ["new"] * 5, groups), expected, rtol=1e-12)


def test_every_who_country_has_a_world_bank_region(data_path):
    """bench/shift.py's region table (bench/data/world_bank_regions.csv) maps every country of the file."""
    import csv
    from pathlib import Path

    regions = Path(__file__).resolve().parents[3] / "bench" / "data" / "world_bank_regions.csv"
    with open(regions, newline="", encoding="utf-8") as handle:
        mapping = {row["country"]: row["region"] for row in csv.DictReader(handle)}
    with open(data_path, newline="", encoding="utf-8") as handle:
        countries = {row["Country"] for row in csv.DictReader(handle)}
    assert len(countries) == 193
    assert countries <= set(mapping)
    assert set(mapping.values()) == {"East Asia & Pacific", "Europe & Central Asia", "Latin America & Caribbean",
                                     "Middle East & North Africa", "North America", "South Asia",
                                     "Sub-Saharan Africa"}


def test_a_higher_level_never_gives_a_smaller_quantile():
    """Folds too small for a high level count with their largest score instead of dropping out (a fold
    dropping out could make the second largest of the rest smaller), and once one runs short the pooled
    quantile is a floor."""
    rng = np.random.default_rng(3)
    cells = [sorted(rng.exponential(scale, n).tolist()) for n, scale in ((9, 3.0), (19, 2.5), (99, 1.0))]
    group = {"pooled": {"rows": 127, "scores": sorted(x for c in cells for x in c)},
             "folds": [{"rows": len(c), "scores": c} for c in cells]}
    levels = [0.5 + i / 1000 for i in range(0, 491)]  # to 0.99: the pooled 127 scores give no 0.993
    found = [shift.group_quantile(group, level) for level in levels]
    assert all(q is not None for q in found)
    assert all(b >= a for a, b in zip(found, found[1:]))
    pooled = [shift.cell_quantile(group["pooled"], level) for level in levels]
    short = [level for level in levels if (len(cells[0]) + 1) * level > len(cells[0])]  # the 9-score fold
    assert short and all(q >= p for q, p, level in zip(found, pooled, levels) if level in short)


@pytest.mark.parametrize("n, p, rank", [(200, 6, 6), (6, 6, 6), (4, 7, 4), (300, 5, 3)])
def test_least_squares_of_the_design_or_its_factor_is_numpys_lstsq(n, p, rank):
    """The design's least squares (minimum norm when it is short or rank-deficient) is np.linalg.lstsq's,
    from the design itself or from the triangular factor of [design, target] built a few rows at a time,
    with the cut-off of the design's rows."""
    rng = np.random.default_rng(n * 100 + p)
    A = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, p))
    b = rng.standard_normal(n)
    expected = np.linalg.lstsq(A, b, rcond=None)[0]
    assert np.array_equal(shift.least_squares(A, b, n), expected)
    R = tsqr.empty(p + 1)
    for start in range(0, n, 7):
        R = tsqr.update(R, np.column_stack([A, b])[start:start + 7])
    np.testing.assert_allclose(shift.least_squares(R[:, :p], R[:, p], n), expected, rtol=1e-9, atol=1e-12)


def blocked_case(seed, layout, far_errs):
    """Rows with missing values, filled by the calibration, in a layout; far_errs: the residuals grow with
    the distance (a fitted distance term, c > 0) or not (c = 0: the model without it)."""
    rng = np.random.default_rng(seed)
    n = 1000
    X = rng.lognormal(size=(n, 3)) * np.where(rng.random((n, 3)) < 0.2, -1, 1)
    X[rng.random((n, 3)) < 0.05] = np.nan
    X = {"C": np.ascontiguousarray, "F": np.asfortranarray,
         "strided": lambda A: np.asfortranarray(np.hstack([A, A]))[:, ::2]}[layout](X)
    distances = rng.lognormal(size=n)
    residuals = rng.standard_normal(n) * (1 + np.nan_to_num(np.abs(X[:, 0])).clip(0, 5))
    residuals *= np.maximum(distances, 1.0) ** (2 if far_errs else -2)  # c > 0, or c < 0 (set to 0)
    statuses = np.where(rng.random(n) < 0.1, np.nan, (rng.random(n) < 0.3).astype(float))
    return X, residuals, distances, statuses, [1.0, 2.0, 3.0]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("far_errs", [True, False])
def test_blocked_calibration_is_the_one_block_one(monkeypatch, seed, layout, far_errs):
    """Blocks of rows (BLOCK_ROWS 97: the error-size model from the triangular factor of its design,
    built 97 rows at a time) give the calibration that one block of all the rows gives (the design
    itself solved), to rounding; the column moments are the same bit for bit, and each row's σ is the
    one of all rows at once (to BLAS's rounding: a block's matrix product may round differently)."""
    X, residuals, distances, statuses, fill = blocked_case(seed, layout, far_errs)
    n = len(residuals)
    args = (residuals, X, np.arange(n) % 40, np.arange(n) % 5, statuses, distances)
    whole = shift.calibrate(*args, fill=fill)
    assert (whole["error_size"]["distance"]["coef"] > 0) == far_errs
    moments = shift.column_moments(X, fill)
    monkeypatch.setattr(shift, "BLOCK_ROWS", 97)
    monkeypatch.setattr(shift, "SOLVE_ROWS", 97)  # the design's triangular factor, not the design solved
    blocked = shift.calibrate(*args, fill=fill)
    np.testing.assert_allclose(flat_numbers(blocked), flat_numbers(whole), rtol=1e-10, atol=1e-13)
    assert all(np.array_equal(a, b) for a, b in zip(shift.column_moments(X, fill), moments))
    np.testing.assert_allclose(shift.scale_of(whole, X, distances, fill),
                               np.exp(one_shot_log_scale(whole, X, distances, fill)), rtol=1e-14)


def one_shot_log_scale(calibration, X, distances, fill):
    """log σ of every row at once, as the code before the blocks computed it."""
    size = calibration["error_size"]
    Z = shift.signed_logs(X, fill)
    Z = (Z - np.asarray(size["center"])) / np.asarray(size["scale"])
    part = np.clip(size["coef"][0] + Z @ np.asarray(size["coef"][1:]), *size["clip"])
    terms = size["distance"]
    return part + np.minimum(terms["coef"] * shift.hinge(distances, terms["reference"]), terms["most"])


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_column_moments_are_the_whole_arrays(monkeypatch, layout):
    """The signed logs' means and deviations a block of rows (or a column) at a time are, bit for bit,
    conformal.standardized of the whole filled array in the rows' layout."""
    X, _, _, _, fill = blocked_case(5, layout, False)
    filled = np.where(np.isnan(X), np.asarray(fill), X)
    whole = conformal.signed_log(np.asfortranarray(filled) if shift.column_major(X) else filled)
    expected = conformal.standardized(whole)
    for rows in (97, 1000, 1 << 16):
        monkeypatch.setattr(shift, "BLOCK_ROWS", rows)
        assert all(np.array_equal(a, b) for a, b in zip(shift.column_moments(X, fill), expected))


@pytest.mark.parametrize("layout", ["F", "selected"])
@pytest.mark.parametrize("pieces", [100, 997, 1 << 14])
def test_column_moments_in_pieces_are_numpys_to_the_bit(monkeypatch, layout, pieces):
    """A column's pairwise sums made PAIRWISE_ROWS values at a time (`pairwise_total`: numpy's split,
    numpy's sum of each piece) are numpy's sums of the whole filled column: its mean and std, bit for bit,
    for columns of many lengths (odd ones, 8k ± 1, above 128 and below), read where they are or selected."""
    monkeypatch.setattr(shift, "PAIRWISE_ROWS", pieces)
    rng = np.random.default_rng(pieces)
    p = 2 if layout == "F" else 1  # a selection of one column is read a column at a time
    for n in (1, 7, 8, 9, 128, 129, 1000, 4097, 20_001, 65_536 + 17):
        whole = np.asfortranarray(rng.lognormal(sigma=3.0, size=(n + 5, p)) * np.where(rng.random((n + 5, p)) < .3, -1, 1))
        whole[rng.random((n + 5, p)) < 0.1] = np.nan
        index = np.sort(rng.choice(n + 5, n, replace=False))
        X = np.asfortranarray(whole[index]) if layout == "F" else shift.Selected(whole, index)
        fill = [2.5, -1.0][:p]
        filled = np.where(np.isnan(whole[index]), fill, whole[index])
        expected = conformal.standardized(conformal.signed_log(np.asfortranarray(filled)))
        found = shift.column_moments(X, fill)
        assert np.array_equal(found[0], expected[0]) and np.array_equal(found[1], expected[1]), n
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 6, n)
        assert shift.pairwise_total(lambda rows: values[rows] + 0.0, n) == np.add.reduce(values), n


@pytest.mark.parametrize("seed", range(12))
def test_quantile_without_a_copy_is_numpys(monkeypatch, seed):
    """`quantile_of` (order statistics by bisection over the values' keys, a block at a time) gives
    np.quantile's number to the bit: ties, zeros, −0.0, inf, tiny and huge values, any length; NaN when
    a value is NaN."""
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(shift, "BLOCK_ROWS", int(rng.integers(1, 300)))
    for n in (1, 2, 3, 10, 101, 1000, 2345):
        values = rng.lognormal(sigma=4.0, size=n)
        kind = seed % 4
        if kind == 1:  # ties
            values = np.round(values, 1)
        elif kind == 2:  # zeros, −0.0, inf
            values[rng.random(n) < 0.3] = 0.0
            values[rng.random(n) < 0.1] = -0.0
            values[rng.random(n) < 0.05] = np.inf
        elif kind == 3:  # negative values too
            values *= np.where(rng.random(n) < 0.5, -1, 1)
        for level in (0.0, 0.5, shift.HINGE_QUANTILE, 0.9, 0.999, 1.0):
            with np.errstate(invalid="ignore"):  # inf − inf in numpy's interpolation: NaN, as ours
                expected = np.quantile(values, level)
            found = shift.quantile_of(values, level)
            assert found == expected or (np.isnan(found) and np.isnan(expected)), (n, level)
    values[len(values) // 2] = np.nan
    assert np.isnan(shift.quantile_of(values, 0.85))


@pytest.mark.parametrize("seed", range(3))
def test_calibration_scores_in_the_residuals_are_the_same(seed):
    """overwrite: the scores |r|/σ are put in the residuals' array, and the calibration is the one that
    leaves the residuals alone; distances given by a function (made in `calibrate`) hold the scores
    instead, with the same calibration, and the residuals are left alone."""
    X, residuals, distances, statuses, fill = blocked_case(seed, "F", bool(seed % 2))
    n = len(residuals)
    args = (np.arange(n) % 40, np.arange(n) % 5, statuses)
    expected = shift.calibrate(residuals.copy(), X, *args, distances.copy(), fill=fill)
    mine = residuals.copy()
    assert shift.calibrate(mine, X, *args, distances.copy(), fill=fill, overwrite=True) == expected
    assert not np.array_equal(mine, residuals)  # the residuals' memory held the scores
    mine, made = residuals.copy(), []

    def measure():  # distances made for `calibrate` (as `left_out_distances` makes them): its to overwrite
        made.append(distances.copy())
        return made[-1]

    assert shift.calibrate(mine, X, *args, measure, fill=fill, overwrite=True) == expected
    assert np.array_equal(mine, residuals) and not np.array_equal(made[0], distances)  # the scores went there
    assert shift.calibrate(mine, X, *args, None, fill=fill) == shift.calibrate(mine.copy(), X, *args, fill=fill,
                                                                                 overwrite=True)
    assert shift.finite_most(np.array([1.0, np.inf, 3.0, np.nan])) == 3.0
    assert shift.finite_most(np.array([np.inf])) == 0.0


def test_left_out_distances_of_integer_codes_are_those_of_texts():
    """Integer group codes are compared as they are; texts through codes: the same distances."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((300, 3))
    reference = {"center": [0.0, 0.0, 0.0], "scale": [1.0, 1.0, 1.0], "rows": X[:60].tolist(), "k": 4}
    groups = rng.integers(0, 25, 300)
    by_code = shift.left_out_distances(reference, X, groups, groups[:60])
    by_text = shift.left_out_distances(reference, X, groups.astype(str), groups[:60].astype(str))
    assert np.array_equal(by_code, by_text)
    assert np.isfinite(by_code).all()


def flat_numbers(found):
    if isinstance(found, dict):
        return [v for key in sorted(found) for v in flat_numbers(found[key])]
    if isinstance(found, list):
        return [v for item in found for v in flat_numbers(item)]
    return [float(found)] if isinstance(found, (int, float)) else []


@pytest.mark.parametrize("columns", [1, 3])
@pytest.mark.parametrize("block_rows", [97, 1 << 16])
def test_selected_rows_calibrate_as_their_copy(monkeypatch, columns, block_rows):
    """Rows of X read where they are used (`Selected`, impute drop's kept rows) give, bit for bit, the
    distances and calibrations (shift and conformal) of their copy X[index]."""
    monkeypatch.setattr(shift, "BLOCK_ROWS", block_rows)
    monkeypatch.setattr(shift, "DISTANCE_ROWS", block_rows)
    X, residuals, distances, statuses, fill = blocked_case(9, "F", True)
    X = np.asfortranarray(X[:, :columns])
    index = np.flatnonzero(~np.isnan(X).any(axis=1))
    chosen, copy = shift.Selected(X, index), X[index]
    n = len(index)
    reference = {"center": [1.0] * columns, "scale": [2.0] * columns, "rows": copy[:40].tolist(), "k": 5}
    groups = np.arange(n) % 40
    found, expected = (shift.left_out_distances(reference, rows, groups, groups[:40]) for rows in (chosen, copy))
    assert np.array_equal(found, expected)
    args = (residuals[index], groups, np.arange(n) % 5, statuses[index], expected)
    assert shift.calibrate(args[0], chosen, *args[1:]) == shift.calibrate(args[0], copy, *args[1:])
    options = {"folds": 5, "split": "country", "groups": 40}
    assert conformal.calibrate(chosen, args[0], **options) == conformal.calibrate(copy, args[0], **options)
