"""The paired comparison between models scored on the same folds (the words are tested in
tests/cli/test_verdict_words.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import comparison


def test_paired_verdict_tie_and_clear_cases():
    best = np.array([5.0, 6.0, 5.5, 7.0, 6.5])
    # Worse on average by 0.2 but the per-fold difference swings by much more: a tie.
    tie = best + np.array([0.9, -0.6, 0.8, -0.5, 0.4])
    # Worse by 0.5 in every fold give or take 0.05: clear, though the folds themselves spread by 0.8.
    clear = best + np.array([0.5, 0.55, 0.45, 0.5, 0.5])
    ranked = comparison.rank({"a": best, "tie": tie, "clear": clear})
    assert ranked["best"] == "a" and ranked["order"] == ["a", "tie", "clear"]
    by = {v["model"]: v for v in ranked["versus"]}
    assert by["tie"]["difference"] == pytest.approx(0.2)
    assert by["tie"]["spread"] == pytest.approx(np.std([0.9, -0.6, 0.8, -0.5, 0.4], ddof=1))
    assert not by["tie"]["clear"] and by["clear"]["clear"]
    assert ranked["ties"] == ["tie"] and not ranked["clear"]
    # Unpaired, the same 0.5 gap is within the models' own fold-to-fold spread: no winner.
    assert not comparison.difference(best, clear, paired=False)["clear"]
    assert comparison.rank({"a": best, "clear": clear})["clear"]
