"""The words of compare's verdict (cli/verdict.py) on the shipped models: the answer first, at most 8 lines
at 80 columns, the most accurate model's view without "clearly", and --explain holding the rest."""

from __future__ import annotations

import pytest
from conftest import shipped_comparison

from lifeexp_cli.cli import verdict
from lifeexp_cli.evaluate import comparison


@pytest.fixture(scope="module")
def shipped():
    """The four shipped models compared for Tim and Tom (tests/conftest.py: shipped_comparison)."""
    return shipped_comparison()


def test_the_verdict_is_the_answer_first_in_at_most_8_lines_of_80_columns(shipped):
    lines = verdict.verdict_lines(shipped)
    assert 4 <= len(lines) <= 8 and all(len(line) <= 80 for line in lines)
    answer = verdict.answer_text(shipped)
    assert len(answer) <= 100 and answer.startswith("Cannot tell who lives longer: the models disagree")
    assert " ".join(lines).startswith(answer)
    text = " ".join(lines)
    assert "Most accurate model, tim: Tim +0.83 years (90% CI 0.76 to 0.91)" in text
    assert "tom: Tom +1.97" in text and "clearly above" not in text and "clearly below" not in text
    assert "Cannot tell which is more accurate: tim (CV RMSE 5.90) or tom, 0.44 worse (95% CI -0.49 to 1.37)" in text
    assert "country-year averages" in text and "--explain" in text


def test_json_answer_carries_the_text_and_the_facts(shipped):
    found = verdict.answer_json(shipped)
    assert found["longer"] is None and found["text"] == verdict.answer_text(shipped)
    assert found["reason"] == "disagree" and len(found["views"]) == 4


def test_explain_holds_every_view_the_folds_and_the_caveats(shipped):
    lines = verdict.explain_lines(shipped)
    assert all(len(line) <= 80 for line in lines)
    text = " ".join(" ".join(lines).split())  # the wrapped lines as one text
    for name in ("tim-bmi", "tom-gdp", "tim", "tom"):
        assert f"- {name}: expected Tim − Tom = " in text
    assert "5.42, 5.88, 5.43, 6.52, 6.23" in text  # tim's folds
    assert "per fold +0.60, +0.45, +0.93, +1.06, -0.83" in text  # tom − tim, fold by fold
    assert "paired over the folds, t with 4 degrees of freedom" in text
    assert "overlapping over 98% of the narrower" in text


def test_a_long_view_leaves_the_verdict_within_8_lines(shipped):
    from dataclasses import replace

    many = replace(shipped, answer={**shipped.answer,
                                    "views": shipped.answer["views"] * 6})
    lines = verdict.verdict_lines(many)
    assert len(lines) <= 8 and lines[0].startswith("Cannot tell who lives longer")


def test_the_table_cell_shows_the_interval_not_the_spread(shipped):
    ranked = shipped.ranking
    assert verdict.versus_cell("tim", ranked) == "best"
    assert verdict.versus_cell("tom", ranked) == "+0.44 [-0.49, 1.37] tie"
    assert verdict.versus_cell("tim-bmi", ranked) == "+2.07 [1.55, 2.59] worse"
    assert verdict.versus_cell("tom", None) == "—"


# --- The caveats and each model's view: --explain's words, from facts built by hand --------------------


def by_hand(model: str, predictions: dict, pair_difference: dict, **details) -> comparison.ModelResult:
    found = comparison.ModelResult(model=model, features=["bmi", "adult_mortality", "hiv_aids"],
                                   predictions=predictions, train_rmse=5.8, cv_rmse=None, cv_rmse_std=None,
                                   cv_folds=None, cv_fold_rmse=[], **details)
    found.pair_difference = {"first": "Tim", "second": "Tom", **pair_difference,
                             "side": comparison.side(pair_difference["lower"], pair_difference["upper"])}
    return found


def compared(*results) -> comparison.Comparison:
    results = list(results)
    facts = comparison.people_answer(results, None, ("Tim", "Tom"))
    return comparison.Comparison(["Tim", "Tom"], results, None, pair=["Tim", "Tom"], answer=facts)


def test_explain_names_every_caveat_and_keeps_the_two_questions_apart():
    unlike = {"in_domain": False, "distance": 3.1, "threshold": 1.0, "features": ["hiv_aids", "bmi"]}
    usual = {"in_domain": True, "distance": 0.1, "threshold": 1.0, "features": []}
    first = by_hand(
        "tim", {"Tim": 71.5, "Tom": 70.7},
        {"difference": 0.8, "level": 0.9, "lower": -0.4, "upper": 2.0, "se": 0.73,
         "method": "cluster covariance of the coefficients, t with 192 degrees of freedom"},
        intervals={"Tim": {"level": 0.9, "lower": 62.0, "upper": 81.0},
                   "Tom": {"level": 0.9, "lower": 61.0, "upper": 80.5}},
        imputed={"Tim": [], "Tom": ["hiv_aids"]}, domain={"Tim": usual, "Tom": unlike})
    second = by_hand("net", {"Tim": 70.0, "Tom": 76.0},
                     {"difference": -6.0, "level": 0.9, "lower": None, "upper": None, "se": None,
                      "method": "none: a network keeps no covariance of its parameters"},
                     imputed={"Tim": ["bmi"], "Tom": []}, domain={"Tim": None, "Tom": None})
    found = compared(first, second)
    answer = verdict.answer_text(found)
    assert answer == "Cannot tell who lives longer: net gives no interval for the difference"
    lines = verdict.verdict_lines(found)
    assert lines[0] == answer and len(lines) <= 8
    assert "clearly" not in " ".join(lines) and "Accuracy: no model is cross-validated" in " ".join(lines)
    text = " ".join(" ".join(verdict.explain_lines(found)).split())
    # Who lives longer, under each model, with the difference's interval or why there is none.
    assert ("- tim: expected Tim − Tom = +0.80 years (90% CI -0.40 to 2.00; cluster covariance of the "
            "coefficients, t with 192 degrees of freedom); 90% prediction intervals Tim 62.0 to 81.0, Tom 61.0 "
            "to 80.5, overlapping over 97% of the narrower.") in text
    assert "- net: expected Tim − Tom = -6.00 years (no interval: a network keeps no covariance of its " \
           "parameters)." in text
    assert "- tim: not cross-validated (train RMSE 5.80)." in text
    caveats = text[text.index("Caveats:"):text.index("The data:")]
    assert "- tim: 1 of Tom's 3 inputs are training means (hiv_aids)." in caveats
    assert "- net: 1 of Tim's 3 inputs are training means (bmi)." in caveats
    assert "- tim: Tom's inputs are unlike the training data (hiv_aids and bmi far from any training row)." \
        in caveats
    assert "- net keeps no reference rows" in caveats
    assert "- No prediction intervals from net" in caveats
    assert len(verdict.caveat_lines(found)) == 5  # JSON's `caveats`: the same lines, unwrapped


def test_a_clear_difference_under_the_only_model_and_no_caveat():
    clean = by_hand("tim", {"Tim": 75.0, "Tom": 70.0},
                    {"difference": 5.0, "level": 0.9, "lower": 4.0, "upper": 6.0, "se": 0.6,
                     "method": "classical covariance of the coefficients"},
                    imputed={"Tim": [], "Tom": []}, domain={"Tim": {"in_domain": True}, "Tom": {"in_domain": True}},
                    intervals={"Tim": {"level": 0.9, "lower": 73.0, "upper": 77.0},
                               "Tom": {"level": 0.9, "lower": 68.0, "upper": 72.0}})
    found = compared(clean)
    assert verdict.answer_text(found) == ("Tim is expected to live 5.00 years longer than Tom (90% CI 4.00 to "
                                          "6.00; tim, the only model)")
    assert verdict.caveat_lines(found) == []
    text = " ".join(verdict.explain_lines(found))
    assert "Caveats: - none" in text and "overlapping over 0% of the narrower" in text


@pytest.mark.parametrize("width", [40, 50, 60, 70])
def test_a_narrow_verdict_keeps_whole_sentences_and_the_pointer_to_explain(shipped, width):
    """At 60 columns the verdict was cut at its 8th line: it ended on "...every caveat: lifeexp", the
    command it points to lost; at 50 the pointer was gone while the views it promises had been dropped."""
    lines = verdict.verdict_lines(shipped, width)
    assert all(len(line) <= width for line in lines)
    text = " ".join(lines)
    assert text.startswith(verdict.answer_text(shipped))
    assert text.endswith(verdict.EXPLAIN_LINE)
    assert verdict.accuracy_line(shipped) in text
    kept = [part for part in (verdict.view_line(shipped), verdict.DATA_LINE) if part in text]
    assert len(lines) <= 8 or not kept  # over 8 lines only once everything optional has gone to --explain
