"""The model record of a streamed fit, from the state and its solution, as the in-memory fit builds it
(`record.build_record`): training RMSE and R² exactly from the factor, the MAE when the pass at the
solution summed it (model/fit/stream.py `finish`), ranges and means from the state,
the domain check's reference (model/fit/domain_sample.py) and the standard errors
(model/fit/standard_errors.py) handed in.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.linear.stream import state
from lifeexp_cli.linear.stream.state import State
from lifeexp_cli.model import record
from lifeexp_cli.model.fit.solvers import coefficients
from lifeexp_cli.model.fit.stream_solve import StreamSolution, imputed_counts, solution_notes, solution_params
from lifeexp_cli.model.spec import Spec


def source_was_stdin(data: dict) -> bool:
    return data["source"] == "-"


def stream_record(seen: State, spec: Spec, features: list[str], target: str, sol: StreamSolution,
                  skipped: int, data: dict, streamed: dict, more: dict | None = None,
                  calibration: dict | None = None, mae: float | None = None) -> dict:
    """The model record from the state and its solution (`record.build_record`, as the in-memory fit);
    `mae`: the training MAE, or None (no pass at the solution summed the absolute residuals)."""
    theta, cond, used = sol.solution.theta, sol.solution.condition_number, sol.used
    notes = solution_notes(seen, sol, spec, features)
    if source_was_stdin(data) and state.refinement_needed(sol.factor, theta):
        notes.append("the design is ill-conditioned and the data came from stdin, which can be read once: "
                     "the solution was not refined; give --data FILE for full accuracy")
    params = solution_params(sol, spec)
    rss = state.residual_sum(sol.factor, theta)
    ss_tot = float(seen.y.m2[0])
    train = {"rmse": float(np.sqrt(rss / used)), "mae": mae,
             "r2": 1.0 - rss / ss_tot if ss_tot > 0 else float("nan")}
    present = seen.present
    imputed = imputed_counts(seen, spec, features)
    return record.build_record(
        spec, target, features, params=params, coefficients=coefficients(params, features, spec.intercept),
        ranges={f: [float(lo), float(hi)] for f, lo, hi in zip(features, present.min, present.max)},
        means={f: float(m) for f, m in zip(features, present.mean)},
        metrics={"train": train, "test": None, "cv": None},
        rows=record.RowCounts(used, 0, skipped, seen.rows - used, imputed), split=None, data=data,
        condition_number=cond, warnings=notes, extra={"streamed": streamed, **(more or {})},
        calibration=calibration)
