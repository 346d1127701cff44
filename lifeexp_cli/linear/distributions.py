"""Student's t and Fisher's F tail probabilities and t quantiles, from the regularized incomplete beta
function (no scipy at run time).

I_x(a, b) is evaluated by its continued fraction (modified Lentz), on whichever of x and 1 − x makes it
converge fast, as in the classic treatment of the incomplete beta function (Abramowitz & Stegun 26.5.8).
Checked against scipy.stats in tests/unit/linear/test_distributions.py.
"""

from __future__ import annotations

import functools
import math

TINY = 1e-300
EPS = 1e-15
MAX_TERMS = 10_000


def _continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of I_x(a, b) (converges fast for x < (a + 1)/(a + b + 2))."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > TINY else TINY)
    fraction = d
    for m in range(1, MAX_TERMS):
        # even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m))
        step = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 + step * d
        d = 1.0 / (d if abs(d) > TINY else TINY)
        c = 1.0 + step / c
        c = c if abs(c) > TINY else TINY
        fraction *= d * c
        # odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1))
        step = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 + step * d
        d = 1.0 / (d if abs(d) > TINY else TINY)
        c = 1.0 + step / c
        c = c if abs(c) > TINY else TINY
        change = d * c
        fraction *= change
        if abs(change - 1.0) < EPS:
            break
    return fraction


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(1.0 - x, b, a) / b


def t_two_sided(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with df degrees of freedom."""
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


@functools.lru_cache(maxsize=256)
def t_quantile(probability: float, df: float) -> float:
    """The t with P(T ≤ t) = probability (0.5 < probability < 1), by bisection on the tail probability.
    Remembered: about 50 incomplete beta functions each, and `compare` asks for the same two quantiles
    eleven times. The bisection's steps far from the quantile are decided by a bracket checked once
    (`bracket`), which halves the incomplete beta functions computed and leaves every step, and so the
    result, as the plain bisection (`plain_t_quantile`) takes them."""
    tail = 2.0 * (1.0 - probability)  # two-sided tail at the quantile
    known = bracket(probability, df, tail)

    def below(t: float) -> bool:  # t below the quantile: its two-sided tail above `tail`
        if known is not None and (t <= known[0] or t >= known[1]):
            return t <= known[0]
        return t_two_sided(t, df) > tail

    return _bisect(below)


def plain_t_quantile(probability: float, df: float) -> float:
    """`t_quantile` computing the tail at every step of the bisection (the reference its tests compare with)."""
    tail = 2.0 * (1.0 - probability)
    return _bisect(lambda t: t_two_sided(t, df) > tail)


def _bisect(below) -> float:
    """The t where `below` (t is below the quantile) turns false: doubling from 1, then halving to 1e-15."""
    low, high = 0.0, 1.0
    while below(high):
        low, high = high, 2.0 * high
    for _ in range(200):
        middle = 0.5 * (low + high)
        if below(middle):
            low = middle
        else:
            high = middle
        if high - low <= 1e-15 * high:
            break
    return 0.5 * (low + high)


BRACKET_WIDTH = 1e-8  # the bracket's half-width, relative to the quantile's estimate
BRACKET_MARGIN = 1e-11  # how far (relative) its ends' tails must lie from the target: far above rounding (~1e-14)


def bracket(probability: float, df: float, tail: float) -> tuple[float, float] | None:
    """(a, b) around the t quantile with the computed tail at a above `tail` and at b below it, each by
    BRACKET_MARGIN: t ≤ a is then below the quantile and t ≥ b above it for the computed tail too (which is
    monotone to within its rounding), with no tail computed. The estimate: the normal quantile, then
    Newton's steps on the tail (its derivative is twice the t density). None when that goes wrong (the
    bisection then computes every step)."""
    from statistics import NormalDist

    t = NormalDist().inv_cdf(probability)
    log_scale = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    for _ in range(12):  # from below, as the tail is convex: a handful of steps, fewer for a larger df
        density = math.exp(log_scale - (df + 1) / 2 * math.log1p(t * t / df))
        step = (t_two_sided(t, df) - tail) / (2.0 * density)
        t += step
        if not (math.isfinite(t) and t > 0):
            return None
        if abs(step) <= BRACKET_WIDTH * 0.1 * t:
            break
    low, high = t * (1 - BRACKET_WIDTH), t * (1 + BRACKET_WIDTH)
    if t_two_sided(low, df) > tail * (1 + BRACKET_MARGIN) and t_two_sided(high, df) < tail * (1 - BRACKET_MARGIN):
        return low, high
    return None


def f_survival(f: float, df1: float, df2: float) -> float:
    """P(F ≥ f) for Fisher's F with (df1, df2) degrees of freedom."""
    if math.isnan(f):
        return math.nan
    if f <= 0.0:
        return 1.0
    if math.isinf(f):
        return 0.0
    return betainc(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * f))
