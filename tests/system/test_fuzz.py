"""Property-based fuzzing: random command lines over random small CSVs, and mutated model files.

Invariants: exit code in {0, 1, 2}; no traceback; with --format json and exit 0, stdout is one JSON
document; no file appears except the model a successful `fit` was asked to write; a mutated model file
either loads as a structurally valid model or is refused, and never runs code.
`make test` runs about 200 examples of each (a quarter of that where an example runs a command or two
fits); `make fuzz` (FUZZ_EXAMPLES) runs the long version.
"""

from __future__ import annotations

import json
import os
import pickle
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app
from lifeexp_cli.errors import ModelError
from lifeexp_cli.model import packed, store

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HEADERS = ["bmi", " BMI ", "hiv", "HIV/AIDS", "gdp", "life_expectancy", "Life expectancy ", "country", "status",
           "year", "x", "y", "", "a b", "é", "bmi", "[/x]", "[bold]b", "\x1b[31mred"]
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["", " ", "n/a", "NA", "abc", "12,5", "1e308", "-1e300", "1e99", "-0", "Developed", "Developing", '"q"', "\"",
                     "1;2", "\t", "[/x]", "[bold]B[/bold]", "\x1b[2J", ":smile:"]),
)


@st.composite
def csv_text(draw) -> str:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    columns = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(columns), max_size=len(columns)), max_size=12))
    lines = [sep.join(columns)] + [sep.join(r) for r in rows]
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))


NAMES = st.sampled_from(["bmi", "hiv", "gdp", "all", "status", "year", "x", "bmii", "", ",", "bmi,bmi", "country",
                         "life_expectancy", "bmi,hiv", "y"])
NUMBERS = st.sampled_from(["0", "1", "2", "3", "5", "-1", "0.2", "0.5", "1.5", "nan", "abc", "1e9"])
FORMATS = st.sampled_from(["table", "json", "csv", "xml"])


# Where a model must never be written: the data, a file that is not a model, devices, odd names.
ODD_DESTINATIONS = [["--out", p] for p in ("data.csv", "notes.txt", "", "newdir/", ".", "/dev/null", "/dev/stdout")] \
    + [["--name", n] for n in ("../x", "/tmp/lifeexp-fuzz", "a/b", "..", "")]
# What must never be read to the end: devices (refused), and ordinary files that are not what is asked.
ODD_SOURCES = st.sampled_from(["data.csv", "data.csv", "data.csv", "/dev/zero", "/dev/null", "notes.txt", "."])


@st.composite
def command(draw) -> list[str]:
    verb = draw(st.sampled_from(["fit", "eval", "predict", "features", "compare", "cv", "corr", "select",
                                 "data info", "data describe", "plot", "backprop"]))
    args = verb.split()
    if verb in ("fit", "cv", "select"):
        args += ["--features" if verb != "select" else "--candidates", draw(NAMES)]
        if verb == "fit":  # mostly a good path; else one that must be refused (issue 13: writes)
            args += draw(st.one_of(st.just(["--out", "out.joblib"]), st.sampled_from(ODD_DESTINATIONS)))
        if verb == "cv" and draw(st.booleans()):
            args += ["--folds", draw(NUMBERS)]
        if verb == "select" and draw(st.booleans()):
            args += ["--max-features", draw(NUMBERS)]
        for option, values in [("--target", NAMES),
                               ("--solver", st.sampled_from(["lstsq", "normal", "gd", "sgd", "momentum", "adam",
                                                             "zzz"])),
                               ("--lr", NUMBERS), ("--epochs", st.sampled_from(["0", "1", "5", "x"])),
                               ("--batch-size", NUMBERS),
                               ("--scale", st.sampled_from(["none", "minmax", "standard", "zzz"])),
                               ("--impute", st.sampled_from(["mean", "median", "drop", "zzz"])),
                               ("--folds", NUMBERS) if verb == "fit" else ("--seed", NUMBERS),
                               ("--test-size", NUMBERS) if verb == "fit" else ("--seed", NUMBERS),
                               ("--split", st.sampled_from(["country", "random", "zzz"])), ("--seed", NUMBERS)]:
            if draw(st.booleans()):
                args += [option, draw(values)]
        if draw(st.booleans()):
            args.append("--no-intercept")
        if draw(st.booleans()):
            args += ["--kind", "mlp", "--hidden", draw(st.sampled_from(["4", "3,2", "0", "a", ""])),
                     "--epochs", draw(st.sampled_from(["1", "3", "0"])),
                     "--activation", draw(st.sampled_from(["relu", "tanh", "sigmoid", "identity", "x"]))]
    elif verb == "eval":
        args += ["--model", draw(st.sampled_from(["tim", "tim-bmi", "nope", "data.csv", "[/x]", "a$\\frac$"]))]
    elif verb == "predict":
        args += ["--model", draw(st.sampled_from(["tim", "tom", "tim-bmi", "nope", "/dev/zero", "notes.txt"]))]
        if draw(st.booleans()):
            args += ["--input", draw(ODD_SOURCES)]
        else:
            for _ in range(draw(st.integers(0, 3))):
                args += [draw(st.sampled_from(["--bmi", "--hiv", "--gdp", "--height", "--weight", "--x"])),
                         draw(NUMBERS)]
    elif verb == "corr":
        for option, values in [("--target", NAMES), ("--top", NUMBERS),
                               ("--method", st.sampled_from(["pearson", "spearman", "kendall"]))]:
            if draw(st.booleans()):
                args += [option, values if isinstance(values, str) else draw(values)]
        if draw(st.booleans()):
            args.append("--matrix")
    elif verb == "plot":
        args += ["--model", draw(st.sampled_from(["tim-bmi", "tim", "nope"])),
                 "--kind", draw(st.sampled_from(["fit", "residuals", "loss", "all", "zzz"])),
                 "--out", draw(st.sampled_from(["plot.png", "plot.txt"]))]
    elif verb == "backprop":
        for option in ("--x", "--y", "--theta0", "--theta1", "--lr", "--steps"):
            if draw(st.booleans()):
                args += [option, draw(NUMBERS)]
        if draw(st.booleans()):
            args += ["--activation", draw(st.sampled_from(["relu", "tanh", "sigmoid", "identity", "elu"]))]
    elif verb == "data describe" and draw(st.booleans()):
        args += ["--features", draw(NAMES)]
    elif verb == "compare":
        if draw(st.booleans()):
            args += ["--person", draw(st.sampled_from(["ann:bmi=22", "bob:hiv=x", "c:", "d", "e:gdp=1e9", "[/x]:bmi=3",
                                                       "f:[bold]=1", "g:bmi=1e200"]))]
    if verb not in ("predict", "compare") and draw(st.booleans()):
        args += ["--data", draw(ODD_SOURCES)]
    if draw(st.booleans()):
        args += ["--format", draw(FORMATS)]
    return args


def run_in(folder: Path, args: list[str], csv: str):
    (folder / "data.csv").write_text(csv, encoding="utf-8")
    (folder / "notes.txt").write_text("not a model\n", encoding="utf-8")
    data = (folder / "data.csv").read_bytes()
    before = set(folder.iterdir())
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, args, env={"LIFEEXP_DATA": "data.csv", "COLUMNS": "2000"})
    finally:
        os.chdir(cwd)
    created = set(folder.iterdir()) - before
    for path in created:
        path.unlink()
    assert (folder / "data.csv").read_bytes() == data, (args, "the data changed")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "not a model\n", (args, "notes.txt changed")
    return result, {p.name for p in created}


@FUZZ
@given(args=command(), csv=csv_text())
def test_random_command_lines_keep_the_invariants(tmp_path_factory, args, csv):
    folder = tmp_path_factory.mktemp("fuzz")
    result, created = run_in(folder, args, csv)
    shown = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, shown, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in shown, (args, shown)
    given = args[args.index("--format") + 1] if "--format" in args else None
    csv_out = given == "csv" or (given is None and "--input" in args)  # CSV carries the input's bytes as they are
    assert "\x1b" not in (result.stderr if csv_out else shown), (args, shown)  # outside text escaped: render.shown
    if result.exit_code == 0 and "json" in args and args[args.index("--format") + 1:][:1] == ["json"]:
        json.loads(result.stdout, parse_constant=no_constant)  # NaN and Infinity are not JSON
    allowed = {"out.joblib"} if result.exit_code == 0 and args[0] == "fit" else set()
    if result.exit_code == 0 and args[0] == "plot":
        allowed = {"plot.png", "plot-fit.png", "plot-residuals.png", "plot-loss.png"}
    assert created <= allowed, (args, created)


def no_constant(name: str):
    raise AssertionError(f"{name} in JSON output")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
PEOPLE = st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from(["ann", "[/x]", "b\x1b[2J", ""]), st.dictionaries(
    st.sampled_from(["bmi", "hiv", "gdp", "height", "weight", "x", "[bold]"]),
    st.one_of(st.floats(), st.integers(-10**400, 10**400), st.sampled_from(["22", "abc", "1e200", ""]), JSON_VALUES),
    max_size=4), max_size=3))


@FUZZ
@given(people=PEOPLE, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_random_people_files_keep_the_invariants(tmp_path_factory, people, encoding):
    """`compare --people FILE.json` with any JSON (any shape, nesting, number, encoding): exit 0, 1 or 2,
    one Error line when it fails, no traceback, no escape code shown."""
    folder = tmp_path_factory.mktemp("people")
    try:
        text = json.dumps(people, ensure_ascii=encoding == "latin-1")
    except ValueError:  # an integer too long for Python to print
        return
    (folder / "p.json").write_bytes(text.encode(encoding))
    result = CliRunner().invoke(app, ["compare", "-m", "tim-bmi", "--people", str(folder / "p.json")],
                                env={"COLUMNS": "2000"})  # no line wraps: one Error line
    assert result.exit_code in (0, 1, 2), (people, result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (people, repr(result.exception))
    assert "\x1b" not in result.stdout + result.stderr
    if result.exit_code:
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr


VALID = (store.shipped_dir() / "tim.joblib").read_bytes()


def mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["flip", "cut", "insert", "delete", "splice"])
        at = rng.randrange(max(len(data), 1))
        if kind == "flip" and data:
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == "delete":
            del data[at:at + rng.randint(1, 8)]
        else:  # splice in a pickle opcode that would import something
            data[at:at] = b"cos\nsystem\n"
    return bytes(data)


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_model_files_load_only_when_valid(seed):
    raw = mutate(VALID, random.Random(seed))
    try:
        record = store.loads(raw)
    except ModelError:
        return
    assert store.schema_problem(record) is None
    # A loadable mutation is a plain-data model: an ordinary unpickler agrees and finds no object in it
    # (its packed vectors decoded as the loader decodes them).
    assert repr(packed.unpack(pickle.loads(raw))) == repr(record)


# Issue 13 part 3: any field of a model replaced by any plain value. Loading refuses it with a ModelError
# naming a field, or the record is sound and every command that reads a model works on it.
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.sampled_from([10**400, -10**400, 2**63, 0, -1]),
    st.sampled_from([1e-308, -1e-308, 5e-324, 1e300, -1e300, 1.7e308]),  # what divides or overflows (issue 24 item 5)
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.lists(st.floats(-1e3, 1e3), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def field_paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from field_paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:3]):
            yield from field_paths(item, (*path, i))


SHIPPED = pickle.loads(VALID)
PATHS = [p for p in field_paths(SHIPPED) if p]


@settings(FUZZ, max_examples=max(1, EXAMPLES // 4))  # a quarter: each loadable one runs a command
@given(path=st.sampled_from(PATHS), value=ODD_VALUES, drop=st.booleans(), command_index=st.integers(0, 5))
def test_a_model_with_any_field_damaged_is_refused_or_works(tmp_path_factory, who_env, path, value, drop,
                                                            command_index):
    record = pickle.loads(VALID)
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    raw = pickle.dumps(record, protocol=4)
    try:
        store.loads(raw, "m.joblib")
    except ModelError as exc:
        assert "m.joblib" in str(exc) and "\n" not in str(exc)
        return
    folder = tmp_path_factory.mktemp("field")
    (folder / "m.joblib").write_bytes(raw)
    model = str(folder / "m.joblib")
    args = [["predict", "-m", model, "--bmi", "20", "--format", "json"], ["compare", "-m", model, "-m", "tim"],
            ["predict", "-m", model, "--format", "json"], ["eval", "-m", model, "--format", "json"],
            ["compare", "--folds", "2", "-m", model, "-m", "tim-bmi", "--format", "json"],
            ["plot", "-m", model, "--kind", "residuals", "--out", str(folder / "p.png")]][command_index]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "2000"})  # no line wraps: one Error line
    assert result.exit_code in (0, 1, 2) and result.exception is None or isinstance(result.exception, SystemExit), \
        (path, value, args, repr(result.exception), result.stderr)


# Issue 24 item 1: rows that do not line up with the header (a cell too many or too few, a trailing
# separator, a lone CR), odd separators and encodings. The streamed and the in-memory reader must agree:
# the same rows read (the same fit), or both refuse, in one line (the streamed fit resolves the columns
# from the header before it reads a row, so which refusal comes first may differ).
ROW_CELLS = st.one_of(st.integers(0, 99).map(str), st.sampled_from(["", "1.5", "n/a", '"7"', '"a,b"', "x"]))


@st.composite
def malformed_csv(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = ["country", "bmi", "hiv", "life_expectancy"]
    lines = [sep.join(header)]
    for number in range(draw(st.integers(1, 14))):
        cells = [f"C{number % 4}", *(draw(st.integers(10, 40)).__str__() for _ in range(2)), str(50 + number)]
        shape = draw(st.sampled_from(["ok", "ok", "ok", "extra", "missing", "trailing", "cr", "cell"]))
        if shape == "extra":
            cells.append(draw(ROW_CELLS))
        elif shape == "missing":
            cells = cells[:draw(st.integers(1, len(cells) - 1))]
        elif shape == "cell":
            cells[draw(st.integers(1, 3))] = draw(ROW_CELLS)
        line = sep.join(cells) + (sep if shape == "trailing" else "")
        lines.append(line + ("\r" + sep + "7" if shape == "cr" else ""))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])))


def fit_once(folder: Path, mode: str) -> tuple[int, list[str], dict | None]:
    result = CliRunner().invoke(app, ["fit", "-F", "bmi,hiv", "--data", str(folder / "d.csv"), mode, "--impute",
                                      "drop", "--out", str(folder / "m.joblib"), "--format", "json", "-q"])
    assert "Traceback" not in result.stdout + result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    document = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, errors, document


@settings(FUZZ, max_examples=max(1, EXAMPLES // 4))  # a quarter: each example runs two fits
@given(content=malformed_csv())
def test_both_readers_agree_on_malformed_rows(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("rows")
    (folder / "d.csv").write_bytes(content)
    streamed, in_memory = fit_once(folder, "--stream"), fit_once(folder, "--no-stream")
    assert (streamed[0] == 0) == (in_memory[0] == 0), (streamed, in_memory)  # the order of checks may differ
    if streamed[0] == 0:
        assert streamed[2]["rows"] == in_memory[2]["rows"]
        for name, value in in_memory[2]["coefficients"].items():
            assert abs(streamed[2]["coefficients"][name] - value) <= 1e-6 * (1 + abs(value))
    else:
        assert len(streamed[1]) == len(in_memory[1]) == 1
