"""Fitting an ensemble of networks (`--ensemble K`): K networks from different initial weights, averaged.

The members share the rows, the imputation and the scaling (statistics of all the training rows), so
one set of statistics serves them all in the model file. Each member has its own seed (nn/ensemble.py:
member_seeds): its initial weights, its mini-batch order and the countries it sets aside for early
stopping (`val_size`) differ, so each member stops on a different validation set and every training row
trains most of the members. A single network (K = 1) is fitted as before, by `in_memory.fit_arrays`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lifeexp_cli.model.notes import worded
from lifeexp_cli.model.fit.prepared import Fit, preprocess, validation_mask
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.nn import ensemble, regressor
from lifeexp_cli.prep import impute


def fit_ensemble_members(X_raw: np.ndarray, y: np.ndarray, features: list[str], spec: Spec, *,
                         groups: np.ndarray | None = None, on_epoch=None) -> Fit:
    """Preprocess once, then train spec.options["ensemble"] networks, each with its own seed."""
    k = spec.options["ensemble"]
    ensemble.check_size(len(features), spec.options["hidden"], k)
    prepared = preprocess(X_raw, y, features, spec)
    if groups is not None and spec.impute == "drop":
        groups = groups[impute.complete_rows(X_raw)]
    runs, validation_rows = [], []
    for seed in ensemble.member_seeds(spec.options["seed"], k):
        member = replace(spec, options={**spec.options, "seed": seed})
        val_rows = validation_mask(len(prepared.y), groups, member)
        if val_rows is None:
            Xs, target, val = prepared.Xs, prepared.y, None
        else:
            Xs, target = prepared.Xs[~val_rows], prepared.y[~val_rows]
            val = (prepared.Xs[val_rows], prepared.y[val_rows])
        runs.append(regressor.fit(Xs, target, spec.solver, member.options, val=val, on_epoch=on_epoch))
        validation_rows.append(0 if val is None else int(len(val[1])))
    first = runs[0]
    training = first.training.summary()
    if validation_rows[0]:
        training["validation_rows"] = validation_rows[0]
    extra = {"training": training, "network": regressor.describe(first.network),
             "ensemble": {"members": k, "seeds": ensemble.member_seeds(spec.options["seed"], k),
                          "epochs_run": [r.training.epochs_run for r in runs],
                          "final_val_loss": [r.training.summary()["final_val_loss"] for r in runs]}}
    notes = worded(dict.fromkeys(fact for r in runs for fact in r.training.notes))
    params = {**prepared.stats, "network": first.network, "members": [r.network for r in runs[1:]]}
    return Fit(params, len(prepared.y), prepared.dropped, prepared.imputed, None, notes, extra)
