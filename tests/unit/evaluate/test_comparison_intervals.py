"""The interval for a mean difference of CV RMSE (evaluate/comparison.py), checked by hand; and who lives
longer: the disagreement rule on constructed views, and on the shipped models' real records."""

from __future__ import annotations

import math

import pytest
from conftest import shipped_comparison

from lifeexp_cli.cli import verdict
from lifeexp_cli.evaluate import comparison

T_975_4 = 2.7764451  # Student's t, P(T ≤ t) = 0.975 with 4 degrees of freedom (tables)


def test_the_paired_interval_by_hand():
    d = [0.1, 0.3, 0.2, 0.4, 0.0]
    best = [5.0, 6.0, 5.5, 7.0, 6.5]
    other = [b + x for b, x in zip(best, d)]
    mean = 0.2
    sd = math.sqrt(((0.1 - mean) ** 2 + (0.3 - mean) ** 2 + 0 + (0.4 - mean) ** 2 + (0.0 - mean) ** 2) / 4)
    se = sd / math.sqrt(5)
    assert sd == pytest.approx(math.sqrt(0.025)) and se == pytest.approx(math.sqrt(0.005))
    found = comparison.difference(best, other)
    assert found["difference"] == pytest.approx(mean)
    assert found["spread"] == pytest.approx(sd) and found["se"] == pytest.approx(se)
    assert found["df"] == 4 and found["level"] == 0.95 and found["method"] == "paired-t"
    assert found["lower"] == pytest.approx(mean - T_975_4 * se, abs=1e-7)  # 0.0036757
    assert found["upper"] == pytest.approx(mean + T_975_4 * se, abs=1e-7)  # 0.3963243
    assert found["clear"]  # just: the interval starts above 0


def test_clear_only_when_the_interval_excludes_zero():
    best = [5.0, 6.0, 5.5, 7.0, 6.5]
    # Mean 0.2 > SD 0.187: the old rule (mean > SD) named a winner; t·SD/√5 = 0.23 > 0.2: no longer.
    d = [0.0, 0.4, 0.1, 0.4, 0.1]
    found = comparison.difference(best, [b + x for b, x in zip(best, d)])
    assert found["difference"] > found["spread"]
    assert found["lower"] < 0 < found["upper"] and not found["clear"]
    ranked = comparison.rank({"a": best, "b": [b + x for b, x in zip(best, d)]})
    assert ranked["ties"] == ["b"] and {"lower", "upper", "level", "method"} <= set(ranked["versus"][0])


def test_one_fold_has_no_interval():
    found = comparison.difference([5.0], [6.0])
    assert found["lower"] is None and found["upper"] is None and not found["clear"]


def test_the_unpaired_interval_is_welchs():
    stats = pytest.importorskip("scipy.stats")
    best, other = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0, 8.0]
    v1, v2 = 1.0 / 3, (20.0 / 3) / 4  # s²/n of each
    se = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / 2 + v2 ** 2 / 3)
    half = stats.t.ppf(0.975, df) * se
    found = comparison.difference(best, other, paired=False)
    assert found["method"] == "welch-t" and found["df"] == pytest.approx(df)
    assert found["difference"] == pytest.approx(3.0)
    assert (found["lower"], found["upper"]) == pytest.approx((3.0 - half, 3.0 + half), abs=1e-9)
    welch = stats.ttest_ind(other, best, equal_var=False)
    assert welch.statistic == pytest.approx(3.0 / se)


def test_the_mean_interval_of_one_models_folds():
    found = comparison.mean_interval([0.1, 0.3, 0.2, 0.4, 0.0])
    assert found["mean"] == pytest.approx(0.2)
    assert found["upper"] - found["mean"] == pytest.approx(T_975_4 * math.sqrt(0.005), abs=1e-7)


# --- who lives longer --------------------------------------------------------------------------------


def model(name: str, difference: float, lower: float | None, upper: float | None, folds=None):
    """A model whose view of Tim − Tom is `difference` [lower, upper]."""
    result = comparison.ModelResult(model=name, features=["bmi"], predictions={"Tim": 70.0 + difference, "Tom": 70.0},
                                    train_rmse=5.0, cv_rmse=None, cv_rmse_std=None, cv_folds=None,
                                    cv_fold_rmse=list(folds or []))
    result.pair_difference = {"first": "Tim", "second": "Tom", "difference": difference, "level": 0.9,
                              "lower": lower, "upper": upper, "se": None, "method": "test",
                              "side": comparison.side(lower, upper)}
    return result


def answer(*results, ranked=True):
    results = list(results)
    ranking = {"best": results[0].model} if ranked else None
    facts = comparison.people_answer(results, ranking, ("Tim", "Tom"))
    text = verdict.answer_text(comparison.Comparison(["Tim", "Tom"], results, ranking, answer=facts))
    assert len(text) <= 100
    return facts, text


def test_the_lecture_and_a_six_feature_model_disagree():
    six = model("six", -0.85, -1.08, -0.61)
    facts, text = answer(six, model("tim", 0.83, 0.76, 0.91), model("tom", -1.97, -2.17, -1.76))
    assert facts["longer"] is None and facts["reason"] == "disagree"
    assert facts["model"] == "six" and facts["view"]["difference"] == -0.85  # the most accurate model's view
    assert text == verdict.DISAGREE == "Cannot tell who lives longer: the models disagree (it depends on the features)"


def test_intervals_that_do_not_overlap_disagree_unless_on_one_side():
    facts, _ = answer(model("a", 0.05, -0.1, 0.2), model("b", 0.7, 0.5, 0.9))
    assert facts["reason"] == "disagree" and facts["longer"] is None
    facts, _ = answer(model("a", 0.3, 0.1, 0.4), model("b", 0.7, 0.5, 0.9))  # same side: who agrees
    assert facts["reason"] == "agree" and facts["longer"] == "Tim" and facts["amounts_differ"]


def test_agreement_names_the_person_by_the_most_accurate_models_difference():
    facts, text = answer(model("b", -0.6, -0.9, -0.3), model("a", -1.0, -1.4, -0.5))
    assert facts["reason"] == "agree" and (facts["longer"], facts["shorter"]) == ("Tom", "Tim")
    assert (facts["difference"], facts["lower"], facts["upper"]) == pytest.approx((0.6, 0.3, 0.9))
    assert not facts["amounts_differ"]
    assert text == "Tom is expected to live 0.60 years longer than Tim (90% CI 0.30 to 0.90; b, the most accurate model)"


def test_without_a_ranking_agreement_gives_the_smallest_difference():
    facts, text = answer(model("a", 1.0, 0.6, 1.4), model("b", 0.5, 0.2, 0.8), ranked=False)
    assert facts["longer"] == "Tim" and facts["model"] is None and facts["difference"] == pytest.approx(0.5)
    assert "all models agree" in text


@pytest.mark.parametrize("second, reason, words", [
    (model("net", 0.4, None, None), "no_interval", "net gives no interval for the difference"),
    (model("wide", 0.4, -0.2, 1.0), "includes_zero", "includes 0 under wide"),
])
def test_otherwise_the_tool_cannot_tell_and_says_why(second, reason, words):
    facts, text = answer(model("a", 0.8, 0.6, 1.0), second)
    assert facts["longer"] is None and facts["reason"] == reason and facts["models"] == [second.model]
    assert text.startswith("Cannot tell who lives longer: ") and words in text


def test_one_person_and_long_names_keep_the_answer_short():
    facts = comparison.people_answer([model("a", 0.8, 0.6, 1.0)], None, None)
    assert facts["reason"] == "one_person" and facts["longer"] is None
    long = "Bartholomew-" * 10
    results = [model("/a/very/long/path/to/a/model/file/of/many/folders.joblib", 0.8, 0.6, 1.0)]
    facts = comparison.people_answer(results, {"best": results[0].model}, (long, "Tom"))
    text = verdict.answer_text(comparison.Comparison([long, "Tom"], results, None, answer=facts))
    assert len(text) <= 100 and text.endswith("…")


@pytest.fixture(scope="module")
def shipped():
    """The four shipped models compared for Tim and Tom (tests/conftest.py: shipped_comparison)."""
    return shipped_comparison()


def test_the_shipped_models_cannot_tell(shipped):
    facts = shipped.answer
    assert facts["longer"] is None and facts["reason"] == "disagree" and facts["model"] == "tim"
    by = {v["model"]: v for v in facts["views"]}
    assert (by["tim"]["lower"], by["tim"]["difference"], by["tim"]["upper"]) == pytest.approx((0.76, 0.83, 0.91),
                                                                                              abs=0.005)
    assert by["tom"]["difference"] == pytest.approx(-1.97, abs=0.005) and by["tom"]["side"] == -1
    versus = {v["model"]: v for v in shipped.ranking["versus"]}
    assert versus["tom"]["lower"] < 0 < versus["tom"]["upper"] and not versus["tom"]["clear"]
    assert versus["tim-bmi"]["clear"] and versus["tom-gdp"]["clear"]
    assert "clearly above" not in " ".join(verdict.verdict_parts(shipped))  # no single view is called clear
