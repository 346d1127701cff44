"""People to predict for: the lecture's Tim and Tom, `--person` strings, `--people` files (read as written
or refused in one line: no person lost, no value dropped), and BMI from height and weight."""

from __future__ import annotations

import math
import re

from lifeexp_cli.data import catalog, regular_files  # csv and csv_text where a --people CSV is read
from lifeexp_cli.errors import ParameterError, UsageError
from lifeexp_cli.limits import LARGEST_VALUE, MAX_PEOPLE_BYTES, SHOWN_CHARS

# The lecture's profiles. BMI comes from height and weight, as the lecture computes it.
TIM = {"height": 1.82, "weight": 80.0, "adult_mortality": 53.0, "hiv_aids": 0.1, "gdp": 5000.0,
       "income_composition_of_resources": 0.77, "schooling": 15.5}
TOM = {"height": 1.80, "weight": 73.0, "adult_mortality": 70.0, "hiv_aids": 0.1, "gdp": 8500.0,
       "income_composition_of_resources": 0.8, "schooling": 16.5}
PLAUSIBLE_BMI = (10.0, 80.0)


def bmi(height_m: float, weight_kg: float) -> float:
    """Body mass index = weight / height², in kg/m²."""
    if not (height_m > 0 and weight_kg > 0 and math.isfinite(height_m) and math.isfinite(weight_kg)):
        raise ParameterError("{height} and {weight} must be positive numbers (got {value})", "height",
                             f"{height_m} m, {weight_kg} kg")
    return weight_kg / height_m**2


def check_bmi_parts(names) -> None:
    """Height and weight come together, and not with bmi (names: the canonical features given): a usage
    error otherwise. `with_bmi` checks a person's values, model/shipped.py the options before a model is chosen."""
    parts = {"height", "weight"} & set(names)
    if len(parts) == 1:
        raise ParameterError("give both {height} (m) and {weight} (kg) to compute BMI, or {bmi} directly", "height")
    if parts and "bmi" in names:
        raise ParameterError("give either {bmi} or {height} and {weight}, not both", "bmi")


def with_bmi(values: dict[str, float], warnings: list[str]) -> dict[str, float]:
    """Replace height and weight by the BMI they give; warn when it is implausible (height in cm?)."""
    check_bmi_parts(values)
    values = dict(values)
    height, weight = values.pop("height", None), values.pop("weight", None)
    if height is not None:
        values["bmi"] = bmi(height, weight)
        low, high = PLAUSIBLE_BMI
        if not low <= values["bmi"] <= high:
            warnings.append(f"BMI {values['bmi']:.3g} from height {height} and weight {weight} is implausible: "
                            "--height is in metres (1.82, not 182) and --weight in kilograms")
    return values




def clipped(text, quoted: bool = True) -> str:
    """A value as a message shows it: its repr (`quoted`) or itself, cut to SHOWN_CHARS characters with "…"."""
    shown = repr(text) if quoted and isinstance(text, str) else str(text)
    return shown if len(shown) <= SHOWN_CHARS else shown[:SHOWN_CHARS - 1] + "…"


def number(text: str, what: str) -> float:
    """`text` as a finite float of at most LARGEST_VALUE; anything else is a UsageError naming `what`."""
    too_large = f"{what} is too large to compute with (limit {LARGEST_VALUE:.0e})"
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be a number, got {clipped(text)}") from None
    except OverflowError:  # an integer beyond any float (JSON allows 10**400)
        raise UsageError(too_large) from None
    if math.isnan(value) or (math.isinf(value) and "inf" in str(text).lower()):
        raise UsageError(f"{what} must be a finite number, got {clipped(text)}")
    if math.isinf(value):  # digits beyond any float ("1e400", 5000 digits) read as infinity
        raise UsageError(too_large)
    if abs(value) > LARGEST_VALUE:
        raise UsageError(f"{what} is {value:.3g}, too large to compute with (limit {LARGEST_VALUE:.0e})")
    return value


def feature_key(typed: str) -> str:
    """The feature a typed name means: its canonical form, an alias resolved (hiv -> hiv_aids)."""
    key = catalog.canonical(typed)
    return catalog.ALIASES.get(key, key)


def check_features_once(typed: list[str], who: str) -> None:
    """Two names for one feature (bmi twice, bmi and BMI, hiv and hiv_aids) would keep one value silently."""
    seen: dict[str, str] = {}
    for name in typed:
        key = feature_key(name)
        if key and key in seen:
            same = f"{clipped(name)} twice" if name == seen[key] else \
                f"{clipped(seen[key])} and {clipped(name)}, both {key}"
            raise UsageError(f"{who} gives {same}: give each feature once")
        seen.setdefault(key, name)


def check_names_once(persons: list[tuple[str, dict[str, float]]], where: str) -> None:
    """Two people of one name would be one column of the comparison: one of them lost, silently."""
    seen: set[str] = set()
    for name, _ in persons:
        if name in seen:
            numbered = " (a blank name is person<N>, N its place)" if re.fullmatch(r"person\d+", name) else ""
            raise UsageError(f"{where} names {clipped(name, False)} twice{numbered}: give each person a "
                             "different name")
        seen.add(name)


def parse_person(text: str) -> tuple[str, dict[str, float]]:
    """`name:bmi=24.1,hiv=0.1` -> ('name', {'bmi': 24.1, 'hiv': 0.1}) (names resolved later)."""
    name, sep, rest = text.partition(":")
    if not sep or not name.strip():
        raise UsageError(f"--person {clipped(text)} must look like name:bmi=24.1,hiv=0.1")
    name = name.strip()
    who = f"--person {clipped(name, False)}"
    pairs = []
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"{who}: {clipped(item)} must look like feature=value")
        pairs.append((key.strip(), value))
    check_features_once([key for key, _ in pairs], who)
    return name, {key: number(value, f"{who}: {clipped(key, False)}") for key, value in pairs}


def gather(typed: list[str], path: str | None) -> list[tuple[str, dict[str, float]]]:
    """The people of `compare`: each `--person`, then those of the `--people` file; the lecture's Tim and
    Tom when none is given. A name given twice (two --person, or --person and the file) is a UsageError."""
    persons = [parse_person(text) for text in typed]
    if path:
        persons += read_people(path)
    check_names_once(persons, "--person and --people" if typed and path else "--person" if typed
                     else f"--people {path}")
    return persons or lecture_people()


def read_people(path: str) -> list[tuple[str, dict[str, float]]]:
    """People from a JSON object {name: {feature: value}} or list, or a CSV with a `name` column.

    A file without people, a name given twice, one feature given twice (bmi and BMI), a row whose cells do
    not line up with the header: each is a UsageError naming the file and the fix, never a silent misread.
    A blank name is `person<N>`, N the person's place in the file."""
    text = read_text(path)
    persons = people_from_json(text, path) if path.lower().endswith(".json") else people_from_csv(text, path)
    check_names_once(persons, f"--people {path}")
    return persons


def people_from_csv(text: str, path: str) -> list[tuple[str, dict[str, float]]]:
    """A header (a `name` column, then features) and one row per person; a trailing empty cell is accepted."""
    header, rows = csv_lines(text, path)
    if not rows:
        raise UsageError(f"--people {path} has no rows: give a CSV with a header (name, then features)")
    check_features_once([c for c in header if c.strip()], f"--people {path} header")
    named = max((i + 1 for i, c in enumerate(header) if c.strip()), default=0)
    persons = []
    for place, (line, cells) in enumerate(rows, start=1):
        if len(cells) < named or any(c.strip() for c in cells[len(header):]):
            raise UsageError(f"--people {path} line {line} has {len(cells)} cells, the header {named}: give one "
                             "cell per column (an empty cell takes the training mean)")
        if any(cell.strip() and not column.strip() for column, cell in zip(header, cells)):
            raise UsageError(f"--people {path} line {line} has a value under a column the header does not name: "
                             "name the column, or leave its cells empty")
        values = {k.strip(): v for k, v in zip(header, cells) if k.strip()}
        name = (values.pop("name", None) or "").strip() or f"person{place}"
        where = f"--people {path} line {line}: "
        persons.append((name, {k: number(v, where + clipped(k, False)) for k, v in values.items() if v.strip()}))
    return persons


def csv_lines(text: str, path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's cells and the non-blank rows, each with the line it ends on; separator sniffed."""
    import csv

    from lifeexp_cli.data import csv_text

    lines = text.splitlines()
    if not lines:
        return [], []
    parsed = csv.reader(lines, delimiter=csv_text.sniff_separator(lines[0]))
    try:
        header = next(parsed)
        rows = [(parsed.line_num, row) for row in parsed if row]
    except csv.Error as exc:
        raise csv_text.csv_problem(exc, f"--people {path}") from None
    return header, rows


def read_text(path: str) -> str:
    """The --people file's text: a regular file of at most MAX_PEOPLE_BYTES (a FIFO or /dev/zero would never end)."""
    try:
        with regular_files.open_regular(path) as stream:
            raw = regular_files.read_at_most(stream, MAX_PEOPLE_BYTES)
    except regular_files.NotRegular as exc:
        raise UsageError(f"--people {path} is {exc.kind}, not a regular file: give a JSON or CSV file") from None
    except OSError as exc:
        raise UsageError(f"cannot read --people {path}: {exc.strerror}") from None
    if raw is None:
        raise UsageError(f"--people {path} is larger than {MAX_PEOPLE_BYTES >> 20} MiB: give at most "
                         f"{MAX_PEOPLE_BYTES >> 20} MiB of people (predict --input reads big CSV files)")
    try:
        if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            return raw.decode("utf-32")
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--people {path} is not UTF-8 text: save it as UTF-8") from None


class _Pairs(list):
    """A JSON object as its (key, value) pairs in order: a key given twice is seen, not overwritten."""


class _Numeral(str):
    """A JSON number (or NaN, Infinity) as written: `number` reads it, so 5000 digits are "too large"."""


def people_from_json(text: str, path: str) -> list[tuple[str, dict[str, float]]]:
    """{name: {feature: value}} or [{"name": ..., feature: value}, ...]; any other shape is a usage error."""
    import json  # not at import: compare without --people does not need it

    shape = (f"--people {path} must be a JSON object {{name: {{feature: value}}}} or a list of such objects "
             "with a \"name\"")
    try:
        data = json.loads(text, object_pairs_hook=_Pairs, parse_int=_Numeral, parse_float=_Numeral,
                          parse_constant=_Numeral)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--people {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise UsageError(f"--people {path} is nested too deeply: give {{name: {{feature: value}}}}") from None
    if isinstance(data, _Pairs):
        entries = [(name.strip(), person) for name, person in data]
    elif isinstance(data, list) and all(isinstance(p, _Pairs) for p in data):
        entries = [(json_name(p, path), _Pairs((k, v) for k, v in p if k != "name")) for p in data]
    else:
        raise UsageError(shape)
    if not entries:
        raise UsageError(f"--people {path} has no people: give {{name: {{feature: value}}}} "
                         "(without --people, compare predicts for the lecture's Tim and Tom)")
    if not all(isinstance(p, _Pairs) for _, p in entries):
        raise UsageError(shape)
    persons = []
    for place, (name, person) in enumerate(entries, start=1):
        name = name or f"person{place}"
        where = f"--people {path}: {clipped(name, False)}"
        check_features_once([str(k) for k, _ in person], where)
        persons.append((name, {str(k): json_number(v, f"{where}: {clipped(str(k), False)}") for k, v in person}))
    return persons


def json_name(person: _Pairs, path: str) -> str:
    """The "name" of a person in a JSON list: text or a number; missing, null or blank is no name ("")."""
    names = [value for key, value in person if key == "name"]
    if len(names) > 1:
        raise UsageError(f"--people {path} gives one person \"name\" twice: give each person one name")
    name = names[0] if names else None
    if name is None:
        return ""
    if not isinstance(name, str):
        raise UsageError(f"--people {path}: a \"name\" must be text, got {kind_of(name)}")
    return name.strip()


def kind_of(value) -> str:
    """A JSON value as a message names it: a number or text as written (cut), else what it is."""
    if isinstance(value, str):
        return clipped(str(value)) if isinstance(value, _Numeral) else clipped(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else "true" if value else "false"
    return "an object" if isinstance(value, _Pairs) else "a list"


def json_number(value, what: str) -> float:
    """A JSON value that must be a number (a numeric string is accepted, as on the command line)."""
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a number, got {kind_of(value)}")
    return number(str(value), what)


def lecture_people() -> list[tuple[str, dict[str, float]]]:
    return [("Tim", dict(TIM)), ("Tom", dict(TOM))]
