"""Compare saved models side by side: each one's prediction for each person, and, with cross-validation
on the same folds, which model is better and by how much. No numpy on the path without cross-validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

if TYPE_CHECKING:
    from lifeexp_cli.model.record import ModelRecord

# The shipped models, compared when none is named.
SHIPPED = ("tim-bmi", "tom-gdp", "tim", "tom")


class Compared(NamedTuple):  # not a dataclass: making one costs `compare` a millisecond of start-up
    """The comparison (evaluate/comparison.py: `Comparison`, its `warnings` included; a model without
    intervals is one whose `intervals` are empty) and, per model name, each person's prediction interval
    (None: none asked, or the model is not calibrated); `short`: the models calibrated, but on too few rows
    for the default level (`compare`'s `chosen`), which give no intervals (a warning says so)."""

    result: object
    bounds: dict
    short: list = []


def compare(models: list[str] | None, persons: list[tuple[str, dict]], *, level: float = 0, cv: int | None = None,
            data: str | None = None, split: str = "country", seed: int = 0, ensemble: int | None = None,
            read_table: Callable | None = None, chosen: bool = True) -> Compared:
    """Each model's prediction for each person (name, {feature: value}), with intervals at `level`; with
    `cv` K, every model cross-validated again on `data` over the same K folds (networks as ensembles of
    `ensemble` members), which gives the paired comparison and the verdict. models None: the shipped ones.
    read_table(data) -> Table reads the data (default dataset.read_table). chosen: the level is the user's;
    False (a default they never typed), a model calibrated on too few rows for it gives no intervals, with a
    warning, instead of stopping the comparison (as `predict` does, usecases/predict.py `default_level`)."""
    from lifeexp_cli.errors import UsageError
    from lifeexp_cli.evaluate import comparison  # statistics: imported when comparing, not for --help
    from lifeexp_cli.model import store
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.model.predict import intervals

    intervals.check_level(level)
    names = list(models or SHIPPED)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"model {twice[0]} is named twice: list each model once")
    if cv is None and data is not None:
        raise UsageError("--data is read only with --folds K (to cross-validate the models again): add --folds 5")
    if cv is None and ensemble is not None:
        raise UsageError("--ensemble applies when the networks are trained again: add --folds 5")
    records = [store.load_record(name) for name in names]
    if cv is not None:
        records = cross_validate_again(records, data, cv, split, seed, ensemble, read_table)
    levels, notes = [level] * len(records), []
    if level and not chosen:
        from lifeexp_cli.usecases.predict import default_level

        for i, record in enumerate(records):
            levels[i], said = default_level(record, level)
            notes += said
    predictions, warnings, details = prediction.for_people(records, persons, levels)
    warnings = notes + warnings
    if models is None:  # the lecture's four by name: say which of them are the user's own
        warnings = shadowing(names) + warnings
    result = comparison.compare_models(names, records, predictions, [who for who, _ in persons], warnings, details)
    short = [name for name, used in zip(names, levels) if used != level]
    return Compared(result, dict(zip(names, [d["intervals"] for d in details])), short)


def shadowing(names: list[str]) -> list[str]:
    """A note for each name that finds a model of the user's (in ./models/ or $LIFEEXP_MODELS) where a shipped
    model of that name exists: compared when no --model is given, it stands in for the shipped one."""
    from lifeexp_cli.model import store

    return [f"{name} is {store.resolve(name)}, a model of yours, not the shipped {name} (a saved model's name "
            f"comes first): rename yours, or name the shipped one with --model {shipped}"
            for name in names if (shipped := store.shadowed(name)) is not None]


def cross_validate_again(records: list[ModelRecord], data: str | None, k: int, split: str, seed: int,
                         ensemble: int | None = None, read_table: Callable | None = None) -> list[ModelRecord]:
    """Read the data once and let every model be cross-validated again on it, over the same folds: the
    records with the new CV scores (and, with `ensemble`, a network's spec with that many members).

    The refit takes the records' plain values (model/fit/scoring.py `cross_validate_records` writes the
    scores into them); what it changed comes back into the typed records with `dataclasses.replace`."""
    from dataclasses import replace

    from lifeexp_cli.data import dataset
    from lifeexp_cli.evaluate import comparison
    from lifeexp_cli.model.fit import scoring
    from lifeexp_cli.model.record import Metrics, SpecPart, to_plain

    comparison.check_one_target(records)
    table = (read_table or dataset.read_table)(data)
    designs = [dataset.design_for_model(table, record.as_mapping(), "cross-validate on") for record in records]
    stored = [to_plain(record) for record in records]
    scoring.cross_validate_records(stored, designs, k, split, seed, ensemble)
    return [replace(record, spec=SpecPart.from_plain(plain["spec"]), metrics=Metrics.from_plain(plain["metrics"]))
            for record, plain in zip(records, stored)]
