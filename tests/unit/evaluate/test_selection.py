"""Greedy forward selection: the near-duplicate rule and stopping."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import selection


def table_scorer(scores: dict[frozenset, list[float]]):
    """A scorer that looks per-fold RMSE up by feature set (order-free)."""
    calls = []

    def score(features):
        calls.append(list(features))
        return np.array(scores[frozenset(features)])

    return score, calls


BASE = {frozenset({"a"}): [5.0, 6.0, 5.5], frozenset({"a2"}): [5.1, 6.1, 5.6], frozenset({"b"}): [7.0, 7.5, 7.2]}


def test_near_duplicate_is_passed_over_when_its_gain_is_within_the_spread():
    scores = {**BASE,
              frozenset({"a", "a2"}): [4.0, 6.5, 5.2],  # mean gain 0.27, but the gain swings by ±0.8
              frozenset({"a", "b"}): [4.9, 5.9, 5.4]}  # mean gain 0.1, steady: smaller but clear
    score, _ = table_scorer(scores)
    result = selection.forward_select(score, ["a", "a2", "b"], 2, selection.twins_of([("a", "a2", 0.99)]))
    assert result["features"] == ["a", "b"]
    skipped, = result["skipped"]
    assert skipped["feature"] == "a2" and skipped["twin"] == "a" and skipped["step"] == 2
    assert skipped["gain"] == pytest.approx(np.mean([1.0, -0.5, 0.3]))
    assert skipped["gain"] < skipped["gain_spread"]


def test_near_duplicate_is_taken_when_its_gain_beats_the_spread():
    scores = {**BASE, frozenset({"a", "a2"}): [4.0, 5.0, 4.5], frozenset({"a", "b"}): [4.9, 5.9, 5.4]}
    score, _ = table_scorer(scores)
    result = selection.forward_select(score, ["a", "a2", "b"], 2, selection.twins_of([("a", "a2", 0.99)]))
    assert result["features"] == ["a", "a2"] and result["skipped"] == []
    assert result["path"][1]["clear"] is True


def test_stops_when_nothing_lowers_the_cv_rmse():
    scores = {**BASE, frozenset({"a", "a2"}): [5.0, 6.0, 5.6], frozenset({"a", "b"}): [5.1, 6.0, 5.5]}
    score, calls = table_scorer(scores)
    result = selection.forward_select(score, ["a", "a2", "b"])
    assert result["features"] == ["a"] and result["stopped"] == selection.NO_GAIN
    assert selection.stop_text(result["stopped"], None) == "no remaining candidate lowers the CV RMSE"
    assert selection.stop_text(selection.LIMIT, 3, lambda name: "--max-features") == "reached --max-features 3"
    assert result["path"] == [{"feature": "a", "cv_rmse": 5.5, "cv_rmse_std": 0.5, "gain": None,
                               "gain_spread": None, "clear": None}]
    assert len(calls) == 5  # 3 single features, then 2 pairs


def test_a_drop_of_rounding_size_is_no_gain():
    """A constant column (or an exact copy of a chosen one) leaves every fold's fit the same up to the last
    bits: `select --data houses.csv --target price` added `const` for a gain of 1.8e-14 ± 9.7e-14."""
    scores = {frozenset({"a"}): [16.2, 2.76, 15.7, 3.83, 3.33], frozenset({"const"}): [20.0, 21.0, 22.0, 23.0, 24.0],
              frozenset({"a", "const"}): [16.2 - 9e-14, 2.76, 15.7, 3.83, 3.33]}
    score, _ = table_scorer(scores)
    result = selection.forward_select(score, ["a", "const"])
    assert result["features"] == ["a"] and result["stopped"] == selection.NO_GAIN
