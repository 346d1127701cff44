"""The words of `compare`'s verdict, from the facts evaluate/comparison.py returns.

Three pieces: the answer (one sentence of at most 100 characters: who is expected to live longer and by
how much, or that the tool cannot tell, and why); the verdict under the table (at most 8 lines at 80
columns: the answer, the most accurate model's view when the models disagree, one line on accuracy, one
on what the data are, a pointer to --explain); and the --explain text (every model's view, accuracy fold
by fold, every caveat). JSON carries the facts; `answer_json` adds the answer's text to them.

Plain Python (textwrap), so `compare` starts without numpy; no rich here: the command prints the lines.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lifeexp_cli.evaluate.comparison import Comparison, ModelResult

ANSWER_CHARS = 100
WIDTH = 80
MAX_LINES = 8
DATA_LINE = ("Rows are country-year averages: a prediction is for someone living in a country with these "
             "averages.")
EXPLAIN_LINE = "Each model's view, the folds and every caveat: lifeexp compare --explain."
DISAGREE = "Cannot tell who lives longer: the models disagree (it depends on the features)"


def clipped(text: str, limit: int = ANSWER_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_fitting(*candidates: str) -> str:
    """The first candidate of at most 100 characters (the last one clipped when none fits)."""
    for text in candidates:
        if len(text) <= ANSWER_CHARS:
            return text
    return clipped(candidates[-1])


def answer_text(result: "Comparison") -> str:
    """Who lives longer, in one sentence of at most 100 characters."""
    facts = result.answer
    reason = facts.get("reason")
    if reason == "agree":
        longer, shorter = facts["longer"], facts["shorter"]
        model = named(result, facts["model"] or facts["view"].get("model"))
        amount = f"{facts['difference']:.2f} years longer than {shorter}"
        ci = f"{facts['level']:.0%} CI {facts['lower']:.2f} to {facts['upper']:.2f}"
        apart = " telling them apart" if facts.get("blind") else ""
        who = ("the most accurate model" if facts["ranked"] else f"the only model{apart}" if len(facts["views"]) == 1
               else f"all models{apart} agree")
        alone = [f"{longer} is expected to live {amount} ({ci}; only {model} can tell)"] \
            if facts.get("blind") and len(facts["views"]) == 1 and not facts["ranked"] else []
        return first_fitting(*alone, f"{longer} is expected to live {amount} ({ci}; {model}, {who})",
                             f"{longer} is expected to live {amount} ({ci}; {who})",
                             f"{longer} is expected to live {amount} ({ci})",
                             f"{longer} is expected to live {facts['difference']:.2f} years longer ({ci})")
    if reason == "disagree":
        return DISAGREE
    if reason == "includes_zero":
        models = facts["models"]
        where = f"under {named(result, models[0])}" if len(models) == 1 else f"under {len(models)} models"
        return first_fitting(f"Cannot tell who lives longer: the interval for the difference includes 0 {where}",
                             "Cannot tell who lives longer: an interval for the difference includes 0")
    if reason == "no_interval":
        models = facts["models"]
        return first_fitting(f"Cannot tell who lives longer: {named(result, models[0])} gives no interval for "
                             "the difference",
                             "Cannot tell who lives longer: a model gives no interval for the difference")
    if reason == "one_person":
        return "Only one person: nobody to compare with"
    if reason == "same_inputs":
        a, b = facts["pair"]
        return first_fitting(f"Cannot tell who lives longer: no model takes an input in which {a} and {b} differ",
                             "Cannot tell who lives longer: no model takes an input in which the two differ")
    return "Cannot tell who lives longer: no model gives the difference between the two people"


def blind_line(result: "Comparison") -> str:
    """The models that take none of the inputs in which the two people differ, and what that means."""
    first, second = result.answer["pair"]
    models = [named(result, m) for m in result.answer["blind"]]
    one = len(models) == 1
    return (f"{', '.join(models)} take{'s' if one else ''} none of the inputs in which {first} and {second} differ: "
            f"{'it predicts' if one else 'each predicts'} the same for both, and is left out of who lives longer.")


def answer_json(result: "Comparison") -> dict:
    """JSON's `answer`: `longer` (a name or null), `text`, and the facts behind them."""
    return {"longer": result.answer.get("longer"), "text": answer_text(result),
            **{key: value for key, value in result.answer.items() if key != "longer"}}


def signed(first: str, second: str, difference: float) -> str:
    """`Tim +0.83` for a difference first − second of +0.83, `Tom +1.97` for −1.97."""
    return f"{first if difference >= 0 else second} +{abs(difference):.2f}"


def toward_longer(view: dict) -> str:
    """A view's interval turned towards the person it favours: `(90% CI 0.61 to 1.08)` for −0.85 [−1.08, −0.61]."""
    if view["lower"] is None:
        return ""
    low, high = (view["lower"], view["upper"]) if view["difference"] >= 0 else (-view["upper"], -view["lower"])
    return f" ({view['level']:.0%} CI {low:.2f} to {high:.2f})"


def view_line(result: "Comparison") -> str:
    """When the models disagree: the most accurate model's view first, then each other model's, no "clearly"."""
    facts = result.answer
    if facts.get("reason") != "disagree":
        return ""
    first, second = facts["pair"]
    view = facts.get("view")
    others = [v for v in facts["views"] if v["model"] != facts.get("model")]
    text = ""
    if view:
        text = (f"Most accurate model, {named(result, facts['model'])}: "
                f"{signed(first, second, view['difference'])} years"
                f"{toward_longer(view)}; ")
    return text + "; ".join(f"{named(result, v['model'])}: {signed(first, second, v['difference'])}"
                            for v in others) + "."


def accuracy_line(result: "Comparison") -> str:
    """Which model is more accurate by CV RMSE, with the interval for the mean difference to the next."""
    ranked = result.ranking
    scored = [r for r in result.models if r.cv_fold_rmse]
    if not scored:
        return "Accuracy: no model is cross-validated; rerun with --folds 5 --data FILE to rank them."
    if ranked is None:
        return f"Accuracy: only {named(result, scored[0].model)} is cross-validated (CV RMSE {scored[0].cv_rmse:.2f})."
    best = next(r for r in scored if r.model == ranked["best"])
    runner = ranked["versus"][0]
    gap = f"{named(result, runner['model'])}, {runner['difference']:.2f} worse"
    if runner["lower"] is None:
        gap += " (one fold: no interval)"
    else:
        gap += f" ({runner['level']:.0%} CI {runner['lower']:.2f} to {runner['upper']:.2f})"
    worse = [named(result, v["model"]) for v in ranked["versus"][1:] if v["clear"]]
    if runner["clear"]:
        tail = f"; also clearly less accurate: {', '.join(worse)}." if worse else "."
        return f"Most accurate: {named(result, best.model)} (CV RMSE {best.cv_rmse:.2f}); next {gap}{tail}"
    tail = f"; clearly less accurate: {', '.join(worse)}." if worse else "."
    return (f"Cannot tell which is more accurate: {named(result, best.model)} (CV RMSE {best.cv_rmse:.2f}) "
            f"or {gap}{tail}")


def wrapped(text: str, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(written_out(text), width=width, break_long_words=True, break_on_hyphens=False) \
        if text else []


def written_out(text: str) -> str:
    """Outside text (names of people, models, features) with its control characters written out before it
    is wrapped: textwrap would turn a newline into a space or a break (cli/render.py `shown` escapes the
    markup when the line is printed)."""
    from lifeexp_cli.cli.render import written_out as controls_written_out

    return controls_written_out(text)


def verdict_parts(result: "Comparison") -> list[str]:
    """The verdict's sentences, unwrapped: the answer, the models' views when they disagree, accuracy, what
    the data are, the pointer to --explain (empty ones left out)."""
    return [part for part in (answer_text(result), view_line(result), accuracy_line(result), DATA_LINE,
                              EXPLAIN_LINE) if part]


def verdict_lines(result: "Comparison", width: int = WIDTH) -> list[str]:
    """The verdict under the table: the answer first, at most 8 lines of at most `width` characters, each
    sentence whole. Over 8 lines (long names, a narrow terminal), the models' views go first, then the line
    on what the data are (--explain has both); the answer, accuracy and the pointer to --explain stay. Cut
    at 8 lines instead, `COLUMNS=60 lifeexp compare` ended on "...every caveat: lifeexp"."""
    parts = [answer_text(result), view_line(result), accuracy_line(result), DATA_LINE, EXPLAIN_LINE]
    for optional in (1, 3):  # the views, then what the data are
        if sum(len(wrapped(part, width)) for part in parts) <= MAX_LINES:
            break
        parts[optional] = ""
    return [line for part in parts for line in wrapped(part, width)]


# --- --explain: everything else, once ----------------------------------------------------------------


def explain_lines(result: "Comparison", width: int = WIDTH) -> list[str]:
    """Every model's view of the two people, accuracy fold by fold, and every caveat, wrapped at `width`."""
    sections = [("The models and their features", model_lines(result)),
                ("Who lives longer, model by model", people_lines(result)),
                ("Accuracy (cross-validated RMSE, years)", accuracy_lines(result)),
                ("Caveats", caveat_lines(result) or ["none"]),
                ("The data", [DATA_LINE])]
    out: list[str] = []
    for title, items in sections:
        if not items:
            continue
        out += ([""] if out else []) + [f"{title}:"]
        for item in items:
            out += textwrap.wrap(written_out(item), width=width, initial_indent="- ", subsequent_indent="  ",
                                 break_on_hyphens=False, break_long_words=False)  # a path stays whole
    return out


def model_lines(result: "Comparison") -> list[str]:
    """Each model's features (the table leaves them out), under the name the table shows."""
    labels = table_labels(result)
    return [f"{labels[r.model]}{'' if labels[r.model] == r.model else f' ({r.model})'}: {', '.join(r.features)}."
            for r in result.models]


def people_lines(result: "Comparison") -> list[str]:
    if not result.pair:
        return []
    first, second = result.pair
    lines = []
    for r in result.models:
        d = r.pair_difference
        if d is None:
            continue
        text = f"{named(result, r.model)}: expected {first} − {second} = {d['difference']:+.2f} years"
        if d["lower"] is None:
            text += f" (no interval: {d['method'].removeprefix('none: ')})"
        else:
            text += f" ({d['level']:.0%} CI {d['lower']:.2f} to {d['upper']:.2f}; {d['method']})"
        if first in r.intervals and second in r.intervals:
            a, b = r.intervals[first], r.intervals[second]
            text += (f"; {a['level']:.0%} prediction intervals {first} {a['lower']:.1f} to {a['upper']:.1f}, "
                     f"{second} {b['lower']:.1f} to {b['upper']:.1f}, overlapping over {overlap(a, b):.0%} of "
                     "the narrower")
        lines.append(text + ".")
    facts = result.answer
    if facts.get("amounts_differ"):
        lines.append("The models agree on who, not on how much: their intervals do not overlap.")
    return lines


def overlap(a: dict, b: dict) -> float:
    from lifeexp_cli.evaluate.difference import overlap as share

    return share(a, b)


def accuracy_lines(result: "Comparison") -> list[str]:
    lines = []
    for r in result.models:
        if not r.cv_fold_rmse:
            lines.append(f"{named(result, r.model)}: not cross-validated (train RMSE {r.train_rmse:.2f}).")
            continue
        folds = ", ".join(f"{v:.2f}" for v in r.cv_fold_rmse)
        lines.append(f"{named(result, r.model)}: CV RMSE {r.cv_rmse:.2f} over {len(r.cv_fold_rmse)} folds ({folds}); "
                     f"train RMSE {r.train_rmse:.2f}.")
    ranked = result.ranking
    if ranked:
        by = {r.model: r.cv_fold_rmse for r in result.models}
        for v in ranked["versus"]:
            text = f"{named(result, v['model'])} − {named(result, ranked['best'])}: {v['difference']:+.2f}"
            if v["lower"] is not None:
                text += (f", {v['level']:.0%} CI {v['lower']:.2f} to {v['upper']:.2f} ({method_words(v)})"
                         + ("; clearly less accurate" if v["clear"] else "; cannot tell which is more accurate"))
            if ranked["paired"]:
                text += "; per fold " + ", ".join(f"{o - b:+.2f}" for b, o in zip(by[ranked["best"]], by[v["model"]]))
            lines.append(text + ".")
    return lines


def method_words(v: dict) -> str:
    if v["method"] == "paired-t":
        return f"paired over the folds, t with {v['df']} degrees of freedom, SE = SD/√K"
    return (f"unpaired: the models were cross-validated on different folds; Welch's t with {v['df']:.1f} degrees "
            "of freedom; cross-validate them again on the same folds (--folds 5) to pair them")


def caveat_lines(result: "Comparison") -> list[str]:
    """What stands behind the predictions, one line per model and kind."""
    notes = [blind_line(result)] if result.answer.get("blind") else []
    for r in result.models:
        p = len(r.features)
        for who, filled in r.imputed.items():
            if filled:
                notes.append(f"{named(result, r.model)}: {len(filled)} of {who}'s {p} inputs are training means "
                             f"({', '.join(filled)}).")
        for who, judged in r.domain.items():
            if judged is not None and not judged["in_domain"]:
                notes.append(f"{named(result, r.model)}: {who}'s inputs are unlike the training data "
                             f"({' and '.join(judged['features'])} far from any training row).")
        if r.domain and all(judged is None for judged in r.domain.values()):
            notes.append(f"{named(result, r.model)} keeps no reference rows: its inputs were not checked against "
                         "the training data.")
    missing = [named(result, r.model) for r in result.models if not r.intervals]
    if missing:
        notes.append(f"No prediction intervals from {', '.join(missing)}: how far a prediction may miss is not "
                     "shown.")
    return notes


# --- cells for compare's table ------------------------------------------------------------------------


def versus_cell(model: str, ranked: dict | None, judged: bool = True) -> str:
    """How much worse than the best model, with the interval of that mean difference, not the spread:
    `+0.44 [-0.49, 1.37] tie`, `+2.07 [1.55, 2.59] worse`, `best`, or `—` without CV; without the word
    (`judged` false) where the table is short of room: the interval says it."""
    if ranked is None or model not in ranked["order"]:
        return "—"
    if model == ranked["best"]:
        return "best"
    v = next(v for v in ranked["versus"] if v["model"] == model)
    word = (" worse" if v["clear"] else " tie") if judged else ""
    if v["lower"] is None:
        return f"+{v['difference']:.2f}{word}"
    return f"+{v['difference']:.2f} [{v['lower']:.2f}, {v['upper']:.2f}]{word}"


def prediction_cell(value: float, interval: dict | None, dash: str = "–") -> str:
    """A prediction with its interval in whole years, `71.5 (62–81)`; the value alone without one."""
    if not interval:
        return f"{value:.1f}"
    return f"{value:.1f} ({interval['lower']:.0f}{dash}{interval['upper']:.0f})"


def named(result: "Comparison", model: str) -> str:
    """A model by the name its table row shows (`table_labels`)."""
    return table_labels(result).get(model, model)


def table_labels(result: "Comparison") -> dict[str, str]:
    """The name each model has in the table: as given, or for a path its file's stem (`six` for
    models/six.joblib) when the stems differ from each other and from the names given."""
    from lifeexp_cli.cli import render

    stems = {r.model: render.model_label(r.model) for r in result.models}
    return stems if len(set(stems.values())) == len(stems) else {r.model: r.model for r in result.models}


def table_rows(result: "Comparison", width: int = WIDTH, dash: str = "–") -> list[dict]:
    """compare's table, one line per model within `width` columns where that can be: the model, each
    person's prediction with its interval, train RMSE, CV RMSE and how much worse than the best by CV.
    Short of room, train RMSE goes first (--explain has it), then the words tie and worse. `dash` between
    an interval's bounds ("-" where the terminal cannot show "–")."""
    labels = table_labels(result)
    ranked = result.ranking

    def rows(train: bool, judged: bool) -> list[dict]:
        return [{"model": labels[r.model],
                 **{p: prediction_cell(r.predictions[p], r.intervals.get(p), dash) for p in result.people},
                 **({"train RMSE": f"{r.train_rmse:.2f}"} if train else {}),
                 "CV RMSE": f"{r.cv_rmse:.2f}" if r.cv_rmse is not None else "—",
                 "vs best (CV)": versus_cell(r.model, ranked, judged)} for r in result.models]

    tried = [rows(True, True), rows(False, True), rows(False, False)]
    return next((found for found in tried if one_line_width(found) <= width), tried[-1])


def one_line_width(rows: list[dict]) -> int:
    """The width of a bordered table whose every cell and header stays on one line."""
    columns = list(rows[0])
    return sum(max(len(c), *(len(row[c]) for row in rows)) for c in columns) + 3 * len(columns) + 1


def verdict_text(result: "Comparison", width: int = WIDTH) -> str:
    """The verdict under the table as one string of lines."""
    return "\n".join(verdict_lines(result, width))
