"""`predict --input --format json`: the rows of a block as JSON text, a column at a time.

The text is what `json.dumps(row, ensure_ascii=..., allow_nan=False)` gives each row dict of
`prediction.block_dicts` (", " and ": " between items), but each column's cells are turned into JSON once
per block rather than a row dict per row: a column of plain decimals (or blanks) is parsed by `float` and
written by `float.__repr__` (what json.dumps writes for a float), a column of plain integers is its own
text, any other column goes cell by cell through `prediction.cell_value`, each distinct cell once. The rows
are then one %-template per block. A block the shortcut does not fit (rows of uneven width, a number that
is not finite) is written row dict by row dict, to the same text or the same error.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Iterator

from lifeexp_cli.data.byte_records import MISSING
from lifeexp_cli.model.predict import prediction

# One cell per line: a plain decimal (finite: at most 300 digits before the point) or a plain integer (at
# most 4000 digits, under Python's limit for int()), or blank. Such cells are numbers for `cell_value`.
DECIMALS = re.compile(r"(?:(?:-?(?:0|[1-9][0-9]{0,299})\.[0-9]+)?\n)*(?:-?(?:0|[1-9][0-9]{0,299})\.[0-9]+)?")
INTEGERS = re.compile(r"(?:(?:0|-?[1-9][0-9]{0,3999})?\n)*(?:0|-?[1-9][0-9]{0,3999})?")
# A plain decimal whose float.__repr__ is itself without its trailing zeros (TRAILING; "48.0" keeps one): at
# most 15 significant digits (16 characters, the sign aside: such a decimal, its trailing zeros dropped,
# is the shortest that reads back as its float), at least 0.0001 unless zero (below, repr writes an
# exponent).
TRIMMABLE = re.compile(r"(?:(?:(?=-?[0-9.]{1,16}(?:\n|\Z))-?(?:[1-9][0-9]*|0(?!\.0000))\.[0-9]+)?\n)*"
                       r"(?:(?=-?[0-9.]{1,16}\Z)-?(?:[1-9][0-9]*|0(?!\.0000))\.[0-9]+)?")
TRAILING = re.compile(r"0(?:(?<=[1-9]0)|(?<=\.00))0*$", re.M)  # a literal first: the search skips to each 0
SLICE = 4096  # rows rendered together
BLANK_NAN = {"": "nan"}


class CellTexts(dict):
    """A column's cells as JSON text, each distinct cell turned once (`cell_value`, then json.dumps)."""

    def __init__(self, encode):
        super().__init__()
        self.encode = encode

    def __missing__(self, cell: str) -> str:
        text = self[cell] = self.encode(prediction.cell_value(cell, MISSING))
        return text


def column_texts(cells, encode) -> list[str]:
    """Each cell of one column as the JSON value `cell_value` makes of it, as text: each distinct cell
    turned once (a column of a few thousand rows holds far fewer distinct cells, years and percentages)."""
    distinct = list(dict.fromkeys(cells))
    joined = "\n".join(distinct)
    texts = None
    if joined.count("\n") == len(distinct) - 1:  # no cell holds a line break of its own
        if TRIMMABLE.fullmatch(joined):
            texts = TRAILING.sub("", joined).split("\n")
        elif INTEGERS.fullmatch(joined):
            texts = distinct
        elif DECIMALS.fullmatch(joined):
            texts = list(map(float.__repr__, map(float, map(BLANK_NAN.get, distinct, distinct))))
    if texts is None:
        return list(map(CellTexts(encode).__getitem__, cells))
    found = dict(zip(distinct, texts))
    if "" in found:
        found[""] = "null"  # a blank: None; no other cell of these columns is
    return list(map(found.__getitem__, cells))


def floats(values) -> list[str] | None:
    """The floats of an array as json.dumps writes them (float.__repr__), or None when one is not finite
    (which json.dumps refuses)."""
    import numpy as np

    return list(map(float.__repr__, values.tolist())) if np.isfinite(values).all() else None


def block_texts(names: list[str], key: str, interval: dict | None, block: prediction.RowBlock,
                ascii_only: bool) -> Iterator[str]:
    """The rows of `block` as JSON objects, one per line, joined by ",\\n", in pieces of at most SLICE
    rows (what a piece holds while it is made stays small); no piece for no rows."""
    for start in range(0, len(block.values), SLICE):
        piece = sliced(block, start, start + SLICE)
        text = columns_text(names, key, interval, piece, ascii_only)
        if text is None:
            text = ",\n".join(json.dumps(row, ensure_ascii=ascii_only, allow_nan=False)
                              for row in prediction.block_dicts(names, key, interval, piece))
        if text:
            yield text


def sliced(block: prediction.RowBlock, start: int, stop: int) -> prediction.RowBlock:
    if start == 0 and stop >= len(block.values):
        return block
    judged = block.domain
    return prediction.RowBlock(
        None if block.rows is None else block.rows[start:stop],
        None if block.columns is None else [column[start:stop] for column in block.columns],
        block.values[start:stop],
        None if judged is None else (judged[0][start:stop], judged[1][start:stop], judged[2], judged[3][start:stop]))


def columns_text(names, key, interval, block, ascii_only) -> str | None:
    """The text `block_texts` gives for one piece (its rows joined by ",\\n"), made a column at a time, or None
    when the piece does not fit the shortcut."""
    if not len(block.values) or (block.rows is not None and not block.rows):
        return ""
    if block.columns is not None:
        columns = block.columns
    elif set(map(len, block.rows)) == {len(names)} and len(block.rows) == len(block.values):
        columns = list(zip(*block.rows))
    else:
        return None  # rows of other widths: a dict per row decides which cells are shown
    encode = json.JSONEncoder(ensure_ascii=ascii_only, allow_nan=False).encode
    last = {name: at for at, name in enumerate(names)}  # a repeated name: its first place, its last cell
    items: list = []  # text the same in every row, and columns of texts, one per row
    for name, at in last.items():
        items += [f"{', ' if items else ''}{encode(name)}: ", column_texts(columns[at], encode)]
    values = block.values.T
    items += [f"{', ' if items else ''}{encode(key)}: ", floats(values[0])]
    if len(values) == 1:
        items.append(', "interval": null')
    else:
        level, method = (interval or {}).get("level"), (interval or {}).get("method")
        if level is not None and not (isinstance(level, (int, float)) and math.isfinite(level)):
            return None
        items += [f', "interval": {{"level": {encode(level)}, "lower": ', floats(values[1]), ', "upper": ',
                  floats(values[2]), f', "method": {encode(method)}}}']
    if block.domain is None:
        items.append(', "domain": null')
    else:
        distances, inside, threshold, features = block.domain
        if not (isinstance(threshold, (int, float)) and math.isfinite(threshold)):
            return None
        named: dict = {}
        items += [', "domain": {"in_domain": ', list(map({True: "true", False: "false"}.__getitem__, inside.tolist())),
                  ', "distance": ', floats(distances), f', "threshold": {encode(threshold)}, "features": ',
                  [named[f] if (f := tuple(names_of)) in named else named.setdefault(f, encode(list(names_of)))
                   for names_of in features], "}"]
    if any(item is None for item in items):
        return None  # a float that is not finite
    # Each row is the fixed texts with its own texts between them, joined in C; neighbouring fixed texts
    # become one.
    joined, fixed = [], "{"
    for item in items:
        if isinstance(item, str):
            fixed += item
        else:
            joined += [itertools.repeat(fixed), item]
            fixed = ""
    joined.append(itertools.repeat(fixed + "}"))
    return ",\n".join(map("".join, zip(*joined)))
