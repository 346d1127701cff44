"""The t and F tail probabilities and t quantiles used for p-values and intervals, against scipy."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.linear import distributions

stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")


def test_incomplete_beta_matches_scipy():
    rng = np.random.default_rng(0)
    for a, b, x in zip(rng.uniform(0.05, 500, 2000), rng.uniform(0.05, 500, 2000), rng.uniform(size=2000)):
        expected = special.betainc(a, b, x)
        if expected > 1e-280:
            assert distributions.betainc(a, b, x) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("df", [1, 2, 3, 5, 10, 39, 192, 2900])
def test_t_and_f_match_scipy(df):
    for t in (0.0, 0.1, 1.0, 2.5, 10.0, 40.0):
        assert distributions.t_two_sided(t, df) == pytest.approx(2 * stats.t.sf(t, df), rel=1e-10)
        assert distributions.t_two_sided(-t, df) == distributions.t_two_sided(t, df)
    for p in (0.55, 0.9, 0.95, 0.975, 0.995, 0.9995):
        assert distributions.t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-10)
    for f in (0.1, 1.0, 3.0, 50.0):
        for df1 in (1, 3, 20):
            assert distributions.f_survival(f, df1, df) == pytest.approx(stats.f.sf(f, df1, df), rel=1e-10)


def test_edges():
    assert distributions.betainc(2, 3, 0.0) == 0.0 and distributions.betainc(2, 3, 1.0) == 1.0
    assert distributions.t_two_sided(float("inf"), 5) == 0.0
    assert distributions.f_survival(0.0, 2, 5) == 1.0


def test_the_bracketed_bisection_takes_every_step_the_plain_one_takes():
    """t_quantile decides the bisection's steps far from the quantile by a bracket checked once: the same
    steps, so the same bits, as computing the tail at every step; a bracket that cannot be checked is none."""
    rng = np.random.default_rng(3)
    cases = [(p, df) for p in (0.55, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.99995)
             for df in (0.5, 1, 2, 3, 4, 5, 10, 39, 182, 2900, 1e5)]
    cases += list(zip(rng.uniform(0.5001, 0.99999, 400).tolist(),
                      np.concatenate([rng.uniform(0.5, 10, 200), rng.integers(1, 5000, 200)]).tolist()))
    for p, df in cases:
        assert distributions.t_quantile(p, df) == distributions.plain_t_quantile(p, df), (p, df)
    bracketed = [distributions.bracket(p, df, 2 * (1 - p)) for p, df in cases]
    assert sum(b is not None for b in bracketed) > 0.9 * len(cases)
    for (p, df), found in zip(cases, bracketed):
        if found is not None:
            assert found[0] < distributions.plain_t_quantile(p, df) < found[1]
