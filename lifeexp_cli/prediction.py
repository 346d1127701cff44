"""Predicting with a loaded model record: single people and CSV streams. No pandas, so it starts fast."""

from __future__ import annotations

import csv
import math
from typing import IO, Iterator

import numpy as np

from lifeexp_cli import catalog, fitting, people
from lifeexp_cli.errors import DataError, UsageError

CHUNK_ROWS = 8192


def resolve_inputs(record: dict, given: dict[str, float], warnings: list[str]) -> dict[str, float]:
    """Map typed names/aliases onto the model's features (height+weight -> bmi); unknown names fail."""
    given = people.with_bmi(given, warnings)
    values: dict[str, float] = {}
    for typed, value in given.items():
        name = catalog.resolve(typed, record["features"], what=f"feature for model {record['path']}")
        if name in values:
            raise UsageError(f"{name} is given twice: give each feature once")
        values[name] = value
    return values


def complete(record: dict, values: dict[str, float], strict: bool, warnings: list[str],
             who: str = "") -> np.ndarray:
    """One input row in the model's feature order; a left-out feature takes the training mean."""
    left_out = [f for f in record["features"] if f not in values]
    if left_out and strict:
        raise UsageError(f"{who}missing {', '.join('--' + f.replace('_', '-') for f in left_out)} "
                         "(--strict): give every feature of the model")
    if left_out:
        filled = ", ".join(f"{f}={record['means'][f]:.4g}" for f in left_out)
        warnings.append(f"{who}not given, filled with the training mean: {filled}")
    row = [values.get(f, record["means"][f]) for f in record["features"]]
    warnings.extend(range_warnings(record, dict(zip(record["features"], row)), who))
    return np.array([row], dtype=float)


def range_warnings(record: dict, values: dict[str, float], who: str = "") -> list[str]:
    notes = []
    for name, value in values.items():
        low, high = record["ranges"].get(name, [None, None])
        if low is not None and not low <= value <= high:
            notes.append(f"{who}{name}={value:.4g} is outside the training range [{low:.4g}, {high:.4g}]: "
                         "the prediction is an extrapolation")
    return notes


def predict_one(record: dict, row: np.ndarray) -> float:
    return float(fitting.predict(record["kind"], record["params"], row)[0])


def _cell(text: str, column: str) -> float:
    text = text.strip()
    if text == "" or text.lower() in {"na", "nan", "n/a", "null"}:
        return math.nan
    if column == catalog.STATUS_COLUMN and text.lower() in {"developed", "developing"}:
        return 1.0 if text.lower() == "developed" else 0.0
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"column {column} has a non-numeric value {text!r}: fix it or leave the cell empty") \
            from None
    if math.isinf(value):
        raise DataError(f"column {column} has an infinite value: remove it or leave the cell empty")
    return value


def _chunks(reader: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for row in reader:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_chunk(rows: list[list[str]], index: list[int], features: list[str], first_row: int) -> np.ndarray:
    try:
        return np.array([[_cell(r[i], f) for i, f in zip(index, features)] for r in rows], dtype=float)
    except IndexError:
        short = next(n for n, r in enumerate(rows) if len(r) <= max(index))
        raise DataError(f"row {first_row + short} of the --input CSV has fewer cells than its header: "
                        "fix that row") from None


def predict_stream(record: dict, source: IO[str], counts: dict) -> tuple[list[str], Iterator]:
    """The CSV's header, and its rows chunk by chunk with their predictions; constant memory.

    `counts` is filled in as chunks are consumed: rows, filled (blank cells), outside (training range).
    """
    reader = csv.reader(source)
    header = next(reader, None)
    if not header:
        raise DataError("the --input CSV is empty: give a header row and data rows")
    canonical = [catalog.canonical(h) for h in header]
    columns = {}
    for feature in record["features"]:
        hits = [i for i, c in enumerate(canonical) if c == feature or catalog.ALIASES.get(c) == feature]
        if hits:
            columns[feature] = hits[0]
    missing = [f for f in record["features"] if f not in columns]
    if missing:
        raise DataError(f"the --input CSV lacks column(s) {', '.join(missing)} that model {record['path']} "
                        "needs: add them (blank cells are filled with the training statistics)")
    index = [columns[f] for f in record["features"]]
    low = np.array([record["ranges"][f][0] for f in record["features"]], dtype=float)
    high = np.array([record["ranges"][f][1] for f in record["features"]], dtype=float)
    counts.update(rows=0, filled=0, outside=0)

    def chunks():
        for number, rows in enumerate(_chunks(reader, CHUNK_ROWS)):
            X = _parse_chunk(rows, index, record["features"], first_row=number * CHUNK_ROWS + 2)
            counts["filled"] += int(np.isnan(X).sum())
            counts["outside"] += int(((X < low) | (X > high)).any(axis=1).sum())
            counts["rows"] += len(rows)
            yield rows, fitting.predict(record["kind"], record["params"], X)

    return header, chunks()
