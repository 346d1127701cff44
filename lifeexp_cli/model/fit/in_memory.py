"""Fit one model specification on arrays in memory: impute (statistics from these rows only), scale
(fitted on these rows), solve, keep everything needed to predict in a plain `params` dict that the model
file stores. A large closed-form fit goes a block of rows at a time through the streamed fit's state
(`stream_solve.fit_blocked`); a network ensemble trains its members (`ensemble_members`). The fold
predictor is what cross-validation fits on each fold; the interval calibration of an exact linear fit keeps
its fold models instead of their predictions (`OutOfFold` remakes the residuals a block at a time). Nothing
here reads files or prints.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import DesignError
from lifeexp_cli.evaluate import cross_validation
from lifeexp_cli.model.fit.ensemble_members import fit_ensemble_members
from lifeexp_cli.model.fit.prepared import Fit, preprocess, validation_mask
from lifeexp_cli.model.fit.solvers import FITTERS
from lifeexp_cli.model.fit.stream_solve import fit_blocked
from lifeexp_cli.model.predict.arrays import predict, prediction_spread, scaled_inputs
from lifeexp_cli.model.spec import Spec, check_solver, completed
from lifeexp_cli.linear import closed_form
from lifeexp_cli.prep import impute


# From this many rows a closed-form fit goes a block of rows at a time (`stream_solve.fit_blocked`): memory
# stays near X's own size instead of five or six copies of the design.
BLOCKED_ROWS = 100_000
# A fold's fit and predictions take this many rows at a time: each block's temporaries (the rows taken out
# of X, [1, X, y], the refinement's extended-precision rows) are a few MB, not a few tens (a multiple of
# linear/stream/tsqr.py's BLOCK_ROWS).
FOLD_BLOCK_ROWS = 16_384


def blocked(spec: Spec, rows: int) -> bool:
    """Whether a fit of this many rows goes a block of rows at a time (`stream_solve.fit_blocked`)."""
    return spec.kind == "linear" and spec.solver in closed_form.SOLVERS and rows >= BLOCKED_ROWS


def fit_arrays(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *,
               groups: np.ndarray | None = None, on_epoch=None) -> Fit:
    """Preprocess and solve. groups (one key per row) make a validation split (`val_size`) group-wise."""
    check_solver(spec.kind, spec.solver)
    spec = completed(spec)
    if is_ensemble(spec):
        return fit_ensemble_members(X_raw, y, features, spec, groups=groups, on_epoch=on_epoch)
    if blocked(spec, len(y)):
        return fit_blocked(X_raw, y, features, spec)
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


def is_ensemble(spec: Spec) -> bool:
    """A network ensemble (`--ensemble K`, K > 1): its members' spread feeds the prediction interval."""
    return spec.kind == "mlp" and spec.options.get("ensemble", 1) > 1


def fold_fitter(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
                groups: np.ndarray | None = None):
    """fit(train, on_epoch=None) -> `Fit` of `spec` on the training rows (a boolean mask), as cross-validation
    fits each fold: a blocked fit reads the rows in place, a block at a time. groups as in `fold_predictor`."""

    def fit(train: np.ndarray, on_epoch=None) -> Fit:
        if blocked(spec, len(train)):  # the training rows are read in place, a block at a time
            return fit_blocked(X_raw, y, features, completed(spec), FOLD_BLOCK_ROWS, rows=train)
        return fit_arrays(X_raw[train], y[train], features, spec, groups=None if groups is None else groups[train],
                          on_epoch=on_epoch)

    return fit


def fold_predictor(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec,
                   groups: np.ndarray | None = None, spreads: np.ndarray | None = None) -> cross_validation.FitPredict:
    """What cross-validation fits on each fold: `spec` on the training rows, predicting the test rows.

    groups (one key per row, or None) make a validation split (`val_size`) group-wise, as in `fit_arrays`.
    spreads (an array as long as y, or None) receives a network ensemble's out-of-fold member spreads."""
    fit = fold_fitter(X_raw, y, features, spec, groups)

    def fit_predict(train: np.ndarray, test: np.ndarray, on_epoch=None) -> np.ndarray:
        fitted = fit(train, on_epoch)
        if blocked(spec, len(train)):
            test = np.flatnonzero(test) if test.dtype == bool else test
            predicted = np.empty(len(test))  # filled a block at a time: no list of blocks to join
            for start in range(0, len(test), FOLD_BLOCK_ROWS):
                rows = slice(start, start + FOLD_BLOCK_ROWS)
                predicted[rows] = predict(spec.kind, fitted.params, X_raw, rows=test[rows])
            return predicted
        if spreads is not None and is_ensemble(spec):
            spreads[test] = prediction_spread(spec.kind, fitted.params, X_raw[test])
        return predict(spec.kind, fitted.params, X_raw[test])

    return fit_predict


class OutOfFold:
    """The out-of-fold residuals y − ŷ of a linear model's folds, remade from the fold models a block of rows at
    a time: `[start:stop]` gives those rows' residuals, each row predicted by the model of its fold (fold[i]:
    models[fold[i]], fitted without the row). The same bits as an array of them made by cross-validation
    (`fold_predictor` predicting each fold's rows, then y minus the predictions): a linear model predicts row by
    row, whichever rows are predicted with it (model/predict/arrays.py), and the rows are taken out of X as
    cross-validation takes them (by index). Memory: a block's, not 8 bytes a row (evaluate/shift.py reads
    residuals a block at a time: `remade`)."""

    remade = True

    def __init__(self, kind: str, models: list[dict], X_raw: np.ndarray, y: np.ndarray, fold: np.ndarray):
        self.kind, self.models, self.X, self.y, self.fold = kind, models, X_raw, y, fold

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, step = rows.indices(len(self.y))
        if step != 1:
            raise ValueError("out-of-fold residuals are remade for a run of rows (step 1)")
        fold = self.fold[start:stop]
        predicted = np.empty(max(stop - start, 0))
        for k, params in enumerate(self.models):
            at = np.flatnonzero(fold == k)
            if len(at):
                predicted[at] = predict(self.kind, params, self.X, rows=start + at)
        return np.subtract(self.y[start:stop], predicted, out=predicted)

    def values(self, block_rows: int = FOLD_BLOCK_ROWS) -> np.ndarray:
        """Every row's residual in one array (as cross-validation's would be), made a block at a time."""
        out = np.empty(len(self))
        for start in range(0, len(out), block_rows):
            out[start:start + block_rows] = self[start:start + block_rows]
        return out
