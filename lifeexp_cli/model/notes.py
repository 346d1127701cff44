"""The words of the notes a fit stores in its model record (`record["warnings"]`), from the facts the
training loop returns (lifeexp_cli/optim/loop.py: `NotConverged`, `RangeSpread`).

The math knows no flags; these words name them, because a record's notes are read by a person at the
command line. The words are stored in model files, so they stay as they are
(tests/system/test_fit_records_unchanged.py pins them).
"""

from __future__ import annotations

from lifeexp_cli.optim import loop


def worded(facts) -> list[str]:
    """One note per fact, in order; None (no fact) is left out."""
    return [_WORDS[type(fact)](fact) for fact in facts if fact is not None]


def _not_converged(fact: loop.NotConverged) -> str:
    return (f"{fact.solver} did not converge within --epochs {fact.epochs} (the loss was still improving "
            f"by more than --tol {fact.tol:g}): raise --epochs, or --lr if the loss falls slowly")


def _range_spread(fact: loop.RangeSpread) -> str:
    return (f"unscaled features differ in range by a factor of {fact.ratio:.3g} ({fact.wide} spans "
            f"{fact.wide_span:.4g}, {fact.narrow} {fact.narrow_span:.4g}): gradient descent will converge "
            "slowly or need a tiny --lr; use --scale standard")


_WORDS = {loop.NotConverged: _not_converged, loop.RangeSpread: _range_spread}
