"""Fit a design in memory to a model record: the split, the fit of the training rows, the scores,
cross-validation, the interval calibration, the domain check's reference and the coefficients'
standard errors (`record.build_record`). Nothing here reads files or prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifeexp_cli.errors import LifeexpError
from lifeexp_cli.evaluate import cross_validation, domain, metrics, shift
from lifeexp_cli.model import record, store
from lifeexp_cli.model.fit import domain_sample, interval_calibration
from lifeexp_cli.model.fit import standard_errors
from lifeexp_cli.model.fit.in_memory import OutOfFold, fit_arrays, fold_fitter, fold_predictor, is_ensemble
from lifeexp_cli.model.fit.prepared import rows_of
from lifeexp_cli.model.fit.solvers import coefficients, preflight_warnings
from lifeexp_cli.model.predict.arrays import predict, predict_run
from lifeexp_cli.model.spec import Spec, completed
from lifeexp_cli.optim import loop
from lifeexp_cli.prep import impute, splits

if TYPE_CHECKING:
    from lifeexp_cli.data.dataset import Design  # pandas: not needed to fit arrays


def feature_summary(X: np.ndarray, features: list[str]) -> tuple[dict, dict]:
    """Training ranges [min, max] and means per feature (missing values ignored)."""
    ranges, means = {}, {}
    for name, column in zip(features, X.T):
        ranges[name], means[name] = column_summary(column)
    return ranges, means


SUMMARY_ROWS = 1 << 14  # rows of a column read at a time for its summary


def column_summary(column: np.ndarray) -> tuple[list, float | None]:
    """([min, max], mean) of a column's present values (not NaN), SUMMARY_ROWS rows at a time: the mean is
    numpy's of the array of them to the bit (its pairwise sum, evaluate/shift.py `pairwise_total`, over the
    present values in order), without that array."""
    low, high, count = np.inf, -np.inf, 0
    for start in range(0, len(column), SUMMARY_ROWS):
        part = column[start:start + SUMMARY_ROWS]
        present = part[~np.isnan(part)]
        if present.size:
            low, high, count = min(low, present.min()), max(high, present.max()), count + present.size
    if not count:
        return [None, None], None
    return [float(low), float(high)], float(shift.pairwise_total(PresentValues(column), count) / count)


class PresentValues:
    """A column's present values (not NaN), in order, a run at a time: `[a:b]` gives the a-th to (b−1)-th of
    them, each run starting where the previous one stopped (as `pairwise_total` asks for its pieces)."""

    def __init__(self, column: np.ndarray):
        self.column, self.row, self.given = column, 0, 0

    def __call__(self, rows: slice) -> np.ndarray:
        if rows.start != self.given:
            raise ValueError("present values are read in order, each run after the previous one")
        out, filled = np.empty(rows.stop - rows.start), 0
        while filled < len(out):
            part = self.column[self.row:self.row + SUMMARY_ROWS]
            at = np.flatnonzero(~np.isnan(part))[:len(out) - filled]  # the rows giving the values still needed
            out[filled:filled + len(at)] = part[at]
            filled += len(at)
            if not len(part):
                raise ValueError("the column has fewer present values than asked for")
            self.row += int(at[-1]) + 1 if filled == len(out) and len(at) else len(part)
        self.given = rows.stop
        return out


def in_sample_score(kind: str, params: dict, X: np.ndarray, y: np.ndarray, rows) -> dict[str, float]:
    """The scores of the fit's predictions for its own training rows `rows` (a mask, or every row): `metrics.score`'s
    numbers, with one array as long as y at a time (R²'s total first, then the residuals, scored in place); a
    linear model's on every row with none: its residuals are made a piece at a time (`piecewise_score`)."""
    if kind == "linear" and isinstance(rows, slice) and rows == slice(None):
        return piecewise_score(params, X, y)
    y = y[rows]
    total = metrics.total_squares(y)
    residuals = predict(kind, params, X)[rows]
    return metrics.score_residuals(np.subtract(residuals, y, out=residuals), total)


def piecewise_score(params: dict, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """`metrics.score_residuals` of a linear model's residuals ŷ − y on every row of X, bit for bit, without an
    array of them: numpy's sums over the whole arrays (pairwise) made a piece at a time (evaluate/shift.py
    `pairwise_total`), each piece's predictions those `predict` makes for its rows (`predict_run`)."""
    n = len(y)
    total = standard_errors.total_sum(y, True)  # metrics.total_squares(y), a piece at a time

    def absolute(rows):
        residuals = np.subtract(predict_run("linear", params, X, rows.start, rows.stop), y[rows])
        return np.abs(residuals, out=residuals)

    def squared(rows):
        values = absolute(rows)
        return np.multiply(values, values, out=values)

    mean_absolute = float(np.float64(shift.pairwise_total(absolute, n)) / n)
    sum_squares = np.float64(shift.pairwise_total(squared, n))
    return {"rmse": float(np.sqrt(sum_squares / n)), "mae": mean_absolute,
            "r2": float(1.0 - sum_squares / total) if total > 0 else float("nan")}


def fit_design(design: Design, spec: Spec, *, cv: int | None = None, test_size: float | None = None,
               split: str = "country", seed: int = 0, data_sha256: str = "", source: str = "",
               progress=None, warn=None, se: str | None = None, calibrate_intervals: bool = True) -> dict:
    """Fit on the training rows (all rows unless `test_size`), score, and build the model record.

    progress(label) -> on_epoch callback or None: how an iterative fit reports each epoch (the final
    fit is labelled "fit", cross-validation fits "fold i/k"). warn(message) hears warnings known before
    fitting starts as soon as they are; every warning also ends up in the record. se: the standard errors
    of a linear model's coefficients (model/fit/standard_errors.py; default: clustered by country when rows cluster).
    calibrate_intervals False: no prediction-interval calibration (model/fit/interval_calibration.py says when
    there is one).
    """
    X, y, features = design.X, design.y, design.features
    spec = completed(spec)
    if spec.kind == "mlp":  # a network whose file the loader would refuse is refused before training
        store.check_network_size(spec.options["hidden"], len(features))
    clustered = standard_errors.has_clusters(design.groups)  # False: no country column, each row its own group
    se_type = standard_errors.choose_se(se, spec.kind, clustered)
    held = (splits.holdout(design.groups, test_size, split, seed) if test_size is not None
            else np.zeros(len(y), bool))
    X_train, y_train, groups_train = rows_of(~held, X, y, design.groups)  # no copies when nothing is held out
    groups = groups_train if split == "country" else None
    early = preflight_warnings(X_train, features, spec)
    for note in early if warn else []:
        warn(note)
    fitted = fit_arrays(X_train, y_train, features, spec, groups=groups, on_epoch=progress("fit") if progress else None)
    train_ok = impute.complete_rows(X_train) if spec.impute == "drop" else slice(None)
    scores = {"train": in_sample_score(spec.kind, fitted.params, X_train, y_train, train_ok), "test": None, "cv": None}
    if test_size is not None:
        scores["test"] = metrics.score(y[held], predict(spec.kind, fitted.params, X, rows=np.flatnonzero(held)))
    out_of_fold = np.full(len(y), np.nan) if cv is not None else None
    spreads = np.full(len(y), np.nan) if cv is not None and is_ensemble(spec) else None
    if cv is not None:
        fit_predict = fold_predictor(X, y, features, spec, design.groups if split == "country" else None, spreads)
        scores["cv"] = cross_validation.cross_validate(y, design.groups, fit_predict, cv, split, seed, progress,
                                                       out_of_fold, by_row=design.by_row)
    folds = cv or interval_calibration.FOLDS
    # The domain check's reference: the training rows as one chunk, chosen exactly (model/fit/domain_sample.py).
    sample = domain_sample.update(domain_sample.start(len(features)), X_train, groups_train,
                                  spec.impute == "drop")
    reference, reference_groups, own = domain_sample.finish_with_distances(sample, fitted.params["fill"])
    calibration, calibration_notes = calibrate(design, spec, held, fitted.params["fill"], out_of_fold, folds, split,
                                               seed, spreads, (reference, reference_groups),
                                               measured(reference, own, X_train, sample.size, spec.impute == "drop"),
                                               by_row=not clustered) \
        if calibrate_intervals else (None, [])
    ranges, means = feature_summary(X_train, features)
    extra = {**fitted.extra, "domain": reference, "inference": None}
    if se_type is not None:
        inferred, covariance = standard_errors.fitted_inference(
            fitted.params, X_train, y_train, groups_train, features, spec.intercept, se_type, spec.impute == "drop")
        extra.update(inference=inferred, coefficient_covariance=covariance)
    return record.build_record(
        spec, design.target, features, params=fitted.params,
        coefficients=coefficients(fitted.params, features, spec.intercept) if spec.kind == "linear" else None,
        ranges=ranges, means=means, metrics=scores,
        rows=record.RowCounts(fitted.rows_used, int(held.sum()), design.dropped_target, fitted.rows_dropped,
                              fitted.imputed),
        split={"method": split, "seed": seed, "test_size": test_size,
               "test_rows": design.rows[held].tolist()} if test_size is not None else None,
        data={"sha256": data_sha256, "source": source, "rows": len(y) + design.dropped_target},
        condition_number=fitted.condition_number, warnings=early + fitted.warnings + calibration_notes,
        extra=extra, calibration=calibration)


def measured(reference: dict | None, own, X_train: np.ndarray, size: int, drop: bool) -> tuple | None:
    """(training rows, their distances to the reference rows of other countries) that the domain
    reference measured already (its own rows, leaving out their countries), for the calibration not to
    measure them again; None when its distances are not those (it leaves out rows, not countries)."""
    if reference is None or reference["leave_out"] != "group":
        return None
    rows, _ = domain_sample.exact_rows(X_train, size, drop)
    return (rows, own) if len(rows) == len(own) else None


def calibrate(design: Design, spec: Spec, held: np.ndarray, fill: list[float], out_of_fold: np.ndarray | None,
              k: int, split: str, seed: int, spreads: np.ndarray | None = None,
              reference: tuple = (None, None), known: tuple | None = None, *,
              by_row: bool) -> tuple[dict | None, list[str]]:
    """The prediction-interval calibration of a fit (model/fit/interval_calibration.py says when there is one) and what
    to warn about it. Out-of-fold predictions of the fit's own cross-validation are reused when they
    judge whole countries; an exact linear fit otherwise gets 5 country folds of its own (milliseconds).
    An iterative fit (a network, or a linear model by gd, sgd, momentum or adam) is calibrated only on
    its cross-validation: more trainings only for the intervals would multiply its time by six.
    spreads: a network ensemble's out-of-fold member spreads from that cross-validation (or None).
    reference: (the domain check's reference, the country of each of its rows), whose distances the
    shift calibration's error-size model uses (model/fit/interval_calibration.py `finish`); known: the
    distances of some training rows measured already (`measured`), or None; by_row: each row is its own
    group (no country column)."""
    exact = spec.kind == "linear" and not loop.is_iterative(spec.solver)
    reuse = out_of_fold is not None and not held.any() and (split == "country" or by_row or not exact)
    if not reuse and not exact:
        return None, []
    X, y, groups = rows_of(~held, design.X, design.y, design.groups)
    ok, notes = interval_calibration.plan(not by_row, interval_calibration.FOLDS,
                                          None if reuse else splits.distinct_count(groups))
    if reuse and split != "country" and not by_row:
        notes.append("prediction intervals are calibrated on folds of random rows (--split random): they are "
                     "too narrow for countries the model never saw; fit with --split country for honest intervals")
    if not ok:
        return None, notes
    if reuse:  # the folds cross_validation.cross_validate used, each row's
        fold = splits.fold_codes(design.groups, k, split, seed, by_row=by_row)
    else:  # an exact linear fit: its fold models, each row's residual remade from them where it is read
        k = interval_calibration.FOLDS
        fold = splits.fold_codes(groups, k, "random" if by_row else "country", seed)
        fit = fold_fitter(X, y, design.features, spec, groups)
        try:  # each fold's training rows as cross-validation takes them (the rows of the other folds)
            models = [fit(fold != f).params for f in range(k)]
        except LifeexpError as exc:
            return None, notes + [interval_calibration.unfitted_note(exc)]
        out_of_fold = OutOfFold(spec.kind, models, X, y, fold)
    method = "rows" if by_row else ("country" if not reuse or split == "country" else "random")
    statuses = None if design.statuses is None else rows_of(~held, design.statuses)[0]
    # The training rows as one chunk, every row kept: the same collection and finish as a stream's sample.
    residuals = np.subtract(y, out_of_fold) if reuse else out_of_fold  # the fold models' remade by blocks
    found = interval_calibration.Residuals(X, residuals, fold, statuses, groups, spreads)
    collected = interval_calibration.collect(None, found, spec.impute == "drop")
    # The residuals (a new array, or remade ones) are ours: the calibration's scores may overwrite them.
    calibration, more = interval_calibration.finish(collected, fill, folds=k, split=method, reference=reference,
                                                    known=known, overwrite=True)
    return calibration, notes + more
