"""Is one model more accurate than another? Saved models side by side, and a paired comparison over the
same cross-validation folds.

`compare_models` takes each model's predictions for each person and returns a `Comparison`: per model a
`ModelResult` (predictions, training and CV RMSE, what stands behind each prediction), the ranking by CV
RMSE (`rank`) and the verdict in words. `compare --cv` refits every model's specification over the same K folds first
(model/fit/scoring.py `cross_validate_records`), so the differences can be paired.

Every model is scored on the same K test folds, so what makes a fold easy or hard for all models (which
countries landed in it) cancels in the per-fold difference dₖ = RMSE(other)ₖ − RMSE(best)ₖ. The best
model (lowest mean CV RMSE) is named the winner over another only when the mean difference d̄ is larger
than the spread of the differences over the folds (their sample standard deviation); otherwise the two
are within the noise of the folds and no winner is named.

When the folds are not the same (models cross-validated on different data or splits), the differences
cannot be paired; the spread is then the larger of the two models' own fold-to-fold standard deviations.

The verdict keeps two questions apart and answers both: which model is more accurate (above), and,
under the model(s) the verdict rests on, whether one person's expected life expectancy is above the
other's (the difference with its interval, evaluate/difference.py) beside how far the two people's
own prediction intervals overlap. It then names every caveat: inputs filled with training means,
inputs unlike the training data (evaluate/domain.py), prediction intervals that overlap or are missing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Sequence

from lifeexp_cli.errors import UsageError
from lifeexp_cli.evaluate import difference as differences

LEVEL = 0.9  # the level of the expected difference's interval when no prediction interval sets one

# Plain Python (a handful of numbers per model), so `compare` starts without importing numpy.


def spread(values: Sequence[float]) -> float:
    """Sample standard deviation (n − 1); 0 for a single value."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def difference(best: Sequence[float], other: Sequence[float], paired: bool = True) -> dict:
    """How much worse `other` is than `best`: mean difference of RMSE, its spread, and whether it is clear."""
    best, other = [float(v) for v in best], [float(v) for v in other]
    if paired:
        if len(best) != len(other):
            raise ValueError("a paired comparison needs the same folds for both models")
        d = [o - b for b, o in zip(best, other)]
        mean, noise = statistics.fmean(d), spread(d)
    else:
        mean, noise = statistics.fmean(other) - statistics.fmean(best), max(spread(best), spread(other))
    return {"difference": mean, "spread": noise, "clear": bool(mean > noise)}


def rank(fold_rmse: dict[str, Sequence[float]], paired: bool = True) -> dict:
    """Order models by mean CV RMSE and compare each with the best.

    Returns `best`, `order` (names, best first), `versus` (per other model: `model`, `difference`,
    `spread`, `clear`), `ties` (models not clearly worse than the best) and `clear` (no ties).
    """
    if not fold_rmse:
        raise ValueError("nothing to compare")
    means = {name: statistics.fmean(values) for name, values in fold_rmse.items()}
    order = sorted(fold_rmse, key=lambda name: means[name])
    best = order[0]
    versus = [{"model": name, **difference(fold_rmse[best], fold_rmse[name], paired)} for name in order[1:]]
    ties = [v["model"] for v in versus if not v["clear"]]
    return {"best": best, "order": order, "paired": paired, "versus": versus, "ties": ties, "clear": not ties}


# --- Several saved models side by side: predictions for people, accuracy, and the verdict --------------
# Models arrive as loaded records (dicts, with the "name" they were asked for); people as (name, values).


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

    def longest_two(self) -> tuple[str, str] | None:
        """The two people this model predicts to live longest, longest first (None for a single person)."""
        ranked = sorted(self.predictions, key=lambda who: -self.predictions[who])
        return (ranked[0], ranked[1]) if len(ranked) > 1 else None

    def longer_by(self) -> tuple[str, float] | None:
        """Who lives longer by this model's predictions, and how long (None for a single person)."""
        ranked = sorted(self.predictions.items(), key=lambda kv: -kv[1])
        return ranked[0] if len(ranked) > 1 else None


@dataclass
class Comparison:
    """Every model's result, the ranking by CV RMSE (`rank`; None with fewer than two scored), the verdict."""

    people: list[str]
    models: list[ModelResult]
    ranking: dict | None
    verdict: str
    warnings: list[str] = field(default_factory=list)


def model_result(record: dict, predictions: dict[str, float], detail: dict | None = None) -> ModelResult:
    """A saved model's accuracy (from its record) beside its predictions for the people, and what stands
    behind them (`detail`, as `prediction.for_people` gives it: rows, imputed, domain, intervals)."""
    cv = (record["metrics"] or {}).get("cv") or {}
    detail = detail or {}
    result = ModelResult(
        model=record["name"], features=record["features"], predictions=predictions,
        train_rmse=record["metrics"]["train"]["rmse"], cv_rmse=cv.get("rmse"), cv_rmse_std=cv.get("rmse_std"),
        cv_folds=cv.get("k"), cv_fold_rmse=[f["rmse"] for f in cv.get("folds") or []],
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
            record, rows[a], rows[b], predictions[a], predictions[b], level)}
    return result


def same_folds(records: list[dict]) -> bool:
    """Stored CV scores can be paired fold by fold when every model was cross-validated on the same file,
    target, K, split method and seed: the folds are then the same rows."""
    keys = set()
    for record in records:
        cv = (record["metrics"] or {}).get("cv")
        if cv:
            keys.add((record["data"].get("sha256"), record["target"], cv.get("k"), cv.get("split"), cv.get("seed")))
    return len(keys) <= 1


def rank_results(results: list[ModelResult], paired: bool) -> dict | None:
    """`rank` over the models that carry CV scores; None when fewer than two do."""
    scored = {r.model: r.cv_fold_rmse for r in results if r.cv_fold_rmse}
    return rank(scored, paired) if len(scored) > 1 else None


def compare_models(records: list[dict], predictions: list[dict[str, float]], people: list[str],
                   warnings: list[str] | None = None, details: list[dict] | None = None) -> Comparison:
    """The models (their records, and each one's predictions per person and their details, as
    `prediction.for_people` makes them) ranked by CV RMSE, with the verdict in words."""
    details = details or [{} for _ in records]
    results = [model_result(record, predicted, detail)
               for record, predicted, detail in zip(records, predictions, details)]
    ranked = rank_results(results, paired=same_folds(records))
    return Comparison(people, results, ranked, verdict(results, ranked), list(warnings or []))


def check_one_target(records: list[dict]) -> None:
    """Models of different targets cannot be cross-validated on the same rows."""
    targets = sorted({r["target"] for r in records})
    if len(targets) > 1:
        raise UsageError(f"the models predict different targets ({', '.join(targets)}): compare models of one target")


def verdict(results: list[ModelResult], ranked: dict | None) -> str:
    """Three parts, in this order: which model is more accurate (or no winner, when the difference is
    within the spread over folds); under the model(s) that answer rests on, whether one person's expected
    life expectancy is above the other's, beside how far their own prediction intervals overlap; and
    every caveat behind the predictions."""
    accuracy, resting = accuracy_verdict(results, ranked)
    parts = [accuracy, *(people_text(r) for r in resting if r.difference), agreement(resting), caveats_text(results)]
    return " ".join(part for part in parts if part)


def accuracy_verdict(results: list[ModelResult], ranked: dict | None) -> tuple[str, list[ModelResult]]:
    """The answer on accuracy, and the models it leaves standing (the best, or the ones tied with it;
    every model when none carries CV scores)."""
    scored = {r.model: r for r in results if r.cv_fold_rmse}
    if not scored:
        return ("No model carries a cross-validated RMSE: no verdict on accuracy (cross-validate the models "
                "to have one)."), results
    if ranked is None:
        (name, only), = scored.items()
        return (f"Only {name} carries a cross-validated RMSE ({only.cv_rmse:.2f} ± {only.cv_rmse_std:.2f} "
                "years): nothing to compare it with."), [only]
    k = len(scored[ranked["best"]].cv_fold_rmse)
    how = ("paired fold by fold" if ranked["paired"] else
           "unpaired: the models were cross-validated on different folds; cross-validating them again on the "
           "same folds pairs them")
    best = scored[ranked["best"]]
    if ranked["clear"]:
        return clear_winner(best, ranked["versus"][0], k, how), [best]
    ties = [scored[name] for name in ranked["ties"]]
    return no_clear_winner(best, ties, ranked["versus"], k, how), [best, *ties]


def cv_text(result: ModelResult) -> str:
    return f"CV RMSE {result.cv_rmse:.2f} ± {result.cv_rmse_std:.2f}"


def clear_winner(best: ModelResult, runner: dict, k: int, how: str) -> str:
    return (f"Most accurate: {best.model} ({', '.join(best.features)}), {cv_text(best)} years; "
            f"{runner['difference']:.2f} years better than the next, {runner['model']}, more than the spread of "
            f"that difference over the {k} folds, ± {runner['spread']:.2f} ({how}).")


def no_clear_winner(best: ModelResult, ties: list[ModelResult], versus: list[dict], k: int, how: str) -> str:
    tied = [best] + ties
    contenders = " and ".join(f"{r.model} ({cv_text(r)})" for r in tied)
    text = (f"No clear winner between {contenders}: "
            + "; ".join(f"{v['model']} is {v['difference']:.2f} years worse than {best.model}, less than the spread "
                        f"of that difference over the {k} folds, ± {v['spread']:.2f}"
                        for v in versus if not v["clear"])
            + f" ({how}).")
    worse = [v["model"] for v in versus if v["clear"]]
    if worse:
        text += f" Clearly less accurate: {', '.join(worse)}."
    return text


def agreement(models: list[ModelResult]) -> str:
    """Whether several models left standing name the same person as living longest."""
    picks = {r.model: r.longer_by() for r in models}
    if len(picks) < 2 or not all(picks.values()):
        return ""
    who = {p[0] for p in picks.values()}
    if len(who) == 1:
        return f"They agree that {who.pop()} is predicted to live longest."
    return "They disagree on who lives longest: " + ", ".join(
        f"{m} says {p[0]} ({p[1]:.1f} years)" for m, p in picks.items()) + "."


def people_text(result: ModelResult) -> str:
    """Under one model: is the first person's expected life expectancy above the second's (the
    difference with its interval), and how far do their own prediction intervals overlap?"""
    d = result.difference
    a, b = d["first"], d["second"]
    text = f"Under {result.model}, {a}'s expected life expectancy is {d['difference']:.2f} years above {b}'s"
    if d["lower"] is None:
        text += f" (no interval for that difference: {d['method'].removeprefix('none: ')})"
    else:
        clear = ("clearly above" if d["lower"] > 0 else "not clearly above: the interval includes no difference")
        text += (f" ({d['level']:.0%} interval {d['lower']:.2f} to {d['upper']:.2f}, from the {d['method']}): "
                 f"{clear}")
    if a in result.intervals and b in result.intervals:
        ia, ib = result.intervals[a], result.intervals[b]
        share = differences.overlap(ia, ib)
        text += (f"; as people, their {ia['level']:.0%} prediction intervals, {ia['lower']:.1f} to {ia['upper']:.1f} "
                 f"and {ib['lower']:.1f} to {ib['upper']:.1f}, "
                 + (f"overlap over {share:.0%} of the narrower, so this model cannot tell which of the two will "
                    "live longer" if share > 0 else "are apart"))
    return text + "."


def caveats(results: list[ModelResult]) -> list[str]:
    """Everything behind the predictions that a reader of the verdict should know, one phrase each."""
    notes = []
    for r in results:
        p = len(r.features)
        for who, filled in r.imputed.items():
            if filled:
                notes.append(f"under {r.model}, {len(filled)} of {who}'s {p} inputs are training means "
                             f"({', '.join(filled)})")
        for who, judged in r.domain.items():
            if judged is not None and not judged["in_domain"]:
                notes.append(f"under {r.model}, {who}'s inputs are unlike the training data "
                             f"({' and '.join(judged['features'])} far from any training row)")
        if r.domain and all(judged is None for judged in r.domain.values()):
            notes.append(f"{r.model} keeps no reference rows, so its inputs were not checked against the training "
                         "data")
        pair = r.longest_two()
        if pair and all(who in r.intervals for who in pair):
            share = differences.overlap(r.intervals[pair[0]], r.intervals[pair[1]])
            if share > 0:
                notes.append(f"under {r.model}, {pair[0]}'s and {pair[1]}'s prediction intervals overlap "
                             f"({share:.0%} of the narrower)")
    missing = [r.model for r in results if not r.intervals]
    if missing:
        notes.append(f"no prediction intervals from {', '.join(missing)}: how far a prediction for one person "
                     "may miss is not shown")
    return notes


def caveats_text(results: list[ModelResult]) -> str:
    notes = caveats(results)
    return ("Caveats: " + "; ".join(notes) + ".") if notes else ""
