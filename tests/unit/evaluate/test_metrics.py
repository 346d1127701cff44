"""RMSE, MAE, R² and their summary over folds, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.evaluate import metrics


def test_metrics_by_hand():
    y, yhat = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0])
    assert metrics.rmse(y, yhat) == pytest.approx(np.sqrt(0.5))
    assert metrics.mae(y, yhat) == pytest.approx(0.5)
    assert metrics.r2(y, yhat) == pytest.approx(1 - 2 / 5)
    summary = metrics.summarize([{"rmse": 1.0, "mae": 1.0, "r2": 0.5}, {"rmse": 3.0, "mae": 2.0, "r2": 0.7}])
    assert summary["rmse"] == 2.0 and summary["rmse_std"] == pytest.approx(np.sqrt(2))
