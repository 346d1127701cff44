"""The paired verdict between models scored on the same folds."""

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


def result(model: str, predictions: dict, **details) -> comparison.ModelResult:
    return comparison.ModelResult(model=model, features=["bmi", "adult_mortality", "hiv_aids"],
                                  predictions=predictions, train_rmse=5.8, cv_rmse=None, cv_rmse_std=None,
                                  cv_folds=None, cv_fold_rmse=[], **details)


def test_the_verdict_names_every_caveat_and_keeps_the_two_questions_apart():
    unlike = {"in_domain": False, "distance": 3.1, "threshold": 1.0, "features": ["hiv_aids", "bmi"]}
    usual = {"in_domain": True, "distance": 0.1, "threshold": 1.0, "features": []}
    first = result(
        "tim", {"Tim": 71.5, "Tom": 70.7},
        intervals={"Tim": {"level": 0.9, "lower": 62.0, "upper": 81.0}, "Tom": {"level": 0.9, "lower": 61.0,
                                                                               "upper": 80.5}},
        imputed={"Tim": [], "Tom": ["hiv_aids"]}, domain={"Tim": usual, "Tom": unlike},
        difference={"first": "Tim", "second": "Tom", "difference": 0.8, "level": 0.9, "lower": -0.4,
                    "upper": 2.0, "se": 0.73, "method": "cluster covariance of the coefficients, t with 192 "
                                                        "degrees of freedom"})
    second = result("net", {"Tim": 70.0, "Tom": 76.0}, imputed={"Tim": ["bmi"], "Tom": []},
                    domain={"Tim": None, "Tom": None},
                    difference={"first": "Tom", "second": "Tim", "difference": 6.0, "level": 0.9, "lower": None,
                                "upper": None, "se": None,
                                "method": "none: a network keeps no covariance of its parameters"})
    text = comparison.verdict([first, second], None)
    assert text.startswith("No model carries a cross-validated RMSE: no verdict on accuracy")
    assert " --" not in text  # the library names no flags
    # Question 2 under each model left standing, with the difference's interval or why there is none.
    assert ("Under tim, Tim's expected life expectancy is 0.80 years above Tom's (90% interval -0.40 to 2.00, "
            "from the cluster covariance") in text and "not clearly above" in text
    assert "prediction intervals, 62.0 to 81.0 and 61.0 to 80.5, overlap over 97% of the narrower" in text
    assert ("Under net, Tom's expected life expectancy is 6.00 years above Tim's (no interval for that difference: "
            "a network keeps no covariance of its parameters)") in text
    assert "They disagree on who lives longest" in text
    caveats = text[text.index("Caveats: "):]
    assert "under tim, 1 of Tom's 3 inputs are training means (hiv_aids)" in caveats
    assert "under net, 1 of Tim's 3 inputs are training means (bmi)" in caveats
    assert "under tim, Tom's inputs are unlike the training data (hiv_aids and bmi far from any training row)" \
        in caveats
    assert "net keeps no reference rows" in caveats
    assert "under tim, Tim's and Tom's prediction intervals overlap (97% of the narrower)" in caveats
    assert "no prediction intervals from net" in caveats


def test_a_clear_difference_and_no_caveat():
    clean = result("tim", {"Tim": 75.0, "Tom": 70.0}, imputed={"Tim": [], "Tom": []},
                   domain={"Tim": {"in_domain": True}, "Tom": {"in_domain": True}},
                   intervals={"Tim": {"level": 0.9, "lower": 73.0, "upper": 77.0},
                              "Tom": {"level": 0.9, "lower": 68.0, "upper": 72.0}},
                   difference={"first": "Tim", "second": "Tom", "difference": 5.0, "level": 0.9, "lower": 4.0,
                               "upper": 6.0, "se": 0.6, "method": "classical covariance of the coefficients"})
    text = comparison.verdict([clean], None)
    assert "clearly above" in text and "not clearly" not in text and "are apart" in text
    assert "Caveats" not in text
