"""Predictions of a model's parameters for raw feature rows (arrays): missing values filled with the
training statistics, scaled, then the linear combination or the network; a network ensemble's spread.
What cross-validation, `predict --input`, `compare` and the intervals call.

The math takes the parameters as plain values (`params`: the dict a fit builds, or a saved record's
`Parameters.as_mapping()`): cross-validation predicts with parameters that are never a record.
`predict_record` and `record_spread` are the same for a typed record (model/record.py ModelRecord).
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.nn import ensemble, regressor
from lifeexp_cli.prep import scaling, skew


def scaled_inputs(params: dict, X_raw: np.ndarray) -> np.ndarray:
    """The rows filled, logged where the model logs, and scaled: a new array (X_raw is never changed),
    scaled in place."""
    X = np.where(np.isnan(X_raw), np.asarray(params["fill"]), X_raw)
    if "log" in params:
        X = skew.apply_log(X, params["log"])
    return scaling.transform(X, np.asarray(params["center"]), np.asarray(params["scale"]), out=X)


def predict_record(record, X_raw: np.ndarray) -> np.ndarray:
    """`predict` with a saved model's typed record."""
    return predict(record.kind, record.params.as_mapping(), X_raw)


def record_spread(record, X_raw: np.ndarray) -> np.ndarray | None:
    """`prediction_spread` with a saved model's typed record."""
    return prediction_spread(record.kind, record.params.as_mapping(), X_raw)


PREDICT_ROWS = 1 << 16  # rows per block: the scaled copy of the inputs stays small


def predict(kind: str, params: dict, X_raw: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Predictions for raw feature rows (NaN filled with the training statistics), a block at a time;
    with `rows` (indices), for those rows of X_raw only."""
    if kind not in ("linear", "mlp"):
        raise ParameterError("unknown model {kind} {value!r}", "kind", kind)
    count = len(X_raw) if rows is None else len(rows)
    if rows is None and count <= PREDICT_ROWS:
        return predict_block(kind, params, X_raw)
    predictions = np.empty(count)
    for start in range(0, count, PREDICT_ROWS):
        block = slice(start, start + PREDICT_ROWS) if rows is None else rows[start:start + PREDICT_ROWS]
        predictions[start:start + PREDICT_ROWS] = predict_block(kind, params, X_raw[block])
    return predictions


def predict_run(kind: str, params: dict, X_raw: np.ndarray, start: int, stop: int) -> np.ndarray:
    """predict(kind, params, X_raw)[start:stop] for a linear model, bit for bit, without predicting the other
    rows. A linear prediction is made row by row, but a row's sum may be ordered by the layout of the rows
    taken with it (a run of rows of a column-major X is summed column after column; one row alone, as a
    contiguous row): each row is predicted with rows of the block `predict` takes it in, and alone only when
    that block is the row alone."""
    if kind != "linear":
        raise ParameterError("a run of rows is predicted alone for a linear model only, not {kind} {value!r}",
                             "kind", kind)
    n = len(X_raw)
    step = max(n, 1) if n <= PREDICT_ROWS else PREDICT_ROWS  # `predict`'s blocks
    out = np.empty(max(stop - start, 0))
    for block in range(start - start % step, stop, step):
        low, high, end = max(start, block), min(stop, block + step), min(block + step, n)
        first = low - 1 if high - low == 1 and low > block else low  # a lone row with a neighbour of its block
        last = min(max(high, first + 2), end)
        out[low - start:high - start] = predict_block(kind, params, X_raw[first:last])[low - first:high - first]
    return out


def predict_block(kind: str, params: dict, X_raw: np.ndarray) -> np.ndarray:
    Xs = scaled_inputs(params, X_raw)
    if kind == "linear":
        # Row by row, not a matrix product: BLAS may sum in another order for another number of rows, and
        # a person's prediction must not depend on who else is in the batch.
        return np.multiply(Xs, np.asarray(params["weights"]), out=Xs).sum(axis=1) + params["bias"]
    return regressor.predict(params, Xs)


def prediction_spread(kind: str, params: dict, X_raw: np.ndarray) -> np.ndarray | None:
    """Per row, the standard deviation of an ensemble's member predictions (`--ensemble K`, K > 1) for
    raw feature rows; None for a linear model or a single network. A part of the error size only: it
    measures how much the prediction depends on the initial weights, not the noise of the data."""
    if kind != "mlp" or not params.get("members"):
        return None
    return ensemble.member_spread(params, scaled_inputs(params, X_raw))
