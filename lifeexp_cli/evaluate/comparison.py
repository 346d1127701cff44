"""Is one model more accurate than another? Saved models side by side, and a paired comparison over the
same cross-validation folds.

`compare_models` takes each model's predictions for each person and returns a `Comparison`: per model a
`ModelResult` (predictions, training and CV RMSE, what stands behind each prediction), the ranking by CV
RMSE (`rank`) and who lives longer (`people_answer`), as facts. `compare --folds` refits every model's specification over the same K folds first
(model/fit/scoring.py `cross_validate_records`), so the differences can be paired.

Every model is scored on the same K test folds, so what makes a fold easy or hard for all models (which
countries landed in it) cancels in the per-fold difference dₖ = RMSE(other)ₖ − RMSE(best)ₖ. The mean
difference d̄ gets a t-interval on K − 1 degrees of freedom, d̄ ± t · s/√K (s the sample standard
deviation of the dₖ, s/√K the standard error of their mean; method "paired-t"). The best model (lowest
mean CV RMSE) is clearly more accurate than another only when that interval excludes 0; otherwise the two
are within the noise of the folds and no winner is named. `spread` (s itself) stays in the facts.

When the folds are not the same (models cross-validated on different data or splits), the differences
cannot be paired: the interval is then Welch's, for a difference of two means with unequal variances
(standard error √(s₁²/K₁ + s₂²/K₂), Welch–Satterthwaite degrees of freedom; method "welch-t"). It
treats the folds as independent draws, which they are not quite, so it is only a rough guide; the `spread`
is the larger of the two models' own fold-to-fold standard deviations, as before.

The people question (`people_answer`): under every model, the expected difference between the same two
people (the pair: the two people given, or with more, the two the most accurate model predicts to live
longest), with its interval (evaluate/difference.py). The models disagree when one model's interval lies
wholly above 0 and another's wholly below, or when two intervals do not overlap and do not all lie on the
same side of 0: the answer is then no one. When every model's interval lies on the same side of 0 the
answer is that person, by the most accurate model's difference (intervals on the same side that do not
overlap agree on who, not on how much: `amounts_differ`). Otherwise the tool cannot tell, and `reason`
says why. Facts only: the words are in cli/verdict.py.

Two questions are kept apart: which model is more accurate (above), and who lives longer under each
model (the difference with its interval, evaluate/difference.py). What stands behind each prediction
(inputs filled with training means, inputs unlike the training data, intervals) is kept per model; the
words for all of it are cli/verdict.py's.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Sequence

from lifeexp_cli.errors import UsageError
from lifeexp_cli.evaluate import difference as differences
from lifeexp_cli.linear.distributions import t_quantile

LEVEL = 0.9  # the level of the expected difference's interval when no prediction interval sets one
ACCURACY_LEVEL = 0.95  # the level of the interval for a mean difference of CV RMSE
PAIRED, WELCH = "paired-t", "welch-t"  # how that interval was made (docs/math.md)

# Plain Python (a handful of numbers per model), so `compare` starts without importing numpy.


def spread(values: Sequence[float]) -> float:
    """Sample standard deviation (n − 1); 0 for a single value."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def mean_interval(values: Sequence[float], level: float = ACCURACY_LEVEL) -> dict:
    """The mean of K values with its t-interval on K − 1 degrees of freedom (SE = SD/√K): `mean`, `sd`,
    `se`, `df`, `lower`, `upper`, `level` (no interval, None bounds, for fewer than two values)."""
    values = [float(v) for v in values]
    mean, k = statistics.fmean(values), len(values)
    if k < 2:
        return {"mean": mean, "sd": 0.0, "se": None, "df": None, "lower": None, "upper": None, "level": level}
    sd = statistics.stdev(values)
    se = sd / math.sqrt(k)
    half = t_quantile((1 + level) / 2, k - 1) * se
    return {"mean": mean, "sd": sd, "se": se, "df": k - 1, "lower": mean - half, "upper": mean + half,
            "level": level}


def welch_interval(best: Sequence[float], other: Sequence[float], level: float = ACCURACY_LEVEL) -> dict:
    """mean(other) − mean(best) with Welch's t-interval: SE = √(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite df."""
    n1, n2 = len(best), len(other)
    mean = statistics.fmean(other) - statistics.fmean(best)
    if n1 < 2 or n2 < 2:
        return {"mean": mean, "se": None, "df": None, "lower": None, "upper": None, "level": level}
    v1, v2 = statistics.variance(best) / n1, statistics.variance(other) / n2
    se = math.sqrt(v1 + v2)
    if se == 0:
        return {"mean": mean, "se": 0.0, "df": None, "lower": mean, "upper": mean, "level": level}
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    half = t_quantile((1 + level) / 2, df) * se
    return {"mean": mean, "se": se, "df": df, "lower": mean - half, "upper": mean + half, "level": level}


def excludes_zero(lower: float | None, upper: float | None) -> bool:
    return lower is not None and upper is not None and (lower > 0 or upper < 0)


def difference(best: Sequence[float], other: Sequence[float], paired: bool = True,
               level: float = ACCURACY_LEVEL) -> dict:
    """How much worse `other` is than `best`: the mean difference of RMSE (`difference`) with its interval
    (`lower`, `upper`, `level`, `se`, `df`, `method`), the fold-to-fold `spread`, and `clear`: whether the
    interval excludes 0."""
    best, other = [float(v) for v in best], [float(v) for v in other]
    if paired:
        if len(best) != len(other):
            raise ValueError("a paired comparison needs the same folds for both models")
        found = mean_interval([o - b for b, o in zip(best, other)], level)
        noise, method = found["sd"], PAIRED
    else:
        found = welch_interval(best, other, level)
        noise, method = max(spread(best), spread(other)), WELCH
    return {"difference": found["mean"], "spread": noise, "clear": excludes_zero(found["lower"], found["upper"]),
            "lower": found["lower"], "upper": found["upper"], "level": level, "se": found["se"],
            "df": found["df"], "method": method}


def rank(fold_rmse: dict[str, Sequence[float]], paired: bool = True) -> dict:
    """Order models by mean CV RMSE and compare each with the best.

    Returns `best`, `order` (names, best first), `versus` (per other model: `model`, `difference`,
    `lower`, `upper`, `level`, `method`, `se`, `df`, `spread`, `clear`), `ties` (models not clearly worse
    than the best) and `clear` (no ties).
    """
    if not fold_rmse:
        raise ValueError("nothing to compare")
    means = {name: statistics.fmean(values) for name, values in fold_rmse.items()}
    order = sorted(fold_rmse, key=lambda name: means[name])
    best = order[0]
    versus = [{"model": name, **difference(fold_rmse[best], fold_rmse[name], paired)} for name in order[1:]]
    ties = [v["model"] for v in versus if not v["clear"]]
    return {"best": best, "order": order, "paired": paired, "versus": versus, "ties": ties, "clear": not ties}


# --- Several saved models side by side: predictions for people, accuracy, who lives longer -------------
# Models arrive as the names they were asked for and their typed records (model/record.py ModelRecord, read
# by attribute: this layer does not import it); people as (name, values).


@dataclass
class ModelResult:
    """One model in a comparison: what it predicts for each person and how accurate it is."""

    model: str
    features: list[str]
    predictions: dict[str, float]  # person -> predicted years
    train_rmse: float
    cv_rmse: float | None
    cv_rmse_std: float | None
    cv_folds: int | None
    cv_fold_rmse: list[float]  # per fold, in fold order (empty without CV)
    intervals: dict[str, dict] = field(default_factory=dict)  # person -> {"level", "lower", "upper"}
    imputed: dict[str, list[str]] = field(default_factory=dict)  # person -> features filled with means
    domain: dict[str, dict | None] = field(default_factory=dict)  # person -> domain judgement (None: no check)
    difference: dict | None = None  # the two longest-lived people's expected difference (None: one person)
    pair_difference: dict | None = None  # the comparison's pair, first − second, with `side` (+1, −1, 0, None)

    def longest_two(self) -> tuple[str, str] | None:
        """The two people this model predicts to live longest, longest first (None for a single person)."""
        ranked = sorted(self.predictions, key=lambda who: -self.predictions[who])
        return (ranked[0], ranked[1]) if len(ranked) > 1 else None


@dataclass
class Comparison:
    """Every model's result, the ranking by CV RMSE (`rank`; None with fewer than two scored) and who lives
    longer (`answer`, as `people_answer` gives it); cli/verdict.py words them."""

    people: list[str]
    models: list[ModelResult]
    ranking: dict | None
    warnings: list[str] = field(default_factory=list)
    pair: list[str] | None = None  # the two people the answer is about (None: one person)
    answer: dict = field(default_factory=dict)  # who lives longer, as facts (`people_answer`)


def model_result(name: str, record, predictions: dict[str, float], detail: dict | None = None) -> ModelResult:
    """A saved model's accuracy (from its record) beside its predictions for the people, and what stands
    behind them (`detail`, as `prediction.for_people` gives it: rows, imputed, domain, intervals)."""
    cv = record.metrics.cv
    detail = detail or {}
    result = ModelResult(
        model=name, features=list(record.features), predictions=predictions,
        train_rmse=record.metrics.train.rmse, cv_rmse=cv and cv.rmse, cv_rmse_std=cv and cv.rmse_std,
        cv_folds=cv and cv.k, cv_fold_rmse=[f.rmse for f in cv.folds] if cv else [],
        intervals={who: {key: found[key] for key in ("level", "lower", "upper")}
                   for who, found in (detail.get("intervals") or {}).items() if found},
        imputed=dict(detail.get("imputed") or {}),
        domain=dict(detail.get("domain") or {}))
    pair = result.longest_two()
    rows = detail.get("rows") or {}
    if pair and all(who in rows for who in pair):
        level = next(iter(result.intervals.values()), {}).get("level", LEVEL)
        a, b = pair
        result.difference = {"first": a, "second": b, **differences.expected_difference(
            record.as_mapping(), rows[a], rows[b], predictions[a], predictions[b], level)}
    return result


def same_folds(records: list) -> bool:
    """Stored CV scores can be paired fold by fold when every model was cross-validated on the same file,
    target, K, split method and seed: the folds are then the same rows."""
    keys = {(record.data.sha256, record.target, record.metrics.cv.k, record.metrics.cv.split,
             record.metrics.cv.seed) for record in records if record.metrics.cv}
    return len(keys) <= 1


def rank_results(results: list[ModelResult], paired: bool) -> dict | None:
    """`rank` over the models that carry CV scores; None when fewer than two do."""
    scored = {r.model: r.cv_fold_rmse for r in results if r.cv_fold_rmse}
    return rank(scored, paired) if len(scored) > 1 else None


def compare_models(names: list[str], records: list, predictions: list[dict[str, float]], people: list[str],
                   warnings: list[str] | None = None, details: list[dict] | None = None) -> Comparison:
    """The models (their names and records, and each one's predictions per person and their details, as
    `prediction.for_people` makes them) ranked by CV RMSE, with who lives longer (`people_answer`)."""
    details = details or [{} for _ in records]
    results = [model_result(name, record, predicted, detail)
               for name, record, predicted, detail in zip(names, records, predictions, details)]
    ranked = rank_results(results, paired=same_folds(records))
    pair = the_pair(results, ranked, people)
    if pair:
        for record, result, detail in zip(records, results, details):
            result.pair_difference = pair_difference(record, result, detail, pair)
    answer = people_answer(results, ranked, pair)
    return Comparison(people, results, ranked, list(warnings or []), pair=list(pair) if pair else None,
                      answer=answer)


# --- Who lives longer? The same two people under every model, and whether the models agree -------------


def reference(results: list[ModelResult], ranked: dict | None) -> ModelResult | None:
    """The model the answer rests on: the most accurate by CV RMSE, or the only model; None when several
    models cannot be ranked."""
    if ranked is not None:
        return next(r for r in results if r.model == ranked["best"])
    return results[0] if len(results) == 1 else None


def the_pair(results: list[ModelResult], ranked: dict | None, people: list[str]) -> tuple[str, str] | None:
    """Two people: as given, or with more than two, the two the reference model (else the first) predicts
    to live longest."""
    if len(people) < 2:
        return None
    if len(people) == 2:
        return people[0], people[1]
    return (reference(results, ranked) or results[0]).longest_two()


def side(lower: float | None, upper: float | None) -> int | None:
    """+1 when an interval lies above 0, −1 below, 0 when it holds 0, None without an interval."""
    if lower is None or upper is None:
        return None
    return 1 if lower > 0 else -1 if upper < 0 else 0


def pair_difference(record, result: ModelResult, detail: dict, pair: tuple[str, str]) -> dict | None:
    """Δ = E[y | first] − E[y | second] under one model, with its interval (evaluate/difference.py) and
    its `side`; from the model's own difference when the input rows are not at hand."""
    a, b = pair
    rows = detail.get("rows") or {}
    level = next(iter(result.intervals.values()), {}).get("level", LEVEL)
    if a in rows and b in rows:
        found = differences.expected_difference(record.as_mapping(), rows[a], rows[b], result.predictions[a],
                                                result.predictions[b], level)
    elif result.difference and {result.difference["first"], result.difference["second"]} == {a, b}:
        found = {key: result.difference[key] for key in ("difference", "level", "lower", "upper", "se", "method")}
        if result.difference["first"] != a:
            found.update(difference=-found["difference"],
                         lower=None if found["upper"] is None else -found["upper"],
                         upper=None if found["lower"] is None else -found["lower"])
    else:
        return None
    # Both people's inputs the same under this model (it takes none of the features in which they differ,
    # each filled with its training mean): its difference is 0 by construction, not a view of who lives longer.
    same = a in rows and b in rows and list(rows[a]) == list(rows[b])
    return {"first": a, "second": b, **found, "side": side(found["lower"], found["upper"]), "same_inputs": same}


def blind(result: ModelResult) -> bool:
    """Whether a model takes none of the inputs in which the two people differ (`pair_difference`)."""
    return bool(result.pair_difference and result.pair_difference.get("same_inputs"))


def views(results: list[ModelResult]) -> list[dict]:
    """Each model's difference between the two people, but those of the models that cannot tell them apart."""
    return [{"model": r.model, **r.pair_difference} for r in results if r.pair_difference and not blind(r)]


def disagreeing(found: list[dict]) -> bool:
    """Two models' intervals lie on opposite sides of 0, or do not overlap without all lying on one side."""
    sides = {v["side"] for v in found}
    if {1, -1} <= sides:
        return True
    bounded = [v for v in found if v["side"] is not None]
    apart = any(x["upper"] < y["lower"] for x in bounded for y in bounded)
    return apart and not (len(sides) == 1 and sides <= {1, -1})


def people_answer(results: list[ModelResult], ranked: dict | None, pair: tuple[str, str] | None) -> dict:
    """Who lives longer, as facts: `longer` (a name, or None when the tool cannot tell), `shorter`,
    `reason` ("agree", "disagree", "includes_zero", "no_interval", "one_person", "same_inputs": no model
    takes an input in which the two differ, "no_model"), `model` (the most accurate model, whose view is
    `view`; None when the models cannot be ranked, or the most accurate cannot tell the two apart), `difference`,
    `lower`, `upper`, `level` (how much longer, oriented towards `longer`, from `view`), `views` (every
    model's first − second, but the `blind` ones'), `models` (the models behind the reason), `amounts_differ`,
    `ranked` and `blind` (the models that take none of the inputs in which the two differ: each predicts the
    same for both, and is no view of who lives longer)."""
    best = reference(results, ranked)
    unseeing = [r.model for r in results if blind(r)]
    if best is not None and blind(best):  # the most accurate model cannot tell the two apart: no answer rests on it
        best, ranked = None, None
    found = views(results)
    view = best.pair_difference if best else None
    facts = {"longer": None, "shorter": None, "reason": None, "model": best.model if best else None,
             "pair": list(pair) if pair else None, "view": view, "difference": None, "lower": None,
             "upper": None, "level": None, "views": found, "models": [], "amounts_differ": False,
             "ranked": ranked is not None, "blind": unseeing}
    if pair is None:
        return {**facts, "reason": "one_person"}
    if not found:
        return {**facts, "reason": "same_inputs" if unseeing else "no_model", "models": unseeing}
    if disagreeing(found):
        return {**facts, "reason": "disagree", "models": [v["model"] for v in found]}
    sides = {v["side"] for v in found}
    if sides == {None} or None in sides:
        return {**facts, "reason": "no_interval", "models": [v["model"] for v in found if v["side"] is None]}
    if 0 in sides:
        return {**facts, "reason": "includes_zero", "models": [v["model"] for v in found if v["side"] == 0]}
    (direction,) = sides
    longer, shorter = pair if direction > 0 else pair[::-1]
    amounts_differ = any(x["upper"] < y["lower"] for x in found for y in found)
    # Without a most accurate model, the smallest of the agreeing differences: the most cautious amount.
    basis = view or min(found, key=lambda v: abs(v["difference"]))
    low, high = sorted((direction * basis["lower"], direction * basis["upper"]))
    return {**facts, "longer": longer, "shorter": shorter, "reason": "agree", "view": basis,
            "difference": direction * basis["difference"], "lower": low, "upper": high, "level": basis["level"],
            "models": [v["model"] for v in found], "amounts_differ": amounts_differ}


def check_one_target(records: list) -> None:
    """Models of different targets cannot be cross-validated on the same rows."""
    targets = sorted({r.target for r in records})
    if len(targets) > 1:
        raise UsageError(f"the models predict different targets ({', '.join(targets)}): compare models of one target")
