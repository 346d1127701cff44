"""The words of compare's verdict (cli/verdict.py) on the shipped models: the answer first, at most 8 lines
at 80 columns, the most accurate model's view without "clearly", and --explain holding the rest."""

from __future__ import annotations

import pytest

from lifeexp_cli.cli import verdict
from lifeexp_cli.evaluate import comparison


@pytest.fixture(scope="module")
def shipped():
    from lifeexp_cli.data import people
    from lifeexp_cli.model import store
    from lifeexp_cli.model.predict import prediction

    records = []
    for name in ("tim-bmi", "tom-gdp", "tim", "tom"):
        record = store.load(name)
        record["name"] = name
        records.append(record)
    persons = people.lecture_people()
    predictions, warnings, details = prediction.for_people(records, persons, 0.9)
    return comparison.compare_models(records, predictions, [who for who, _ in persons], warnings, details)


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
