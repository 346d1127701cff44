"""Predict: one person from their values, or the rows of a CSV in constant memory. No numpy or pandas on
the path of one person (`lifeexp predict --bmi 24.1` starts fast)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Iterator, NamedTuple

if TYPE_CHECKING:
    from lifeexp_cli.model.record import ModelRecord


class Predicted(NamedTuple):  # not a dataclass: making one costs `predict` a millisecond of start-up
    """One person's prediction (`model/predict/prediction.py: PersonPrediction`) and the notes for the user, in
    order: features filled with the training mean, values outside the training range, an input unlike
    the training data, intervals asked of a model without calibration."""

    person: object
    warnings: tuple[str, ...]


def uncalibrated(record: ModelRecord, level: float) -> list[str]:
    """The one note for intervals asked of a model that has no calibration."""
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.model.predict import intervals

    if level and not intervals.calibrated(record):
        return [intervals.missing_note(record, prediction.model_name(record))]
    return []


def default_level(record: ModelRecord, level: float) -> tuple[float, list[str]]:
    """The level of the intervals when the user asked for none: `level` (predict's default, 0.9), or 0 (no
    intervals) with the note saying why when the model's calibration rests on too few rows for it (a fit on
    a 7-row CSV): a default the user never typed must not refuse the prediction, as --level 0.9 asked does."""
    from lifeexp_cli.model.predict import intervals, prediction

    rows = intervals.shortfall(record, level)
    if rows is None:
        return level, []
    return 0, [f"no prediction intervals: model {prediction.model_name(record)} was calibrated on "
               f"{rows} rows, a {level:.0%} interval needs at least {intervals.rows_needed(level)}; "
               f"--level {intervals.highest_level(rows):g} or lower gives them"]


def predict_person(record: ModelRecord, person: dict[str, float], *, level: float = 0, strict: bool = False) -> Predicted:
    """The model's prediction for one person's values (names or aliases; height and weight give bmi), with
    its interval at `level` (0: none) and the domain judgement. `strict`: a left-out feature is an error
    instead of taking the training mean."""
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.model.predict import intervals

    intervals.check_level(level)
    notes: list[str] = []
    found = prediction.predict_person(record, person, notes, level=level, strict=strict)
    return Predicted(found, tuple(notes + uncalibrated(record, level)))


class PredictedRows(NamedTuple):
    """A CSV's predictions, block by block as `blocks` is consumed (model/predict/prediction.py: predict_blocks):
    its header line `head` and separator `sep`, the `columns` the predictions add, `interval` ({"level",
    "method"} when the blocks carry bounds, else None), and `counts`: `missing` (features without a
    column, filled with the training mean) at once; rows, filled, outside and unlike as blocks are read."""

    head: bytes
    sep: str
    blocks: Iterator
    columns: list
    interval: dict | None
    counts: dict


def predict_rows(record: ModelRecord, source: IO[bytes], *, level: float = 0, strict: bool = False) -> PredictedRows:
    """Predictions for every row of a CSV read from `source` (bytes), with intervals at `level` when the
    model is calibrated; `strict`: a feature without a column is an error instead of its training mean."""
    from lifeexp_cli.model.predict import prediction
    from lifeexp_cli.model.predict import intervals

    counts: dict = {}
    head, sep, blocks = prediction.predict_blocks(record, source, counts, level, strict)
    interval = ({"level": level, "method": record.calibration.method}
                if level and intervals.calibrated(record) else None)
    return PredictedRows(head, sep, blocks, prediction.output_columns(record, level), interval, counts)
