"""Predicting with a loaded model record: single people and CSV streams. No pandas, so it starts fast.

The record is the typed one (model/record.py ModelRecord, as store.load_record gives it). A single
prediction of a linear model is plain Python arithmetic on its parameters (numpy is not even imported: `lifeexp predict --bmi 24.1` starts in the time Python, Typer and the model file take).
A CSV stream is read in blocks of whole lines: the feature columns are parsed with numpy and each input
line is written back byte for byte with the prediction appended, in constant memory.
"""

from __future__ import annotations

import math
import re
from typing import IO, TYPE_CHECKING, Iterator, NamedTuple

from lifeexp_cli.data import catalog, people  # byte_records and csv_text where a CSV is read
from lifeexp_cli.errors import DataError, ModelError, UsageError
from lifeexp_cli.evaluate import domain
from lifeexp_cli.model.predict import intervals

if TYPE_CHECKING:
    from lifeexp_cli.model.record import ModelRecord


def model_name(record: ModelRecord) -> str:
    """How messages name a model: its file, or "in memory" for a record fitted in this session."""
    return record.path or "in memory"


def resolve_inputs(record: ModelRecord, given: dict[str, float], warnings: list[str]) -> dict[str, float]:
    """Map typed names/aliases onto the model's features (height+weight -> bmi); unknown names fail."""
    given = people.with_bmi(given, warnings)
    values: dict[str, float] = {}
    for typed, value in given.items():
        name = catalog.resolve(typed, record.features, what=f"feature for model {model_name(record)}")
        if name in values:
            raise UsageError(f"{name} is given twice: give each feature once")
        values[name] = value
    return values


def complete(record: ModelRecord, values: dict[str, float], strict: bool, warnings: list[str],
             who: str = "") -> list[float]:
    """One input row in the model's feature order; a left-out feature takes the training mean."""
    left_out = [f for f in record.features if f not in values]
    if left_out and strict:
        raise UsageError(f"{who}missing {', '.join('--' + f.replace('_', '-') for f in left_out)} "
                         "(--strict): give every feature of the model")
    if left_out:
        filled = ", ".join(f"{f}={record.means[f]:.4g}" for f in left_out)
        warnings.append(f"{who}not given, filled with the training mean: {filled}")
    row = [float(values.get(f, record.means[f])) for f in record.features]
    warnings.extend(range_warnings(record, dict(zip(record.features, row)), who))
    return row


def person_row(record: ModelRecord, person: dict[str, float], warnings: list[str], *, strict: bool = False,
               lenient: bool = False, who: str = "") -> tuple[list[float], list[str]]:
    """A person's values as the model's input row, and the features filled with the training mean: the one
    way from typed names and values to a row (`predict`, `compare`, the Python API). Names and aliases map
    onto features, height and weight give bmi; an unknown name is an error, unless `lenient` (compare's
    people, who carry values for several models), where values this model does not use are ignored.
    Notes (features filled, values outside the training range) go to `warnings`, prefixed with `who`."""
    if lenient:
        values = people.with_bmi(person, warnings) if "height" in person or "weight" in person else dict(person)
        usable = {}
        for typed, value in values.items():
            key = catalog.canonical(typed)
            name = key if key in record.features else catalog.ALIASES.get(key)
            if name in record.features:
                usable[name] = value
    else:
        usable = resolve_inputs(record, person, warnings)
    filled = [f for f in record.features if f not in usable]
    return complete(record, usable, strict, warnings, who), filled


class PersonPrediction(NamedTuple):  # not a dataclass: making one costs start-up time
    """One person's prediction: the completed input row (feature order), the features filled with the
    training mean, the prediction, its interval (None: none asked, or the model is not calibrated) and
    the domain judgement (None: the model file keeps no reference)."""

    row: list
    filled: list
    value: float
    interval: dict | None
    domain: dict | None


def predict_person(record: ModelRecord, person: dict[str, float], warnings: list[str], *, level: float = 0,
                   strict: bool = False, lenient: bool = False, who: str = "") -> PersonPrediction:
    """From a person's values to a prediction, its interval at `level` and the domain judgement; notes go
    to `warnings` (`person_row`)."""
    row, filled = person_row(record, person, warnings, strict=strict, lenient=lenient, who=who)
    value = predict_one(record, row)
    judged = judge_domain(record, row, warnings, who)
    distance = None if judged is None else judged["distance"]
    interval = intervals.interval_one(record, row, value, level, distance)
    note = intervals.narrow_note(record, distance) if interval else None
    if note:
        warnings.append(who + note)
    return PersonPrediction(row, filled, value, interval, judged)


def range_warnings(record: ModelRecord, values: dict[str, float], who: str = "") -> list[str]:
    notes = []
    for name, value in values.items():
        low, high = record.ranges.get(name, (None, None))
        if low is not None and not low <= value <= high:
            notes.append(f"{who}{name}={value:.4g} is outside the training range [{low:.4g}, {high:.4g}]: "
                         "the prediction is an extrapolation")
    return notes


def judge_domain(record: ModelRecord, row: list[float], warnings: list[str], who: str = "") -> dict | None:
    """Is the completed input row like the training rows, jointly (evaluate/domain.py)? A warning when
    not; None for a model file without the check's reference (written before it, or on too few rows)."""
    if record.domain is None:
        return None
    reference = record.domain.as_mapping()
    judged = domain.judge(reference, row, record.features)
    if not judged["in_domain"]:
        warnings.append(who + domain.describe(reference, judged, dict(zip(record.features, row))))
    return judged


def judge_batch(record: ModelRecord, X, counts: dict, found=None):
    """The domain check of rows X (raw, NaN filled as the model fills them): (distances, in_domain,
    threshold, the rows as checked), or None for a model file without the check's reference; counts rows
    out of domain (`unlike`). found: `domain.searcher` of the reference, to reuse it block after block."""
    if record.domain is None:
        return None
    import numpy as np

    filled = np.where(np.isnan(X), record.params.fill, X)
    distances, inside = domain.judge_rows(record.domain.as_mapping(), filled, found)
    counts["unlike"] = counts.get("unlike", 0) + int((~inside).sum())
    return distances, inside, record.domain.threshold, filled


def domain_flags(record: ModelRecord, X, counts: dict) -> dict:
    """{"in_domain": True/False per row of X} for a model file with the check's reference, else {}."""
    judged = judge_batch(record, X, counts)
    return {} if judged is None else {"in_domain": judged[1].astype(bool)}


def linear_value(params, row: list[float]) -> float:
    """b + Σ wⱼ·(xⱼ − cⱼ)/sⱼ, a missing xⱼ taking its fill value: `arrays.predict` for one row (params: the
    record's Parameters)."""
    total = 0.0
    for x, fill, center, scale, weight in zip(row, params.fill, params.center, params.scale, params.weights):
        total += weight * (((fill if math.isnan(x) else x) - center) / scale)
    return total + params.bias


def predict_one(record: ModelRecord, row) -> float:
    """The prediction for one row (a list of floats in feature order, or a 1 × p array)."""
    if hasattr(row, "ravel"):
        row = row.ravel().tolist()
    if record.is_linear:
        value = linear_value(record.params, row)
    else:
        import numpy as np

        from lifeexp_cli.model.predict import arrays

        value = float(arrays.predict_record(record, np.array([row], dtype=float))[0])
    if not math.isfinite(value):
        raise ModelError(f"model {model_name(record)} gives no finite prediction for these values (its arithmetic "
                         "overflows): check the values, or refit the model")
    return value


def feature_columns(record: ModelRecord, header: list[str], strict: bool = False,
                    written: list[str] | None = None) -> list[int | None]:
    """Where each of the model's features is in the CSV header (canonical names or aliases); None for a
    feature the CSV lacks, which then takes its training mean in every row, as a left-out option does in
    single mode. With `strict` a lacking column is an error."""
    from lifeexp_cli.data import csv_text

    columns = {}
    for feature in record.features:
        hits = [i for i, c in enumerate(header) if c == feature or catalog.ALIASES.get(c) == feature]
        if len(hits) > 1:
            both = " and ".join(repr(csv_text.clipped((written or header)[i])) for i in hits)
            raise DataError(f"the --input CSV has columns {both}, which both mean {feature}: rename or remove one "
                            "of them")
        if hits:
            columns[feature] = hits[0]
    missing = [f for f in record.features if f not in columns]
    if missing and strict:
        raise DataError(f"the --input CSV lacks column(s) {', '.join(missing)} that model {model_name(record)} "
                        "needs (--strict): add them, or leave out --strict to fill them with the training mean")
    if len(missing) == len(record.features) and record.features:
        raise DataError(f"the --input CSV has none of the columns model {model_name(record)} needs "
                        f"({', '.join(record.features)}): give a CSV (comma, semicolon or tab separated, UTF-8 "
                        "or Latin-1) with a header row naming them")
    return [columns.get(f) for f in record.features]


def output_columns(record: ModelRecord, level: float = 0) -> list[str]:
    """The columns predictions add, single and batch, CSV and JSON: predicted_<target>, then lower_ and upper_
    with an interval, then in_domain (true/false) when the model file keeps the domain check's reference."""
    target = record.target
    has_interval = bool(level) and intervals.calibrated(record)
    return ([f"predicted_{target}"] + ([f"lower_{target}", f"upper_{target}"] if has_interval else [])
            + (["in_domain"] if record.has_domain else []))


def predict_blocks(record: ModelRecord, source: IO[bytes], counts: dict,
                   level: float = 0, strict: bool = False) -> tuple[bytes, str, Iterator]:
    """The CSV's header line and separator, and its blocks of whole lines with their predictions
    (lines as bytes, predictions as an array: one column, or three with the interval at `level` of a
    calibrated model: `output_columns`) and the domain check (`judge_batch`: None for a model file
    without its reference); constant memory.

    `counts` holds `missing` (the features the CSV has no column for, filled with their training mean)
    at once, and is filled in as blocks are consumed: rows, filled (blank cells), outside (training range),
    unlike (rows unlike the training data), and once there is one, narrow (rows beyond the distances the intervals were
    calibrated on: `intervals.narrow_note`).
    """
    import numpy as np

    from lifeexp_cli.data import byte_records, csv_text

    head = csv_text.first_line(source, "the --input CSV")
    csv_text.check_not_binary(head, "the --input file")
    found = csv_text.parse_header(head)
    if found is None:
        raise DataError("the --input CSV is empty: give a header row and data rows")
    names, sep, _ = found
    index = feature_columns(record, names, strict, csv_text.written_names(head, sep))
    features = record.features
    counts.update(rows=0, filled=0, outside=0, unlike=0, missing=[f for f, i in zip(features, index) if i is None])
    found = domain.searcher(record.domain.as_mapping()) if record.has_domain else None
    status_at = status_column(names) if level and intervals.calibrated(record) else None
    cells = max((i for i in index + [status_at] if i is not None), default=0) + 1
    rows_line_up = csv_text.RowCheck(None, "the --input CSV", sep, len(names), line=2, trailing=False)

    def blocks():
        for block in byte_records.line_blocks(source):
            rows_line_up.check(block, final=True)
            lines, fields = byte_records.split_records(block, sep.encode(), cells)
            if not lines:
                continue
            first = counts["rows"] + 2
            X = np.empty((len(lines), len(index)))
            for j, (column, name) in enumerate(zip(index, features)):
                X[:, j] = (record.means[name] if column is None else
                           byte_records.parse_numbers([row[column] for row in fields], name, first))
            judged = judge_batch(record, X, counts, found)
            statuses = None if status_at is None else status_codes([row[status_at] for row in fields])
            narrow = intervals.beyond_count(record, judged[0]) if level and judged is not None else 0
            if narrow:
                counts["narrow"] = counts.get("narrow", 0) + narrow
            added = list(predicted_columns(record, X, counts, level, None if judged is None else judged[0],
                                           statuses).values())
            values = added[0] if len(added) == 1 else np.column_stack(added)
            check_finite(record, values, first, "the --input CSV")
            counts["rows"] += len(lines)
            yield lines, values, judged

    return head, sep, blocks()


def status_column(names: list[str]) -> int | None:
    """Where an input CSV's Status column is (its interval's status groups, evaluate/shift.py), or None."""
    return names.index(catalog.STATUS_COLUMN) if catalog.STATUS_COLUMN in names else None


def status_codes(cells: list[bytes]):
    """Status cells (Developed/Developing, or 1/0) as 1/0, NaN for a blank or any other value: an odd
    cell only makes the row's status unknown (the pooled quantile), as in data/dataset.py `status_codes`."""
    import numpy as np

    codes = {**{k.encode(): v for k, v in catalog.STATUS_CODES.items()}, b"1": 1.0, b"0": 0.0, b"1.0": 1.0,
             b"0.0": 0.0}

    class Codes(dict):  # each distinct cell looked up once: a column holds a few
        def __missing__(self, cell):
            code = self[cell] = codes.get(bytes(cell).strip().strip(b'"').lower(), np.nan)
            return code

    return np.array(list(map(Codes().__getitem__, cells)), dtype=float)


def predicted_columns(record: ModelRecord, X, counts: dict, level: float = 0, distances=None, statuses=None) -> dict:
    """What a batch prediction adds for rows X of the model's features: {column: array} in the order of
    `output_columns` (the prediction, and the interval's bounds at `level` of a calibrated model); counts
    blank cells (`filled`) and rows outside the training range (`outside`). The local batch predict and
    the Dask engine's (model/fit/dask_engine.py) both use it. distances, statuses: the rows' domain
    distances and Status codes for the interval (model/predict/intervals.py `interval_for`), or None."""
    import numpy as np

    from lifeexp_cli.model.predict import arrays

    features = record.features
    low = np.array([record.ranges[f][0] for f in features], dtype=float)
    high = np.array([record.ranges[f][1] for f in features], dtype=float)
    counts["filled"] += int(np.isnan(X).sum())
    counts["outside"] += int(((X < low) | (X > high)).any(axis=1).sum())
    bounds = intervals.interval_for(record, X, level, distances, statuses)
    values = [arrays.predict_record(record, X)] if bounds is None else list(bounds)
    return dict(zip(output_columns(record, level), values))


def check_finite(record: ModelRecord, values, first: int, where: str) -> None:
    """A prediction (or bound) that is not finite is an error naming the row (`first`: the first row's number)."""
    import numpy as np

    unusable = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if unusable.any():
        row = first + int(np.flatnonzero(unusable)[0])
        raise ModelError(f"model {model_name(record)} gives no finite prediction for row {row} of {where} "
                         "(its arithmetic overflows): check that row's values, or refit the model")


def write_csv(head: bytes, sep: str, blocks: Iterator, column: str | list[str], sink: IO[bytes],
              with_header: bool = True) -> None:
    """Each input line back byte for byte with the prediction (and its interval's bounds) appended; the
    header goes out only once the first block has parsed, so a file that fails at once leaves no
    half-written output."""
    bsep = sep.encode()
    ending = b"\r\n" if head.endswith(b"\r\n") else b"\n"
    columns = [column] if isinstance(column, str) else column
    header = head.rstrip(b"\r\n") + bsep + sep.join(columns).encode() + ending if with_header else b""
    started = False
    for lines, predictions, judged in blocks:
        if not started:
            sink.write(header)
            started = True
        if predictions.ndim == 1:
            text = (sep.join(map(repr, predictions.tolist()))).encode().split(bsep)
        else:
            text = [sep.join(map(repr, row)).encode() for row in predictions.tolist()]
        if judged is not None:
            text = [cells + (b"%strue" if inside else b"%sfalse") % bsep
                    for cells, inside in zip(text, judged[1].tolist())]
        sink.write(ending.join(map(bsep.join, zip(lines, text))) + ending)
    if not started:
        sink.write(header)


INTEGER = re.compile(r"[+-]?(0|[1-9][0-9]*)")
LEADING_ZERO = re.compile(r"[+-]?0[0-9]")  # "007", "01.5": codes, not quantities


def cell_value(text: str, missing: frozenset | None = None):
    """A CSV cell as a JSON value: a number when it reads as one (an integer as int), None when blank
    or NA, else the text (also "007" and "inf", which are no quantity). `missing`: the cells that mean
    none (byte_records.MISSING, which `rows_as_dicts` passes: one person's prediction does not load it)."""
    if missing is None:
        from lifeexp_cli.data.byte_records import MISSING as missing
    stripped = text.strip()
    if stripped.lower().encode() in missing:
        return None
    if INTEGER.fullmatch(stripped):
        return int(stripped)
    try:
        number = float(stripped)
    except ValueError:
        return text
    return number if math.isfinite(number) and not LEADING_ZERO.match(stripped) else text


def input_names(head: bytes, sep: str, record: ModelRecord | None = None) -> list[str]:
    """The --input CSV's column names as JSON and tables show them; a column that has the name of one the
    prediction adds (`predicted_<target>`, `interval`, `domain`) is an error."""
    import csv

    key = prediction_key(record)
    names = next(csv.reader([head.decode("utf-8-sig").rstrip("\r\n")], delimiter=sep))
    taken = [name for name in (key, "interval", "domain") if name in names]
    if taken:
        raise DataError(f"the --input CSV already has a column named {taken[0]}: rename it, or use --format csv "
                        "(which appends predicted_<target>)")
    return names


def prediction_key(record: ModelRecord | None) -> str:
    return "prediction" if record is None else f"predicted_{record.target}"


class RowBlock(NamedTuple):
    """A block of `predict_blocks` as JSON and tables need it: its cells (text, as the csv module reads
    them), either `columns` (one list per CSV column, every row as wide as the header) or, when the
    block has quotes, `rows` (each row's cells); its values (an array, one row per row: the prediction,
    or the prediction, lower and upper bound); and the domain check — None for a model file without it,
    else (distances, in_domain: arrays, threshold, features: what makes each row unusual, [] for a row
    in domain, as `domain.judge` names them for one person)."""

    rows: list | None
    columns: list | None
    values: object
    domain: tuple | None

    def row_cells(self):
        return self.rows if self.columns is None else zip(*self.columns)


def block_cells(lines: list[bytes], sep: str, width: int) -> tuple[list | None, list | None]:
    """(rows, columns) of `RowBlock` for records without their line ends. Without a quote, a NUL or a
    carriage return, the csv module splits a record on the separator and nothing else: the whole block
    is then split at once and cut into columns; otherwise the csv module reads each record."""
    import csv

    text = b"\n".join(lines).decode("utf-8", "replace")  # as each line decoded alone: "\n" ends no sequence
    if not ('"' in text or "\r" in text or "\0" in text):
        cells = text.replace(sep, "\n").split("\n") if sep != "\n" else None
        if cells is not None and len(cells) == len(lines) * width:
            return None, [cells[at::width] for at in range(width)]
    return list(csv.reader((line.decode("utf-8", "replace") for line in lines), delimiter=sep)), None


def row_blocks(sep: str, blocks: Iterator, record: ModelRecord | None = None, width: int = 0) -> Iterator[RowBlock]:
    """The blocks of `predict_blocks` with their cells (`block_cells`; `width`: the header's number of
    columns) and the features that make each row out of domain unusual: found for the rows of a block
    together (`domain.driving_rows`)."""
    import numpy as np

    reference = None if record is None or record.domain is None else record.domain.as_mapping()
    found = None
    for lines, predictions, judged in blocks:
        rows, columns = block_cells(lines, sep, width)
        values = predictions.reshape(len(lines), -1)
        if judged is None:
            yield RowBlock(rows, columns, values, None)
            continue
        features: list = [[]] * len(lines)
        out = np.flatnonzero(~judged[1])
        if reference is not None and len(out):
            found = domain.searcher(reference) if found is None else found
            for at, named in zip(out.tolist(), domain.driving_rows(reference, judged[3][out], record.features, found)):
                features[at] = named
        yield RowBlock(rows, columns, values, (judged[0], judged[1], judged[2], features))


def block_dicts(names: list[str], key: str, interval: dict | None, block: RowBlock) -> Iterator[dict]:
    """The rows of a block as dicts (`rows_as_dicts`)."""
    from lifeexp_cli.data.byte_records import MISSING

    judged = block.domain
    found = [None] * len(block.values) if judged is None else [
        {"in_domain": inside, "distance": distance, "threshold": judged[2], "features": features}
        for distance, inside, features in zip(judged[0].tolist(), judged[1].tolist(), judged[3])]
    for row, values, checked in zip(block.row_cells(), block.values.tolist(), found):
        bounds = None if len(values) == 1 else {"level": (interval or {}).get("level"), "lower": values[1],
                                                 "upper": values[2], "method": (interval or {}).get("method")}
        yield {**{name: cell_value(cell, MISSING) for name, cell in zip(names, row)}, key: values[0],
               "interval": bounds, "domain": checked}


def rows_as_dicts(head: bytes, sep: str, blocks: Iterator, interval: dict | None = None,
                  record: ModelRecord | None = None) -> Iterator[dict]:
    """The same rows as dicts, as single-mode JSON has them (for tables; JSON renders `row_blocks` a column
    at a time, to the same text): the cells (numbers when they read as numbers: `cell_value`; blank cells
    None), then `predicted_<target>` (of the `record`'s target; `prediction` without one), `interval` —
    {"level", "lower", "upper", "method"} when the blocks carry bounds, `interval` giving the level and
    method; else None — and `domain` — {"in_domain", "distance", "threshold", "features"} (the features
    that make a row unusual, as `domain.judge` names them for one person), or None for a model file
    without the check."""
    names = input_names(head, sep, record)
    key = prediction_key(record)
    for block in row_blocks(sep, blocks, record, len(names)):
        yield from block_dicts(names, key, interval, block)


def check_names(records: list[ModelRecord], persons: list[tuple[str, dict]]) -> None:
    """A person's value that no compared model can use is most likely a typo: say so."""
    known = {f for r in records for f in r.features}
    for who, person in persons:
        for typed in person:
            key = catalog.canonical(typed)
            if key in ("height", "weight") or key in known or catalog.ALIASES.get(key) in known:
                continue
            if key in catalog.WHO_FEATURES or key in catalog.ALIASES:
                continue  # a real feature that these models just don't use
            catalog.resolve(typed, sorted(known), what=f"feature for {who}")


def for_people(records: list[ModelRecord], persons: list[tuple[str, dict]], level: float | list[float] = 0) \
        -> tuple[list[dict[str, float]], list[str], list[dict]]:
    """Each model's prediction for each person ({person: years} per record, in order), the warnings
    (features filled with training means, values outside the training range, inputs unlike the training
    data), and per record what stands behind each prediction: {"rows": {person: input row}, "imputed":
    {person: [features filled]}, "domain": {person: judgement or None}, "intervals": {person: interval
    at `level` or None}}; `level` one for every record, or a list of one per record. A person's value that no
    model uses and that is no known feature is a typo, and an error."""
    check_names(records, persons)
    warnings: list[str] = []
    predictions, details = [], []
    levels = level if isinstance(level, list) else [level] * len(records)
    for record, level in zip(records, levels):
        detail: dict = {"rows": {}, "imputed": {}, "domain": {}, "intervals": {}}
        predicted = {}
        for who, person in persons:
            found = predict_person(record, person, warnings, level=level, lenient=True,
                                   who=f"{who} / {record.path}: ")
            predicted[who] = found.value
            detail["rows"][who], detail["imputed"][who] = found.row, found.filled
            detail["domain"][who], detail["intervals"][who] = found.domain, found.interval
        predictions.append(predicted)
        details.append(detail)
    return predictions, warnings, details
