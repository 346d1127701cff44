"""The solve of a streamed fit: from the merged least-squares state to the fill values, the scaler, the
design's factor and θ (`solution`), refined by corrected semi-normal equations (`refine`), with the
warnings and parameters the record keeps. `fit_blocked` runs the same state over rows in memory, a block
at a time (the in-memory fit of a large closed-form design).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from lifeexp_cli.data.sources import CHUNK_ROWS
from lifeexp_cli.errors import DataError, DesignError
from lifeexp_cli.linear import closed_form
from lifeexp_cli.linear.stream import state
from lifeexp_cli.linear.stream.state import Factor, State
from lifeexp_cli.model.fit.prepared import Fit
from lifeexp_cli.model.fit.solvers import conditioning_notes, constant_note, linear_params, rank_notes
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import scaling


@dataclass
class StreamSolution:
    """What the state gives once the fill values are known: the scaler, the design's factor and θ."""

    fill: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    factor: Factor  # of the imputed, scaled design
    solution: closed_form.Solution  # θ = [intercept,] weights in scaled units; refinement updates it
    used: int  # rows fitted on
    columns: int  # columns of the design


def solution(seen: State, spec: Spec, features: list[str], medians: np.ndarray | None) -> StreamSolution:
    """Fill, scaler, the design's factor and θ from the state (before any refinement)."""
    fill = state.fill_values(seen, features, medians)
    used = state.used_rows(seen)
    if used == 0:
        raise DesignError("every row has a missing feature value: use {impute} mean or median",
                          "impute", spec.impute)
    columns = len(features) + spec.intercept
    if columns > used:
        raise DataError(f"{columns} coefficients but only {used} row{'s' * (used != 1)}: use fewer features or more rows")
    moments = state.imputed_moments(seen, fill)
    center, scale = scaling.scaler_from_statistics(spec.scale, len(features), moments, center=spec.intercept)
    factor = state.design_factor(seen, state.design_map(seen, fill, center, scale, spec.intercept))
    return StreamSolution(fill, center, scale, factor, state.solve(factor, used, spec.solver), used, columns)


def correction_of(rows: Iterator, sol: StreamSolution, spec: Spec) -> np.ndarray:
    """Xᵀ(y − Xθ) over (raw X, y) blocks of rows, in long double: one refinement step's right-hand side."""
    correction = state.correction_start(sol.columns)
    for X, y in rows:
        if spec.impute == "drop":
            complete = ~np.isnan(X).any(axis=1)
            X, y = X[complete], y[complete]
        design = state.design_rows(X, sol.fill, sol.center, sol.scale, spec.intercept)
        correction = state.correction_update(correction, design, y, sol.solution.theta)
    return correction


def refine(sol: StreamSolution, spec: Spec, correction: Callable[[StreamSolution], np.ndarray]) -> int:
    """Corrected semi-normal equations, one pass over the rows per step (`correction(sol)`: Xᵀ(y − Xθ) over
    every row, at sol's θ), when the estimated loss of digits is large (as the in-memory lstsq refines
    every time): θ += (RᵀR)⁻¹Xᵀ(y − Xθ), residuals in long double, until a step no longer changes θ.
    Updates sol.solution.theta; returns the number of passes made."""
    if spec.solver != "lstsq" or sol.solution.rank < sol.columns or \
            not state.refinement_needed(sol.factor, sol.solution.theta):
        return 0
    for step in range(1, closed_form.REFINEMENT_STEPS + 1):
        delta = state.correction_solve(sol.factor.R, correction(sol))
        sol.solution.theta = sol.solution.theta + delta
        if closed_form.converged(delta, sol.solution.theta):
            break
    return step


def fit_blocked(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
                block_rows: int = CHUNK_ROWS, rows: np.ndarray | None = None) -> Fit:
    """The closed-form fit of rows already in memory, a block of rows at a time through the streamed
    fit's state: the same answer as `in_memory.fit_arrays` to rounding, without the copies of the whole design
    that imputing, scaling, QR and refinement otherwise make (five or six times X's size).
    rows: fit on these rows only (indices or a mask; a fold's training rows), never copied whole (a mask's
    indices neither: `picked_rows` finds them a block at a time)."""

    def blocks():
        for picked in picked_rows(len(y), rows, block_rows):
            yield X_raw[picked], y[picked]

    seen = state.start(X_raw.shape[1], spec.impute)
    for X, y_block in blocks():
        seen = state.update(seen, X, y_block)
    medians = None
    if spec.impute == "median":
        state.fill_values(seen, features)  # fails clearly on a feature without values
        medians = np.array([np.nanmedian(X_raw[:, j] if rows is None else X_raw[rows, j])
                            for j in range(X_raw.shape[1])])
    sol = solution(seen, spec, features, medians)
    refine(sol, spec, lambda at: correction_of(blocks(), at, spec))
    used = sol.used
    moments = state.imputed_moments(seen, sol.fill)
    constant = [f for f, lo, hi in zip(features, moments["min"], moments["max"]) if lo == hi and used > 1]
    notes = constant_note(constant) + solution_notes(seen, sol, spec, features)
    return Fit(solution_params(sol, spec), used, seen.rows - used, imputed_counts(seen, spec, features),
                       sol.solution.condition_number, notes, {})


def picked_rows(n: int, rows: np.ndarray | None, block_rows: int) -> Iterator:
    """The rows of an n-row design, block_rows of them at a time, in order: slices of all n (rows None),
    pieces of an index array, or the indices where a boolean mask holds, found a run of the mask at a time
    (the same blocks as the mask's np.flatnonzero cut into pieces, without that array: 8 bytes a row)."""
    if rows is None:
        yield from (slice(start, start + block_rows) for start in range(0, n, block_rows))
        return
    if rows.dtype != bool:
        yield from (rows[start:start + block_rows] for start in range(0, len(rows), block_rows))
        return
    pending, waiting = [], 0
    for start in range(0, len(rows), block_rows):
        found = np.flatnonzero(rows[start:start + block_rows])
        found += start
        pending.append(found)
        waiting += len(found)
        while waiting >= block_rows:
            joined = np.concatenate(pending)
            yield joined[:block_rows]
            pending, waiting = [joined[block_rows:]], waiting - block_rows
    if waiting:
        yield np.concatenate(pending)


def solution_notes(seen: State, sol: StreamSolution, spec: Spec, features: list[str]) -> list[str]:
    """Collinear features, an ill-conditioned design and a deficient rank, as the in-memory fit says them."""
    rank, cond = sol.solution.rank, sol.solution.condition_number
    notes = conditioning_notes(collinear_groups(seen, sol, features, spec.intercept), spec.solver,
                                       cond, rank >= sol.columns)
    return notes + (rank_notes(rank, sol.columns) if spec.solver == "lstsq" else [])


def solution_params(sol: StreamSolution, spec: Spec) -> dict:
    """What `predict` needs: the fill, the scaler and θ (in scaled units), as plain lists."""
    return {"fill": sol.fill.tolist(), "center": sol.center.tolist(), "scale": sol.scale.tolist(),
            **linear_params(sol.solution.theta, spec.intercept)}


def imputed_counts(seen: State, spec: Spec, features: list[str]) -> dict[str, int]:
    """Values filled in per feature (none with impute drop, which leaves those rows out)."""
    return {f: 0 if spec.impute == "drop" else int(seen.rows - n) for f, n in zip(features, seen.present.n)}


def collinear_groups(seen: State, sol: StreamSolution, features: list[str], intercept: bool):
    """Belsley's diagnostics from the factor of the centred features (the trailing block of [1, Xs]'s)."""
    if len(features) < 2:
        return []
    with_ones = sol.factor.R if intercept else state.design_factor(
        seen, state.design_map(seen, sol.fill, sol.center, sol.scale, True)).R
    centred = state.centred_factor(with_ones)
    # A constant feature has a centred norm at rounding level, relative to its uncentred norm.
    varying = np.linalg.norm(centred, axis=0) > 1e-12 * np.linalg.norm(with_ones[:, 1:], axis=0)
    return closed_form.centred_collinear_groups(centred, features, varying, state.used_rows(seen))
