"""Fit one model specification on arrays, and predict with what it learned.

The steps are the same for every model: impute (statistics from these rows only), scale (fitted on
these rows), solve, keep everything needed to predict in a plain `params` dict that the model file
stores. `fit_model` adds the split, the scores and cross-validation, and returns the model record
(`record.build_record`). Nothing here reads files or prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lifeexp_cli.errors import DataError, DesignError, LifeexpError, ParameterError
from lifeexp_cli.evaluate import cross_validation, domain, metrics
from lifeexp_cli.linear import closed_form, loss
from lifeexp_cli.model import inference as coefficient_inference
from lifeexp_cli.model import intervals, record, store
from lifeexp_cli.model.spec import Spec, check_solver, completed
from lifeexp_cli.nn import ensemble, regressor
from lifeexp_cli.optim import loop
from lifeexp_cli.prep import impute, scaling, skew, splits

if TYPE_CHECKING:
    from lifeexp_cli.data.dataset import Design  # pandas: not needed to fit arrays


# From this many rows a closed-form fit goes a block of rows at a time (`streamed.fit_arrays`): memory
# stays near X's own size instead of five or six copies of the design.
BLOCKED_ROWS = 100_000


@dataclass
class Fit:
    """What `fit` learned from the rows, with what the record says about them."""

    params: dict  # everything `predict` needs, as plain lists and floats
    rows_used: int
    rows_dropped: int  # rows dropped for missing features (impute drop)
    imputed: dict[str, int]
    condition_number: float | None = None
    warnings: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # solver-specific results (history, epochs, ...)


@dataclass
class Solved:
    """What a fitter returns."""

    params: dict  # the learned parameters, as plain lists and floats (weights and bias, or network)
    condition_number: float | None  # of the design (None for a network)
    warnings: list[str]
    extra: dict = field(default_factory=dict)  # what the record keeps besides: {"training": ...}, ...


@dataclass
class Prepared:
    """The rows a fitter sees: imputed and scaled with statistics of these rows only."""

    Xs: np.ndarray  # scaled design, without the intercept column
    y: np.ndarray
    stats: dict  # fill, center, scale (lists): how to prepare new rows the same way
    imputed: dict[str, int]  # feature -> number of values filled in
    dropped: int  # rows dropped for a missing value (impute drop)


def preprocess(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec) -> Prepared:
    """Impute and scale with statistics from these rows."""
    if len(y) == 0:
        raise DataError("no rows left to fit on: check the target column and missing values")
    fill = impute.fit_imputer(X_raw, spec.impute, features)
    if spec.impute == "drop":
        keep = impute.complete_rows(X_raw)
        X, y, counts = X_raw[keep], y[keep], np.zeros(len(features), dtype=int)
        if len(y) == 0:
            raise DesignError("every row has a missing feature value: use {impute} mean or median",
                              "impute", spec.impute)
    else:
        X, counts = impute.apply_imputer(X_raw, fill)
    logged = skew.skewed_columns(X) if spec.options.get("log_skewed") else None
    if logged is not None:
        X = skew.apply_log(X, logged)  # after the fill (raw units), before the scaler (log units)
    center, scale = scaling.fit_scaler(X, spec.scale, center=spec.intercept)
    stats = {"fill": fill.tolist(), "center": center.tolist(), "scale": scale.tolist()}
    if logged is not None and logged.any():
        stats["log"] = logged.tolist()
    imputed = {f: int(c) for f, c in zip(features, counts)}
    # X is this function's own copy (imputed or the kept rows): scale it in place, no third copy.
    return Prepared(scaling.transform(X, center, scale, out=X), y, stats, imputed, len(X_raw) - len(X))


def with_intercept(Xs: np.ndarray, intercept: bool) -> np.ndarray:
    return np.column_stack([np.ones(len(Xs)), Xs]) if intercept else Xs


def conditioning_warnings(Xs: np.ndarray, features: list[str], solver: str, cond: float,
                          full_rank: bool = True) -> list[str]:
    constant = [f for f, col in zip(features, Xs.T) if len(col) > 1 and np.ptp(col) == 0]
    notes = [f"feature(s) {', '.join(constant)} are constant in the training rows: their effect cannot be "
             "told apart from the intercept; drop them"] if constant else []
    return notes + conditioning_notes(closed_form.collinear_groups(Xs, features), solver, cond, full_rank)


def conditioning_notes(groups: list[tuple[list[str], float]], solver: str, cond: float,
                       full_rank: bool = True) -> list[str]:
    """Warnings for collinear feature groups and for an ill-conditioned (but full-rank) design."""
    notes = []
    for names, index in groups:
        strength = "exactly" if math.isinf(index) else "nearly"
        notes.append(f"features {', '.join(names)} are {strength} collinear (condition index "
                     f"{index:.3g}): their coefficients are unstable; drop one of them")
    if full_rank and cond > closed_form.ILL_CONDITIONED:
        digits = closed_form.digits_at_risk(cond, solver)
        notes.append(f"the design is ill-conditioned (condition number {cond:.3g}): about {digits:.0f} of 16 "
                     "digits are at risk with this solver; --scale standard removes the part due to units")
    return notes


def fit_closed_form(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                    on_epoch=None):
    design = with_intercept(Xs, spec.intercept)
    if design.shape[1] > len(y):
        raise DataError(f"{design.shape[1]} coefficients but only {len(y)} rows: use fewer features or more rows")
    solution = closed_form.solve(design, y, spec.solver)
    full_rank = solution.rank == design.shape[1]
    notes = conditioning_warnings(Xs, features, spec.solver, solution.condition_number, full_rank)
    notes.extend(rank_notes(solution.rank, design.shape[1]))
    return Solved(linear_params(solution.theta, spec.intercept), solution.condition_number, notes)


def fit_linear_iterative(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                         on_epoch=None):
    """θ by gradient descent on J(θ) = (1/n)Σ(Xθ − y)² with the spec's optimizer (loop.train)."""
    options = spec.options
    design = with_intercept(Xs, spec.intercept)
    p = design.shape[1]
    theta0 = np.zeros(p) if options["init"] == "zeros" else loop.init_rng(options["seed"]).normal(size=p)
    val_design = None if val is None else (with_intercept(val[0], spec.intercept), val[1])
    result = loop.train([theta0], loss.linear_loss_and_grad, loss.linear_loss, design, y, spec.solver,
                        options, val=val_design, on_epoch=on_epoch)
    (theta,) = result.params
    return Solved(linear_params(theta, spec.intercept), closed_form.condition_number(design), result.warnings,
                  {"training": result.summary()})


def linear_params(theta: np.ndarray, intercept: bool) -> dict:
    """A linear model's learned parameters from θ = [intercept,] weights (in scaled units)."""
    bias, weights = (float(theta[0]), theta[1:]) if intercept else (0.0, theta)
    return {"weights": weights.tolist(), "bias": bias}


def fit_network(Xs: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, val=None,
                on_epoch=None) -> Solved:
    """A neural network trained through the one loop (nn/regressor.py); it has no condition number."""
    trained = regressor.fit(Xs, y, spec.solver, spec.options, val=val, on_epoch=on_epoch)
    return Solved({"network": trained.network}, None, trained.training.warnings,
                  {"training": trained.training.summary(), "network": regressor.describe(trained.network)})


def rank_notes(rank: int, columns: int) -> list[str]:
    if rank >= columns:
        return []
    return [f"the design has rank {rank} < {columns} columns: the coefficients are not unique; lstsq "
            "returned the minimum-norm solution (in column-scaled units)"]


# kind/solver -> fitter(Xs, y, features, spec, *, val, on_epoch) -> Solved. An iterative fitter trains
# with loop.train; val is None or (Xs_val, y_val), already imputed and scaled with the training
# statistics; on_epoch(epoch, train_loss, val_loss) reports progress. The pairs are spec.SOLVERS'.
FITTERS = {("linear", s): fit_closed_form for s in closed_form.SOLVERS}
FITTERS.update({("linear", s): fit_linear_iterative for s in loop.SOLVERS})
FITTERS.update({("mlp", s): fit_network for s in loop.SOLVERS})


def preflight_warnings(X_raw: np.ndarray, features: list[str], spec: Spec) -> list[str]:
    """What is worth saying before an iterative fit starts (it may be slow, or diverge)."""
    if loop.is_iterative(spec.solver) and spec.scale == "none":
        return loop.range_spread_warning(X_raw, features)
    return []


def validation_mask(n: int, groups: np.ndarray | None, spec: Spec) -> np.ndarray | None:
    """Rows set aside to watch early stopping (`val_size`): whole groups when groups are given."""
    val_size = spec.options.get("val_size")
    if not val_size:
        return None
    units = groups if groups is not None else np.arange(n).astype(str)
    try:
        return splits.holdout(units, val_size, "country" if groups is not None else "random",
                              spec.options.get("seed", 0), parameter="val_size")
    except ParameterError as exc:
        raise ParameterError(exc.template + ", or {val_size} 0 for no validation split", "val_size", exc.value) \
            from None


def blocked(spec: Spec, rows: int) -> bool:
    """Whether a fit of this many rows goes a block of rows at a time (`streamed.fit_arrays`)."""
    return spec.kind == "linear" and spec.solver in closed_form.SOLVERS and rows >= BLOCKED_ROWS


def fit(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *, groups: np.ndarray | None = None,
        on_epoch=None) -> Fit:
    """Preprocess and solve. groups (one key per row) make a validation split (`val_size`) group-wise."""
    check_solver(spec.kind, spec.solver)
    spec = completed(spec)
    if is_ensemble(spec):
        from lifeexp_cli.model import ensembles  # it builds on this module

        return ensembles.fit_ensemble(X_raw, y, features, spec, groups=groups, on_epoch=on_epoch)
    if blocked(spec, len(y)):
        from lifeexp_cli.model import streamed  # it builds on this module

        return streamed.fit_arrays(X_raw, y, features, spec)
    val_rows = validation_mask(len(y), groups, spec)
    val = None
    if val_rows is not None:
        X_raw, y, X_val_raw, y_val = X_raw[~val_rows], y[~val_rows], X_raw[val_rows], y[val_rows]
    prepared = preprocess(X_raw, y, features, spec)
    if val_rows is not None:
        if spec.impute == "drop":
            keep = impute.complete_rows(X_val_raw)
            X_val_raw, y_val = X_val_raw[keep], y_val[keep]
        if len(y_val) == 0:
            raise DesignError("every validation row has a missing feature value: use {impute} mean "
                              "or median", "impute", spec.impute)
        val = (scaled_inputs(prepared.stats, X_val_raw), y_val)
    fitter = FITTERS[(spec.kind, spec.solver)]
    solved = fitter(prepared.Xs, prepared.y, features, spec, val=val, on_epoch=on_epoch)
    extra = solved.extra
    if val is not None:
        extra = {**extra, "training": {**extra.get("training", {}), "validation_rows": int(len(val[1]))}}
    return Fit({**prepared.stats, **solved.params}, len(prepared.y), prepared.dropped, prepared.imputed,
               solved.condition_number, solved.warnings, extra)


def scaled_inputs(params: dict, X_raw: np.ndarray) -> np.ndarray:
    X = np.where(np.isnan(X_raw), np.asarray(params["fill"]), X_raw)
    if "log" in params:
        X = skew.apply_log(X, params["log"])
    return scaling.transform(X, np.asarray(params["center"]), np.asarray(params["scale"]))


PREDICT_ROWS = 1 << 16  # rows per block: the scaled copy of the inputs stays small


def predict(kind: str, params: dict, X_raw: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Predictions for raw feature rows (NaN filled with the training statistics), a block at a time;
    with `rows` (indices), for those rows of X_raw only."""
    if kind not in ("linear", "mlp"):
        raise ParameterError("unknown model {kind} {value!r}", "kind", kind)
    count = len(X_raw) if rows is None else len(rows)
    if rows is None and count <= PREDICT_ROWS:
        return predict_block(kind, params, X_raw)
    blocks = (slice(start, start + PREDICT_ROWS) if rows is None else rows[start:start + PREDICT_ROWS]
              for start in range(0, count, PREDICT_ROWS))
    return np.concatenate([predict_block(kind, params, X_raw[block]) for block in blocks] or [np.empty(0)])


def predict_block(kind: str, params: dict, X_raw: np.ndarray) -> np.ndarray:
    Xs = scaled_inputs(params, X_raw)
    if kind == "linear":
        # Row by row, not a matrix product: BLAS may sum in another order for another number of rows, and
        # a person's prediction must not depend on who else is in the batch.
        return (Xs * np.asarray(params["weights"])).sum(axis=1) + params["bias"]
    return regressor.predict(params, Xs)


def prediction_spread(kind: str, params: dict, X_raw: np.ndarray) -> np.ndarray | None:
    """Per row, the standard deviation of an ensemble's member predictions (`--ensemble K`, K > 1) for
    raw feature rows; None for a linear model or a single network. A part of the error size only: it
    measures how much the prediction depends on the initial weights, not the noise of the data."""
    if kind != "mlp" or not params.get("members"):
        return None
    return ensemble.member_spread(params, scaled_inputs(params, X_raw))


def coefficients(params: dict, features: list[str], intercept: bool) -> dict:
    """Linear coefficients in original units: {'intercept': b or None, feature: w, ...}."""
    coef, bias = scaling.to_original_units(np.asarray(params["weights"]), params["bias"],
                                           np.asarray(params["center"]), np.asarray(params["scale"]))
    return {"intercept": bias if intercept else None, **{f: float(c) for f, c in zip(features, coef)}}


def feature_summary(X: np.ndarray, features: list[str]) -> tuple[dict, dict]:
    """Training ranges [min, max] and means per feature (missing values ignored)."""
    ranges, means = {}, {}
    for name, column in zip(features, X.T):
        present = column[~np.isnan(column)]
        ranges[name] = [float(present.min()), float(present.max())] if present.size else [None, None]
        means[name] = float(present.mean()) if present.size else None
    return ranges, means


def fold_predictor(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
                   groups: np.ndarray | None = None, spreads: np.ndarray | None = None) -> cross_validation.FitPredict:
    """What cross-validation fits on each fold: `spec` on the training rows, predicting the test rows.

    groups (one key per row, or None) make a validation split (`val_size`) group-wise, as in `fit`.
    spreads (an array as long as y, or None) receives a network ensemble's out-of-fold member spreads."""

    def fit_predict(train: np.ndarray, test: np.ndarray, on_epoch=None) -> np.ndarray:
        if blocked(spec, len(train)):  # the training rows are read in place, a block at a time
            from lifeexp_cli.model import streamed

            fitted = streamed.fit_arrays(X_raw, y, features, completed(spec), rows=train)
            test = np.flatnonzero(test) if test.dtype == bool else test
            return predict(spec.kind, fitted.params, X_raw, rows=test)
        fitted = fit(X_raw[train], y[train], features, spec, groups=None if groups is None else groups[train],
                     on_epoch=on_epoch)
        if spreads is not None and is_ensemble(spec):
            spreads[test] = prediction_spread(spec.kind, fitted.params, X_raw[test])
        return predict(spec.kind, fitted.params, X_raw[test])

    return fit_predict


def is_ensemble(spec: Spec) -> bool:
    """A network ensemble (`--ensemble K`, K > 1): its members' spread feeds the prediction interval."""
    return spec.kind == "mlp" and spec.options.get("ensemble", 1) > 1


def rows_of(mask: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """The rows of each array where mask holds: the arrays themselves when it holds everywhere."""
    return list(arrays) if mask.all() else [a[mask] for a in arrays]


def fit_model(design: Design, spec: Spec, *, cv: int | None = None, test_size: float | None = None,
              split: str = "country", seed: int = 0, data_sha256: str = "", source: str = "",
              progress=None, warn=None, se: str | None = None, calibrate_intervals: bool = True) -> dict:
    """Fit on the training rows (all rows unless `test_size`), score, and build the model record.

    progress(label) -> on_epoch callback or None: how an iterative fit reports each epoch (the final
    fit is labelled "fit", cross-validation fits "fold i/k"). warn(message) hears warnings known before
    fitting starts as soon as they are; every warning also ends up in the record. se: the standard errors
    of a linear model's coefficients (model/inference.py; default: clustered by country when rows cluster).
    calibrate_intervals False: no prediction-interval calibration (model/intervals.py says when there is one).
    """
    X, y, features = design.X, design.y, design.features
    spec = completed(spec)
    if spec.kind == "mlp":  # a network whose file the loader would refuse is refused before training
        store.check_network_size(spec.options["hidden"], len(features))
    se_type = coefficient_inference.choose_se(se, spec.kind, coefficient_inference.has_clusters(design.groups))
    held = (splits.holdout(design.groups, test_size, split, seed) if test_size is not None
            else np.zeros(len(y), bool))
    X_train, y_train, groups = rows_of(~held, X, y, design.groups)  # no copies when nothing is held out
    groups = groups if split == "country" else None
    early = preflight_warnings(X_train, features, spec)
    for note in early if warn else []:
        warn(note)
    fitted = fit(X_train, y_train, features, spec, groups=groups, on_epoch=progress("fit") if progress else None)
    train_pred = predict(spec.kind, fitted.params, X_train)
    train_ok = ~np.isnan(X_train).any(axis=1) if spec.impute == "drop" else slice(None)
    scores = {"train": metrics.score(y_train[train_ok], train_pred[train_ok]), "test": None, "cv": None}
    if test_size is not None:
        scores["test"] = metrics.score(y[held], predict(spec.kind, fitted.params, X[held]))
    out_of_fold = np.full(len(y), np.nan) if cv is not None else None
    spreads = np.full(len(y), np.nan) if cv is not None and is_ensemble(spec) else None
    if cv is not None:
        fit_predict = fold_predictor(X, y, features, spec, design.groups if split == "country" else None, spreads)
        scores["cv"] = cross_validation.cross_validate(y, design.groups, fit_predict, cv, split, seed, progress,
                                                       out_of_fold)
    calibration, calibration_notes = calibrate(design, spec, held, fitted.params["fill"], out_of_fold,
                                               cv or intervals.FOLDS, split, seed, spreads) if calibrate_intervals \
        else (None, [])
    ranges, means = feature_summary(X_train, features)
    extra = {**fitted.extra, "domain": domain_reference(X_train, design.groups[~held], fitted.params, spec),
             "inference": None}
    if se_type is not None:
        X_ok, y_ok, groups_ok = (X_train, y_train, design.groups[~held]) if isinstance(train_ok, slice) else \
            (X_train[train_ok], y_train[train_ok], design.groups[~held][train_ok])
        inferred, covariance = coefficient_inference.fitted_inference(
            fitted.params, X_ok, y_ok, groups_ok, features, spec.intercept, se_type)
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


def calibrate(design: Design, spec: Spec, held: np.ndarray, fill: list[float], out_of_fold: np.ndarray | None,
              k: int, split: str, seed: int, spreads: np.ndarray | None = None) -> tuple[dict | None, list[str]]:
    """The prediction-interval calibration of a fit (model/intervals.py says when there is one) and what
    to warn about it. Out-of-fold predictions of the fit's own cross-validation are reused when they
    judge whole countries; an exact linear fit otherwise gets 5 country folds of its own (milliseconds).
    An iterative fit (a network, or a linear model by gd, sgd, momentum or adam) is calibrated only on
    its cross-validation: more trainings only for the intervals would multiply its time by six.
    spreads: a network ensemble's out-of-fold member spreads from that cross-validation (or None)."""
    by_row = len(np.unique(design.groups)) == len(design.groups)  # no country column: each row its own group
    exact = spec.kind == "linear" and not loop.is_iterative(spec.solver)
    reuse = out_of_fold is not None and not held.any() and (split == "country" or by_row or not exact)
    if not reuse and not exact:
        return None, []
    X, y, groups = rows_of(~held, design.X, design.y, design.groups)
    units = len(np.unique(groups))
    notes = []
    if by_row:
        notes.append(intervals.BY_ROW_NOTE)
    elif reuse and split != "country":
        notes.append("prediction intervals are calibrated on folds of random rows (--split random): they are "
                     "too narrow for countries the model never saw; fit with --split country for honest intervals")
    if not reuse:
        k = intervals.FOLDS
        if units < k:
            return None, notes + [intervals.too_few_note(k, "rows" if by_row else "countries", units)]
        out_of_fold = np.empty(len(y))
        spreads = np.empty(len(y)) if is_ensemble(spec) else None
        folds = splits.kfold(groups, k, "random" if by_row else "country", seed)
        try:
            cross_validation.scores_on_folds(y, folds, fold_predictor(X, y, design.features, spec, groups, spreads),
                                             predictions=out_of_fold)
        except LifeexpError as exc:
            return None, notes + [intervals.unfitted_note(exc)]
    method = "rows" if by_row else ("country" if not reuse or split == "country" else "random")
    return intervals.calibrate_rows(X, y, groups, fill, out_of_fold, folds=k, split=method,
                                    complete_only=spec.impute == "drop", spread=spreads), notes


def domain_reference(X_raw: np.ndarray, groups: np.ndarray, params: dict, spec: Spec) -> dict | None:
    """What the domain check keeps (evaluate/domain.py): a sample of the training rows as the model saw
    them (missing values filled; complete rows only for impute drop), a country's rows leaving each other
    out. The sample is drawn first, so a large design is not copied."""
    usable = np.flatnonzero(impute.complete_rows(X_raw)) if spec.impute == "drop" else np.arange(len(X_raw))
    chosen = usable[domain.pick(len(usable), domain.sample_size(X_raw.shape[1]))]
    X = np.where(np.isnan(X_raw[chosen]), np.asarray(params["fill"]), X_raw[chosen])
    return domain.reference(X, groups[chosen], sampled_from=len(usable))
