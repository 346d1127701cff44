"""Predict: one person from their values. No numpy or pandas on this path (`lifeexp predict` starts fast)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Predicted:
    """One person's prediction (`model/prediction.py: PersonPrediction`) and the notes for the user, in
    order: features filled with the training mean, values outside the training range, an input unlike
    the training data, intervals asked of a model without calibration."""

    person: object
    warnings: tuple[str, ...]


def uncalibrated(record: dict, level: float) -> list[str]:
    """The one note for intervals asked of a model that has no calibration."""
    from lifeexp_cli.model import intervals, prediction

    if level and not intervals.calibrated(record):
        return [intervals.missing_note(record, prediction.model_name(record))]
    return []


def predict_person(record: dict, person: dict[str, float], *, level: float = 0, strict: bool = False) -> Predicted:
    """The model's prediction for one person's values (names or aliases; height and weight give bmi), with
    its interval at `level` (0: none) and the domain judgement. `strict`: a left-out feature is an error
    instead of taking the training mean."""
    from lifeexp_cli.model import intervals, prediction

    intervals.check_level(level)
    notes: list[str] = []
    found = prediction.predict_person(record, person, notes, level=level, strict=strict)
    return Predicted(found, tuple(notes + uncalibrated(record, level)))
