"""A scikit-learn estimator around lifeexp's fit: use it in `cross_val_score`, `GridSearchCV`, pipelines.

    from sklearn.model_selection import GroupKFold, cross_val_score
    from lifeexp_cli.estimator import LifeexpRegressor

    data = lifeexp_cli.load_data(features="bmi,adult_mortality,hiv")
    cross_val_score(LifeexpRegressor(), data.X, data.y, groups=data.groups, cv=GroupKFold(5),
                    scoring="neg_root_mean_squared_error")

Needs scikit-learn (`pip install lifeexp[sklearn]`); the command line never imports this module.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from lifeexp_cli import api


class LifeexpRegressor(RegressorMixin, BaseEstimator):
    """lifeexp's model (linear or a small network) with scikit-learn's fit/predict contract.

    The hyperparameters are those of `lifeexp_cli.fit`; `options` holds the training and network
    options (`{"lr": 0.01, "epochs": 200}`, `{"hidden": [16]}`). Missing values (NaN) in X are imputed
    as `impute` says, with statistics of the training rows only.

    Attributes after `fit`:
        record_: the model record, as `lifeexp fit` would save it (`lifeexp_cli.save_model(est.record_, path)`)
        n_features_in_: number of columns of X
        feature_names_in_: (n_features_in_,) column names, when X was a DataFrame with string names
        coef_: (n_features_in_,) weights in the units of X (linear models only)
        intercept_: the prediction at X = 0 (linear models only)
    """

    def __init__(self, model: str = "linear", solver: str | None = None, scale: str | None = None,
                 impute: str = "mean", intercept: bool = True, seed: int = 0, options: dict | None = None):
        self.model = model
        self.solver = solver
        self.scale = scale
        self.impute = impute
        self.intercept = intercept
        self.seed = seed
        self.options = options

    def fit(self, X, y, groups=None):
        """Fit on X (rows × features; NaN allowed) and y; `groups` (e.g. countries) keep a network's
        validation split by group, as in `lifeexp fit`. Returns self."""
        from lifeexp_cli.data.dataset import Design

        names = [str(c) for c in X.columns] if hasattr(X, "columns") else None
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).ravel()
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with one row per value of y, got shapes {X.shape} and {y.shape}")
        features = names or [f"x{j}" for j in range(X.shape[1])]
        rows = np.arange(len(y))
        keys = rows.astype(str) if groups is None else np.asarray(groups).astype(str)
        design = Design(X, y, keys, rows, features, "y", 0)
        self.record_ = api.fit(design, model=self.model, solver=self.solver, scale=self.scale,
                               impute=self.impute, intercept=self.intercept, seed=self.seed,
                               split="country" if groups is not None else "random", intervals=False,
                               **(self.options or {}))
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = np.array(names, dtype=object)
        if self.record_["kind"] == "linear":
            coefficients = self.record_["coefficients"]
            self.intercept_ = coefficients.get("intercept") or 0.0
            self.coef_ = np.array([coefficients[f] for f in self.record_["features"]])
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "record_")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[-1]} features, but this model was fitted on {self.n_features_in_}")
        return api.predict(self.record_, X)
