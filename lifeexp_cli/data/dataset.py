"""Tables of data and the numeric arrays their named columns become.

The WHO file is read (by `reader`) as published (stray spaces in headers, CRLF); every column name is
made canonical (`catalog.canonical`). `status` becomes 0/1; `country` is kept only as the group key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from lifeexp_cli.data import catalog, csv_text, location, opening, parts, whole_file
from lifeexp_cli.errors import DataError, LifeexpError, ModelError, ParameterError, UsageError
from lifeexp_cli.limits import LARGEST_VALUE, MAX_DATA_VALUE  # noqa: F401 (LARGEST_VALUE: tests/unit/test_limits.py)


@dataclass
class Table:
    """A CSV read into memory: canonical column names, where it came from and its fingerprint.
    `load_design` returns it with frame None: once the arrays are built, the rows live in the Design."""

    frame: pd.DataFrame | None
    source: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Design:
    """Numeric arrays for one target and feature list; rows whose target is missing are already dropped."""

    X: np.ndarray  # (n, p) float64, NaN where a value is missing
    y: np.ndarray  # (n,)
    # (n,) group key per row. The readers give integer codes in the order of the keys' texts (the country,
    # or the row's position written out when there is no country column: "10" before "2"), so that sorting
    # and comparing codes gives what sorting and comparing the texts did (folds, clusters), without a
    # Python string per row; `group_texts()` gives the texts.
    groups: np.ndarray
    rows: np.ndarray  # (n,) row positions in the file (int32 below 2³¹ rows: `position_dtype`)
    features: list[str]
    target: str
    dropped_target: int
    # (n,) the Status column's 1 developed / 0 developing (NaN blank) whether or not it is a feature, or None
    # when the data has none: the interval calibration's groups (evaluate/shift.py). A half float
    # (STATUS_DTYPE): 1, 0 and NaN exactly, in 2 bytes a row rather than 8
    statuses: np.ndarray | None = None
    group_names: np.ndarray | None = None  # the distinct countries, sorted, when groups are codes into them
    by_row: bool = False  # no country column: each row its own group, named by its position (`rows`)

    def group_texts(self) -> np.ndarray:
        """Each row's group as text: its country, or its position when the data has no country column."""
        if self.group_names is not None:
            return self.group_names[self.groups]
        if self.by_row:
            return self.rows.astype(str).astype(object)
        return self.groups


def locate(data: str | None) -> str:
    """`--data` wins, then $LIFEEXP_DATA, then the installed copy (`data/location.py`); `-` means stdin."""
    return location.locate(data)


def read_table(data: str | None, progress=None) -> Table:
    """Locate, read, fingerprint and parse a CSV (or read a Parquet file)."""
    source = locate(data)
    if parts.is_parquet(source):
        return Table(parts.read_parquet(source), source, parts.file_sha256(source))
    raw, encoding, warnings = read_bytes(source, progress)
    frame = whole_file.parse_frame(raw, opening.shown(source), encoding)
    return Table(frame, source, hashlib.sha256(raw).hexdigest(), warnings)


def read_bytes(source: str, progress=None) -> tuple[bytes, str, list[str]]:
    """A whole CSV file's bytes, their encoding, and what to say about it."""
    raw = whole_file.read_all(source, progress)
    encoding = csv_text.encoding_of(raw)
    return raw, encoding, encoding_note(source, encoding)


def encoding_note(source: str, encoding: str) -> list[str]:
    return [f"{opening.shown(source)} is not UTF-8; read it as Latin-1"] if encoding == "latin-1" else []


def numeric_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 with NaN for blanks; `status` text becomes 0/1; other text, infinities and
    values beyond MAX_DATA_VALUE are errors naming the row."""
    return check_magnitude(name, _numeric_values(frame, name), frame.index)


def _numeric_values(frame: pd.DataFrame, name: str) -> np.ndarray:
    column = frame[name]
    if name == catalog.STATUS_COLUMN and not pd.api.types.is_numeric_dtype(column):
        codes = column.map(lambda v: catalog.STATUS_CODES.get(str(v).strip().lower(), np.nan) if pd.notna(v) else np.nan)
        unknown = column[codes.isna() & column.notna()]
        if len(unknown):
            raise DataError(f"column status has value {csv_text.clipped(repr(unknown.iloc[0]))}: expected Developed "
                            "or Developing")
        return codes.to_numpy(dtype=float)
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float)
    values = pd.to_numeric(column, errors="coerce")
    bad = column[values.isna() & column.notna() & (column.astype(str).str.strip() != "")]
    if len(bad):
        sample = str(bad.iloc[0])
        hint = " (decimal comma? use a dot)" if "," in sample else ""
        shown = csv_text.clipped(repr(sample))
        raise DataError(f"column {name} has a non-numeric value {shown} in row {bad.index[0] + 2}"
                        f"{hint}: fix it or leave the cell empty")
    return values.to_numpy(dtype=float)


STATUS_DTYPE = np.float16  # a Design's statuses: 1, 0 or NaN, each exact in a half float


def status_codes(frame: pd.DataFrame) -> np.ndarray:
    """The Status column as 1 developed / 0 developing, NaN for a blank or any other value (STATUS_DTYPE):
    the interval calibration's groups, read whether or not status is a feature (an odd cell is then no error)."""
    column = frame[catalog.STATUS_COLUMN]
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float)
        return np.where((values == 0) | (values == 1), values, np.nan).astype(STATUS_DTYPE)
    # Each distinct cell looked up once (a column holds two or three), not each row: codes −1 are the blanks.
    codes, cells = pd.factorize(column)
    found = [catalog.STATUS_CODES.get(str(v).strip().lower(), np.nan) for v in cells]
    return np.array([*found, np.nan], dtype=STATUS_DTYPE)[codes]


def is_numeric_column(frame: pd.DataFrame, name: str) -> bool:
    if name == catalog.STATUS_COLUMN:
        return True
    column = frame[name]
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return True
    present = column.dropna()
    return len(present) > 0 and pd.to_numeric(present, errors="coerce").notna().all()


def mostly_numeric(column: pd.Series) -> bool:
    """More than half of the present cells are numbers, or numbers written with a decimal comma (1,5): a
    numeric column with a few bad cells, or one from a spreadsheet of a country that writes 1,5 for 1.5.
    `numeric_column` then names its first bad cell (with the hint of a decimal comma)."""
    present = column.dropna()
    if not len(present):
        return False
    if pd.to_numeric(present, errors="coerce").notna().mean() > 0.5:
        return True
    return present.astype(str).str.strip().str.fullmatch(r"[-+]?\d*,\d+").mean() > 0.5


def candidate_features(frame: pd.DataFrame, target: str | None) -> list[str]:
    """Every column usable as a feature: the numeric ones plus status, never the target or the group key
    (with target None: every numeric column)."""
    return [c for c in frame.columns
            if c != target and c not in catalog.NON_FEATURES and is_numeric_column(frame, c)]


def resolve_target(frame: pd.DataFrame, target: str) -> str:
    return checked_target(catalog.resolve_target(target, list(frame.columns)))


def checked_target(name: str) -> str:
    """The target's column name, unless it is the country (names, not numbers: a usage error saying so)."""
    if name == catalog.GROUP_COLUMN:
        raise ParameterError("country holds the rows' country names, not numbers to predict: give {target} a "
                             f"numeric column (default {catalog.DEFAULT_TARGET}; `lifeexp data info` lists them)",
                             "target", name)
    return name


def resolve_features(frame: pd.DataFrame, spec: str | list[str], target: str) -> list[str]:
    """`all` means every numeric column plus status; otherwise names or aliases, comma-separated."""
    usable = candidate_features(frame, target)
    if isinstance(spec, str) and spec.strip().lower() == "all":
        if not usable:
            raise DataError("the data has no numeric column besides the target: nothing to fit on")
        return usable
    names = catalog.resolve_many(spec, list(frame.columns))
    for name in names:
        if name == target:
            raise ParameterError(f"{name} is the target ({{target}}): it cannot also be a feature", "target", name)
        if name == catalog.GROUP_COLUMN:
            raise ParameterError("country is the group key for splits, never a feature: leave it out of {features}",
                                 "features", spec)
        if name not in usable:
            if mostly_numeric(frame[name]):
                numeric_column(frame, name)  # raises, naming the bad cell
            raise DataError(f"column {name} is not numeric: pick numeric features (see `lifeexp features`)")
    return names


def check_magnitude(name: str, values: np.ndarray, index=None) -> np.ndarray:
    """`values` unless one is infinite or beyond MAX_DATA_VALUE: a DataError naming its row (`index`: the
    rows' positions among the data rows, as the readers' frames have them)."""
    with np.errstate(invalid="ignore"):
        wrong = np.abs(values) > MAX_DATA_VALUE  # an infinity too (NaN is never beyond)
    if not wrong.any():
        return values
    at = int(np.flatnonzero(wrong)[0])
    row = "" if index is None else f" in row {int(index[at]) + 2}"
    if np.isinf(values[at]):
        raise DataError(f"column {name} holds an infinite value{row}: remove it or leave the cell empty")
    raise DataError(f"column {name} holds {values[at]:.3g}{row}, too large to compute with (limit "
                    f"{MAX_DATA_VALUE:.0e}, the largest a model file keeps): check the data or rescale that column")


def design(table: Table, features: list[str], target: str) -> Design:
    """Arrays for fitting: drop rows whose target is missing, keep NaN in features for imputation."""
    frame = table.frame
    y = numeric_column(frame, target)
    X = np.column_stack([numeric_column(frame, f) for f in features]) if features else np.empty((len(y), 0))
    keep = np.isfinite(y)
    rows = np.flatnonzero(keep).astype(position_dtype(len(y)), copy=False)
    statuses = status_codes(frame)[keep] if catalog.STATUS_COLUMN in frame.columns else None
    if catalog.GROUP_COLUMN not in frame.columns:
        return Design(X[keep], y[keep], position_codes(rows), rows, features, target, int((~keep).sum()),
                      statuses, by_row=True)
    codes = GroupCodes()
    groups = codes.add(frame[catalog.GROUP_COLUMN])[keep]
    names, groups = codes.sorted(groups)
    return Design(X[keep], y[keep], groups, rows, features, target, int((~keep).sum()), statuses, names)


class GroupCodes:
    """Countries coded as integers while blocks of rows are read: each distinct text held once."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def add(self, column: pd.Series) -> np.ndarray:
        """A code per row of the country column (an empty cell is the text "nan", as `group_texts`)."""
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        texts = group_texts(pd.Series(uniques, dtype=object))
        found = np.array([self.index.setdefault(t, len(self.index)) for t in texts.tolist()], dtype=np.int32)
        return found[codes]

    def sorted(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the distinct texts in sorted order, the codes renumbered into them): a code's order is its text's."""
        names = np.array(list(self.index), dtype=object)
        order = np.argsort(names, kind="stable")
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        return names[order], rank[codes]


def position_dtype(count: int):
    """The integer type of the positions of `count` rows: int32 below 2³¹ rows (4 bytes a row, not 8)."""
    return np.int32 if count < 2 ** 31 else np.int64


def position_codes(positions: np.ndarray, block_rows: int = 1 << 16) -> np.ndarray:
    """Each row's rank among the texts of the positions (`str(position)`) sorted as texts, "10" before "2":
    the group codes of data without a country column, whose folds were drawn over those texts sorted.

    The positions are distinct and non-negative. A position's text sorts as its digits left-aligned to the
    widest (`padded`), a prefix before what it begins ("1" before "10": fewer digits first); both go into one
    int64 key, padded × (width + 1) + digits, made a block of rows at a time and sorted once: besides the
    codes, one key and one order of n each (the positions of a 1M-row file: 16 MB, not the five arrays of
    n that a sort by two keys needed)."""
    positions = np.asarray(positions)
    n = len(positions)
    if n == 0:
        return np.empty(0, dtype=np.int32)
    width = len(str(int(positions.max())))
    if width > 17:  # the key would not fit an int64 (no file in memory has 10¹⁷ rows): sort the texts
        return np.unique(positions.astype(str), return_inverse=True)[1].astype(np.int32)
    key = np.empty(n, dtype=np.int64)
    for start in range(0, n, block_rows):
        block = positions[start:start + block_rows].astype(np.int64)
        digits = np.ones(len(block), dtype=np.int64)
        for power in range(1, width):
            digits += block >= 10 ** power
        key[start:start + len(block)] = block * 10 ** (width - digits) * (width + 1) + digits
    order = np.argsort(key)  # distinct keys: any sort gives the one order
    del key
    codes = np.empty(n, dtype=np.int32)
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        codes[order[start:stop]] = np.arange(start, stop, dtype=np.int32)
    return codes


def with_features(arrays: Design, features: list[str]) -> Design:
    """The same rows with only `features` (a subset of the design's, in the order given)."""
    columns = [arrays.features.index(f) for f in features]
    return replace(arrays, X=arrays.X[:, columns], features=list(features))


def load_design(data: str | None, features: str | list[str], target: str,
                progress=None) -> tuple[Table, Design]:
    """Read the data and build the arrays for `features` (names, aliases or 'all') and `target`.

    A CSV file is read a block of rows at a time into arrays, keeping only the named features' columns
    (and the target, the group key and the status), or every column for 'all' (a column is a feature when
    every block finds it numeric, as the whole table's types would): memory stays near the arrays' size,
    where a whole table would cost several times the file. The Table comes back without its frame: the
    rows live in the Design. Stdin and Parquet are read whole (`read_table`)."""
    source = locate(data)
    if source != "-" and not parts.is_parquet(source):  # a file can be read twice: scanned (hash, lines,
        # encoding), then parsed by blocks; a Parquet file is read whole by read_table
        found = whole_file.scan(source, progress)
        header = csv_text.parse_header(found.head.split(b"\n", 1)[0])
        keep = None if header is None else needed_columns(header.names, features, target)
        if keep is not None:
            with opening.open_source(source, progress=progress) as handle:
                arrays = design_by_blocks(handle, opening.shown(source), found.encoding, keep, features, target,
                                          found.lines + 1, found.head)
            return Table(None, source, found.sha256, encoding_note(source, found.encoding)), arrays
    table = read_table(data, progress)
    target_name = resolve_target(table.frame, target)
    arrays = design(table, resolve_features(table.frame, features, target_name), target_name)
    return replace(table, frame=None), arrays


EVERY: set[str] = set()  # `needed_columns` of 'all': every column is read


def design_by_blocks(handle, source: str, encoding: str, keep: set[str] | None, features: str | list[str],
                     target: str, capacity: int, head: bytes, block_rows: int = 1 << 14) -> Design:
    """`design` of the named columns of an open file (`head`: its first block; keep EVERY or None: every
    column, for features 'all'), parsed a block of rows at a time into arrays of `capacity` rows (at least the
    data rows); each group key (country) is held once, however many rows name it, the rows keep its code."""
    every = isinstance(features, str) and features.strip().lower() == "all"
    keep = None if keep is EVERY else keep
    X = y = groups = chosen = target_name = statuses = numeric = positions = None
    codes, filled, total, block = GroupCodes(), 0, 0, None
    for block in whole_file.frame_blocks(handle, source, encoding, keep, block_rows, head):
        if chosen is None:
            target_name = resolve_target(block, target)
            chosen = candidate_features(block, target_name) if every else resolve_features(block, features,
                                                                                          target_name)
            numeric = [True] * len(chosen)
            X, y = np.empty((capacity, len(chosen)), order="F"), np.empty(capacity)  # columns, as `design`'s
            positions = np.empty(capacity, dtype=position_dtype(capacity))  # each kept row's position in the data
            groups = np.empty(capacity, dtype=np.int32) if catalog.GROUP_COLUMN in block.columns else None
            statuses = np.empty(capacity, dtype=STATUS_DTYPE) if catalog.STATUS_COLUMN in block.columns else None
        y_block = numeric_column(block, target_name)
        kept = np.isfinite(y_block)
        n = int(kept.sum())
        y[filled:filled + n] = y_block[kept]
        for j, name in enumerate(chosen):
            if every and numeric[j] and not is_numeric_column(block, name):
                numeric[j] = False  # text in this block: not a feature of 'all', as in the whole table
            if numeric[j]:
                X[filled:filled + n, j] = numeric_column(block, name)[kept]
        if statuses is not None:
            statuses[filled:filled + n] = status_codes(block)[kept]
        if groups is not None:
            groups[filled:filled + n] = codes.add(block[catalog.GROUP_COLUMN])[kept]
        positions[filled:filled + n] = block.index.to_numpy()[kept]
        filled, total = filled + n, total + len(block)
    positions = positions[:filled]
    if not all(numeric):
        chosen, X = [f for f, ok in zip(chosen, numeric) if ok], X[:filled, numeric]
    if every and not chosen:
        raise DataError("the data has no numeric column besides the target: nothing to fit on")
    statuses = None if statuses is None else statuses[:filled]
    if groups is None:  # every row is its own group, as in `design`
        return Design(X[:filled], y[:filled], position_codes(positions), positions, chosen, target_name,
                      total - filled, statuses, by_row=True)
    names, groups = codes.sorted(groups[:filled])
    return Design(X[:filled], y[:filled], groups, positions, chosen, target_name, total - filled, statuses, names)


def needed_columns(names: list[str], features: str | list[str], target: str) -> set[str] | None:
    """The columns a fit of `features` on `target` reads (and the group key and the status): EVERY when
    the features are `all`, None when a name does not resolve (the full table then gives the usual message)."""
    try:
        target_name, chosen = header_columns(names, features, target)
    except LifeexpError:
        return None
    return EVERY if chosen is None else {target_name, *chosen, catalog.GROUP_COLUMN, catalog.STATUS_COLUMN}


def design_for_model(table: Table, record: dict, use: str) -> Design:
    """The arrays a saved model needs from `table`; a missing column is a ModelError saying how to `use` it,
    data without a row that has the target a DataError."""
    missing = [c for c in [record["target"], *record["features"]] if c not in table.frame.columns]
    if missing:
        raise ModelError(f"model {record['path']} needs column(s) {', '.join(missing)} that the data lacks: "
                         f"{use} data like the data it was fitted on")
    arrays = design(table, record["features"], record["target"])
    if len(arrays.y) == 0:
        raise DataError(f"the data has no row with a value of {record['target']}, the model's target: {use} "
                        "data that has some")
    return arrays


def header_columns(names: list[str], features: str | list[str], target: str) -> tuple[str, list[str] | None]:
    """Target and features by name or alias from the header; None for `all` (decided on the first chunk)."""
    target_name = checked_target(catalog.resolve_target(target, names))
    if isinstance(features, str) and features.strip().lower() == "all":
        return target_name, None
    chosen = catalog.resolve_many(features, [n for n in names if n != target_name])
    if catalog.GROUP_COLUMN in chosen:
        raise ParameterError("country is the group key for splits, never a feature: leave it out of {features}",
                             "features", chosen)
    return target_name, chosen


def frame_arrays(frame, features: list[str], target: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(X, y, rows without a target) of a chunk, with the rules of `numeric_column` for numbers, status and blanks.

    Rows without a target are left out; X is in Fortran order (column after column).
    """
    y = numeric_column(frame, target)
    keep = ~np.isnan(y)
    every = keep.all()  # usually: each column goes into X with no copy of its kept rows first
    X = np.empty((int(keep.sum()), len(features)), order="F")
    for j, name in enumerate(features):
        X[:, j] = numeric_column(frame, name) if every else numeric_column(frame, name)[keep]
    return X, y.copy() if every else y[keep], len(y) - len(X)


def frame_groups(frame, target: str) -> np.ndarray | None:
    """The country of each row of a chunk with a target (as `frame_arrays` keeps them), or None when the
    chunk has no country column. A missing country is the text "nan", one group, as `design` has it (`group_texts`)."""
    if catalog.GROUP_COLUMN not in frame.columns:
        return None
    keep = ~np.isnan(numeric_column(frame, target))
    return group_texts(frame[catalog.GROUP_COLUMN])[keep]


def group_texts(column: pd.Series) -> np.ndarray:
    """The country column as texts; an empty cell is the text "nan" (rows without a country are one group;
    pandas 3 keeps them missing through astype(str), and a missing value cannot be sorted among texts)."""
    return column.astype(str).fillna("nan").to_numpy(dtype=object)


def frame_group_keys(frame, target: str, names: dict | None = None) -> np.ndarray | None:
    """A key per row with a target (`group_keys` of its country), or None when the chunk has no country
    column. Each distinct country is hashed once (a streamed fit keys every row by its country). names:
    a dict that gets {key: the country's text, as `frame_groups` gives it} of the chunk's countries."""
    if catalog.GROUP_COLUMN not in frame.columns:
        return None
    keep = ~np.isnan(numeric_column(frame, target))
    codes, uniques = pd.factorize(frame[catalog.GROUP_COLUMN], use_na_sentinel=False)
    texts = group_texts(pd.Series(uniques, dtype=object))  # the texts frame_groups gives
    keys = group_keys(texts)
    if names is not None:
        names.update(zip(keys.tolist(), texts.tolist()))
    return keys[codes[keep]]


def frame_group_keys_at(frame, target: str, rows: np.ndarray) -> np.ndarray:
    """`frame_group_keys` of some rows only (`rows`: positions among the rows with a target; the chunk has
    a country column): the same keys, each hashed from its row's text (a sample's few rows of a chunk)."""
    kept = np.flatnonzero(~np.isnan(numeric_column(frame, target)))
    return group_keys(group_texts(frame[catalog.GROUP_COLUMN].iloc[kept[rows]]))


KEY_BITS = 52  # a key fits a float64 exactly (the streamed domain sample stores it beside the features)


def group_keys(names) -> np.ndarray:
    """A KEY_BITS-bit key (uint64) per country name: pandas' SipHash of the text with its fixed key, the
    same in every chunk, pass, part and run."""
    texts = np.asarray(names, dtype=object)
    return pd.util.hash_array(texts, categorize=False) >> np.uint64(64 - KEY_BITS)


def chosen_columns(frame: pd.DataFrame, features: str | None) -> list[str]:
    """The numeric columns named by `features` (all of them when None or 'all'), for looking at columns
    rather than fitting (data describe, corr): the target may be among them."""
    usable = candidate_features(frame, None)
    if not usable:
        raise DataError("the data has no numeric column: nothing to describe")
    if features is None or features.strip().lower() == "all":
        return usable
    names = catalog.resolve_many(features, list(frame.columns), what="column")
    for name in names:
        if name not in usable:
            if mostly_numeric(frame[name]):
                numeric_column(frame, name)  # raises, naming the bad cell
            raise DataError(f"column {name} is not numeric: pick numeric columns (see `lifeexp data info`)")
    return names


def ranking_target(frame: pd.DataFrame, target: str | None) -> str | None:
    """The column to rank the others against: `target`, else life_expectancy when the file has it, else none."""
    if target is None:
        known = catalog.DEFAULT_TARGET in frame.columns and is_numeric_column(frame, catalog.DEFAULT_TARGET)
        return catalog.DEFAULT_TARGET if known else None
    name = resolve_target(frame, target)
    if not is_numeric_column(frame, name):
        if mostly_numeric(frame[name]):
            numeric_column(frame, name)  # raises, naming the bad cell
        raise DataError(f"target column {name} is not numeric: pick a numeric --target")
    return name


def numeric_matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as one float array (n, p), NaN where a value is missing (`numeric_column`'s rules)."""
    return np.column_stack([numeric_column(frame, c) for c in columns])


def unit_notes(frame: pd.DataFrame, names) -> dict[str, str]:
    """Column -> how its values contradict its documented unit (`units.contradiction`), for those that do."""
    from lifeexp_cli.data import summary, units

    notes = {}
    for name in names:
        unit = catalog.describe(name)[1]
        if unit:
            note = units.contradiction(name, unit, summary.describe(numeric_column(frame, name)))
            if note:
                notes[name] = note
    return notes
