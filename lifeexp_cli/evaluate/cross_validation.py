"""K-fold cross-validation: every fold held out once, the model fitted on the other rows each time.

What "the model" is stays outside this module: a `FitPredict` fits on the training rows and predicts the
held-out ones (model/fit/in_memory.py `fold_predictor` makes one from a specification), so this is pure
numpy and knows nothing of specifications, records or files.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from lifeexp_cli.evaluate import metrics
from lifeexp_cli.prep import splits

# fit_predict(train, test, on_epoch) -> predictions for the rows `test`, having fitted on the rows where
# the boolean mask `train` is true; on_epoch (or None) hears an iterative fit's progress.
FitPredict = Callable[[np.ndarray, np.ndarray, Optional[Callable]], np.ndarray]


class FoldRows:
    """The test rows (indices) of each fold, from each row's fold (prep/splits.py `fold_codes`): one fold's
    indices made at a time, as it is used, not every fold's at once (8 bytes a row)."""

    def __init__(self, fold_of_row: np.ndarray, k: int):
        self.fold_of_row, self.k = fold_of_row, k

    def __len__(self) -> int:
        return self.k

    def __iter__(self):
        return (np.flatnonzero(self.fold_of_row == f) for f in range(self.k))


def scores_on_folds(y: np.ndarray, folds: list[np.ndarray], fit_predict: FitPredict,
                    progress=None, predictions: np.ndarray | None = None) -> list[dict[str, float]]:
    """RMSE, MAE, R² on each given test fold (row indices; a list, or `FoldRows`), the model fitted on the other
    rows each time.

    progress(label) -> on_epoch callback (or None), called once per fold ("fold 2/5"). predictions, if
    given (an array as long as y), receives each row's out-of-fold prediction.
    """
    scores = []
    for i, test in enumerate(folds, start=1):
        train = np.ones(len(y), dtype=bool)
        train[test] = False
        on_epoch = progress(f"fold {i}/{len(folds)}") if progress else None
        predicted = fit_predict(train, test, on_epoch)
        del train
        if predictions is not None:
            predictions[test] = predicted
        y_test = y[test]  # our copy: it becomes the residuals, scored in place (metrics.score's numbers)
        total = metrics.total_squares(y_test)
        scores.append(metrics.score_residuals(np.subtract(predicted, y_test, out=y_test), total))
    return scores


def cross_validate(y: np.ndarray, groups: np.ndarray, fit_predict: FitPredict, k: int, split: str = "country",
                   seed: int = 0, progress=None, predictions: np.ndarray | None = None, *, by_row: bool = False) -> dict:
    """Mean and spread of RMSE, MAE, R² over k folds (whole groups per fold unless split='random');
    predictions, if given, receives the out-of-fold predictions (`scores_on_folds`). by_row: the groups are
    the rows themselves (splits.kfold)."""
    folds = FoldRows(splits.fold_codes(groups, k, split, seed, by_row=by_row), k)
    return {**metrics.summarize(scores_on_folds(y, folds, fit_predict, progress, predictions)), "k": k,
            "split": split, "seed": seed}
