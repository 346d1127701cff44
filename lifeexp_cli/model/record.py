"""The model record: the one place that builds the dict a model file holds, for every way of fitting
(in memory, streamed). Its keys and their order are the model file format (store.py reads it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lifeexp_cli import __version__
from lifeexp_cli.model.store import FORMAT, FORMAT_VERSION, plain


@dataclass(frozen=True)
class RowCounts:
    """Where the data's rows went."""

    train: int  # rows the model was fitted on
    test: int  # rows held out for the test score
    dropped_target: int  # rows without a target value
    dropped_missing: int  # rows dropped for a missing feature value (impute drop)
    imputed: dict  # feature -> number of values filled in

    def describe(self) -> dict:
        return {"train": self.train, "test": self.test, "dropped": self.dropped_target + self.dropped_missing,
                "dropped_target": self.dropped_target, "dropped_missing": self.dropped_missing,
                "imputed": self.imputed}


def header(spec, target: str, features: list[str]) -> dict:
    """The keys every model record starts with: format, versions, time, and what was fitted how."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "lifeexp_version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "kind": spec.kind,
        "target": target,
        "features": features,
        "intercept": spec.intercept,
        "solver": spec.solver,
        "spec": spec.describe(),
    }


def build_record(spec, target: str, features: list[str], *, params: dict, coefficients: dict | None,
                 ranges: dict, means: dict, metrics: dict, rows: RowCounts, split: dict | None, data: dict,
                 condition_number: float | None, warnings: list[str], extra: dict,
                 calibration: dict | None = None) -> dict:
    """The model record, in plain values.

    params: everything `arrays.predict` (model/predict/arrays.py) needs; coefficients: a linear model's, in original units (None
    for other kinds); ranges/means: per feature, of the training rows; metrics: train/test/cv scores;
    data: {sha256, source, rows}; extra: what only some fits have (training history, network, streamed);
    calibration: the prediction intervals' (model/fit/interval_calibration.py), kept under "calibration" when there is one.
    """
    record = {
        **header(spec, target, features),
        "params": params,
        "ranges": ranges,
        "means": means,
        "metrics": metrics,
        "rows": rows.describe(),
        "split": split,
        "data": data,
        "condition_number": condition_number,
        "warnings": warnings,
        **extra,
    }
    if coefficients is not None:
        record["coefficients"] = coefficients
        if spec.scale != "none":
            record["coefficients_scaled"] = {"intercept": params["bias"] if spec.intercept else None,
                                             **dict(zip(features, params["weights"]))}
    if calibration is not None:
        record["calibration"] = calibration
    return plain(record)
