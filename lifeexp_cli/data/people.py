"""People to predict for: the lecture's Tim and Tom, `--person` strings, and BMI from height and weight."""

from __future__ import annotations

import json
import math

from lifeexp_cli.data import byte_records, csv_text, regular_files
from lifeexp_cli.errors import ParameterError, UsageError
from lifeexp_cli.limits import LARGEST_VALUE, MAX_PEOPLE_BYTES

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


def with_bmi(values: dict[str, float], warnings: list[str]) -> dict[str, float]:
    """Replace height and weight by the BMI they give; warn when it is implausible (height in cm?)."""
    values = dict(values)
    height, weight = values.pop("height", None), values.pop("weight", None)
    if (height is None) != (weight is None):
        raise ParameterError("give both {height} (m) and {weight} (kg) to compute BMI, or {bmi} directly", "height")
    if height is not None:
        if "bmi" in values:
            raise ParameterError("give either {bmi} or {height} and {weight}, not both", "bmi")
        values["bmi"] = bmi(height, weight)
        low, high = PLAUSIBLE_BMI
        if not low <= values["bmi"] <= high:
            warnings.append(f"BMI {values['bmi']:.3g} from height {height} and weight {weight} is implausible: "
                            "--height is in metres (1.82, not 182) and --weight in kilograms")
    return values


def number(text: str, what: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be a number, got {text!r}") from None
    except OverflowError:  # an integer beyond any float (JSON allows 10**400)
        raise UsageError(f"{what} is too large to compute with (limit {LARGEST_VALUE:.0e})") from None
    if not math.isfinite(value):
        raise UsageError(f"{what} must be a finite number, got {text!r}")
    if abs(value) > LARGEST_VALUE:
        raise UsageError(f"{what} is {value:.3g}, too large to compute with (limit {LARGEST_VALUE:.0e})")
    return value


def parse_person(text: str) -> tuple[str, dict[str, float]]:
    """`name:bmi=24.1,hiv=0.1` -> ('name', {'bmi': 24.1, 'hiv': 0.1}) (names resolved later)."""
    name, sep, rest = text.partition(":")
    if not sep or not name.strip():
        raise UsageError(f"--person {text!r} must look like name:bmi=24.1,hiv=0.1")
    values = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"--person {name}: {item!r} must look like feature=value")
        values[key.strip()] = number(value, f"--person {name}: {key.strip()}")
    return name.strip(), values


def read_people(path: str) -> list[tuple[str, dict[str, float]]]:
    """People from a JSON object {name: {feature: value}} or list, or a CSV with a `name` column."""
    text = read_text(path)
    if path.lower().endswith(".json"):
        return people_from_json(text, path)
    names, rows = csv_text.parse_rows(text)
    if not rows:
        raise UsageError(f"--people {path} has no rows: give a CSV with a header (name, then features)")
    people = [dict(zip(names, cells)) for cells in rows]
    return [(person.pop("name", None) or f"person{i + 1}",
             {k: number(v, f"{k}") for k, v in person.items() if k and v not in (None, "")})
            for i, person in enumerate(people)]


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
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--people {path} is not UTF-8 text: save it as UTF-8") from None


def people_from_json(text: str, path: str) -> list[tuple[str, dict[str, float]]]:
    """{name: {feature: value}} or [{"name": ..., feature: value}, ...]; any other shape is a usage error."""
    shape = (f"--people {path} must be a JSON object {{name: {{feature: value}}}} or a list of such objects "
             "with a \"name\"")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--people {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise UsageError(f"--people {path} is nested too deeply: give {{name: {{feature: value}}}}") from None
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list) and all(isinstance(p, dict) for p in data):
        items = [(p.get("name", f"person{i + 1}"), {k: v for k, v in p.items() if k != "name"})
                 for i, p in enumerate(data)]
    else:
        raise UsageError(shape)
    if not all(isinstance(p, dict) for _, p in items):
        raise UsageError(shape)
    return [(str(n), {str(k): json_number(v, f"{n}: {k}") for k, v in p.items()}) for n, p in items]


def json_number(value, what: str) -> float:
    """A JSON value that must be a number (a numeric string is accepted, as on the command line)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UsageError(f"{what} must be a number, got {json.dumps(value)[:40]}")
    return number(value, what)


def lecture_people() -> list[tuple[str, dict[str, float]]]:
    return [("Tim", dict(TIM)), ("Tom", dict(TOM))]
