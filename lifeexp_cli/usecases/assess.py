"""How good is a specification, and which features: K-fold cross-validation and forward selection."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager


@dataclass(frozen=True)
class CrossValidated:
    """`lifeexp cv --format json`'s document, and whether its scores are optimistic (random folds that put
    other years of a held-out country in training)."""

    document: dict
    optimistic: bool


@dataclass(frozen=True)
class Selected:
    """`lifeexp select --format json`'s document (with the saved model's path under "model", or None) and
    the saved model's warnings (none when nothing was saved)."""

    document: dict
    warnings: tuple[str, ...] = ()


def _reader(read_table: Callable | None) -> Callable:
    from lifeexp_cli.data import dataset

    return read_table or dataset.load_design


def cross_validate(data, features, target: str, spec, *, folds: int = 5, split: str = "country",
                   fold_seed: int = 0, progress_bar: Callable[[], ContextManager] | None = None,
                   read_table: Callable | None = None) -> CrossValidated:
    """K-fold cross-validation of `spec` on the data: scores per fold and their mean ± std.

    read_table(data, features, target) -> (Table, Design) reads the data (default dataset.load_design);
    progress_bar() a context giving the training loop's per-epoch callback (or None)."""
    from lifeexp_cli.model.fit import scoring

    _, design = _reader(read_table)(data, features, target)
    with (progress_bar or nullcontext)() as progress:
        document = scoring.cross_validate_spec(design, spec, folds, split, fold_seed, progress)
    optimistic = split == "random" and len(set(design.groups.tolist())) < len(design.groups)
    return CrossValidated(document, optimistic)


def select(data, candidates, target: str, spec, *, folds: int = 5, split: str = "country", fold_seed: int = 0,
           max_features: int | None = None, save_as: str | None = None, name_flag: str = "--name",
           read_table: Callable | None = None, on_pairs: Callable[[list], None] | None = None,
           on_step: Callable[[dict], None] | None = None) -> Selected:
    """Greedy forward selection among `candidates` by cross-validated RMSE (the same folds for every
    candidate set); with `save_as` the chosen set is fitted on all rows and saved under that name.

    Callbacks: `on_pairs(pairs)` with the near-duplicate candidate pairs [(a, b, r)] before the search,
    `on_step(step)` after each feature is added."""
    from lifeexp_cli.data import dataset
    from lifeexp_cli.errors import DataError, UsageError
    from lifeexp_cli.evaluate import correlation, selection
    from lifeexp_cli.model import store
    from lifeexp_cli.model.fit import scoring
    from lifeexp_cli.model.fit.design import fit_design
    from lifeexp_cli.model.record import from_plain
    from lifeexp_cli.prep import splits

    if max_features is not None and max_features < 1:
        raise UsageError(f"--max-features must be at least 1, got {max_features}")
    path = None
    if save_as is not None:  # refused here, before any work
        path = store.output_path(save_as, None, inputs=[dataset.locate(data)], name_flag=name_flag)
        if spec.kind == "mlp":  # too big even on one feature: refused before the search, not after it
            store.check_network_size(spec.options["hidden"], 1)
    table, design = _reader(read_table)(data, candidates, target)
    empty = []
    if isinstance(candidates, str) and candidates.strip().lower() == "all":  # an empty column is no candidate
        import numpy as np

        empty = [f for j, f in enumerate(design.features) if np.isnan(design.X[:, j]).all()]
        design = dataset.with_features(design, [f for f in design.features if f not in empty])
        if not design.features:
            raise DataError("every candidate column is empty in the rows with a target: nothing to select")
    names = design.features
    selection.check_candidates(names)  # before the correlation matrix and the search, both quadratic
    held_out = splits.kfold(design.groups, folds, split, fold_seed, by_row=design.by_row)
    r, _ = correlation.matrix(design.X)
    pairs = correlation.collinear_pairs(r, names)
    if pairs and on_pairs is not None:
        on_pairs(pairs)
    tried = {"sets": 0}

    def count():
        tried["sets"] += 1

    score = scoring.subset_scorer(design, spec, held_out, count, design.groups if split == "country" else None)
    result = selection.forward_select(score, names, max_features, selection.twins_of(pairs), on_step=on_step)
    document = {
        "target": design.target, "features": result["features"],
        "cv_rmse": result["path"][-1]["cv_rmse"], "cv_rmse_std": result["path"][-1]["cv_rmse_std"],
        "fold_rmse": result["fold_rmse"], "path": result["path"], "skipped": result["skipped"],
        "stopped": result["stopped"], "candidates": names,
        "collinear_pairs": [{"a": a, "b": b, "r": v} for a, b, v in pairs],
        "k": folds, "split": split, "folds_by": scoring.folds_by(design, split), "seed": fold_seed, "spec": spec.describe(), "models_fitted": tried["sets"] * folds,
        "model": None,
    }
    notes = tuple(f"left out {', '.join(empty)}: no values in the rows with a target" for _ in empty[:1])
    if path is None:
        return Selected(document, notes)
    final = dataset.with_features(design, result["features"])
    record = from_plain(fit_design(final, spec, cv=folds, split=split, seed=fold_seed, data_sha256=table.sha256,
                                   source=table.source))
    document["model"] = str(store.save_record(record, path))
    return Selected(document, notes + record.warnings)


@dataclass(frozen=True)
class Evaluated:
    """A saved model's scores on data: the file read (`model`: where --model led, models/tim.joblib for
    `tim`), which rows (`scope`: "all rows", or "held-out rows" when the model kept held-out rows of this
    same file), RMSE, MAE and R² (`scores`), rows scored, rows without a target."""

    model: str
    scope: str
    scores: dict
    scored: int
    dropped: int


def evaluate(model: str, data: str | None = None, *, all_rows: bool = False, progress=None) -> Evaluated:
    """Score a saved model (a name or a path) on the data: on its own held-out rows when it was fitted with a
    held-out share of this same file (unless `all_rows`), else on every row with a target. `progress`: the
    data reader's byte progress."""
    import numpy as np

    from lifeexp_cli.data import dataset
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model import store
    from lifeexp_cli.model.predict import arrays

    record = store.load_record(model)
    table = dataset.read_table(data, progress=progress)
    design = dataset.design_for_model(table, record.as_mapping(), "evaluate it on")
    rows, scope = np.ones(len(design.y), dtype=bool), "all rows"
    if record.split is not None and not all_rows and record.data.sha256 == table.sha256:
        rows, scope = np.isin(design.rows, record.split.test_rows), "held-out rows"
    yhat = arrays.predict_record(record, design.X[rows])
    return Evaluated(record.path, scope, metrics.score(design.y[rows], yhat), int(rows.sum()),
                     design.dropped_target)
