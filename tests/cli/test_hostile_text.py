"""Text from users and files shown as typed: every command, fed markup, control characters and a fake
`Error:` line in each place outside text enters (option values, paths, CSV cells, people, model files),
prints it escaped — no Rich markup applied or crashing, no raw newline, escape code or bidi override."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app
from lifeexp_cli.cli.render import shown
from lifeexp_cli.model import store

MARKUP = "[/x][bold]B[/bold]:smile:"
HOSTILE = MARKUP + "\x1b[31m\nError: fake\r\u202e"
GOOD = "country,status,bmi,hiv,life_expectancy\n" + "".join(
    f"{c},Developing,{20 + i % 7},{0.1 * (i % 5)},{55 + i % 11}\n" for i, c in enumerate("ABCDEFGHIJKL" * 2))


def hostile_model() -> bytes:
    """tim-bmi with its feature (everywhere the record names it) and its target renamed to the hostile text."""
    def renamed(value):
        if isinstance(value, dict):
            return {renamed(k): renamed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [renamed(v) for v in value]
        return HOSTILE if value == "bmi" else value

    record = renamed(store.load("tim-bmi"))
    record.pop("path")
    record["target"] = HOSTILE + "t"
    return pickle.dumps(record, protocol=4)


# (name, args, exit code, what of the hostile text is shown: True for all of it, written out; a fragment; or None)
CASES = [
    ("fit unknown feature", ["fit", "-F", HOSTILE, "--data", "good.csv"], 2, True),
    ("fit unknown target", ["fit", "-F", "bmi", "--target", HOSTILE, "--data", "good.csv"], 2, True),
    ("fit --solver", ["fit", "-F", "bmi", "--solver", HOSTILE, "--data", "good.csv"], 2, True),
    ("fit missing data path", ["fit", "-F", "bmi", "--data", HOSTILE + ".csv"], 1, True),
    ("fit to a hostile path", ["fit", "-F", "bmi", "--data", "good.csv", "--out", HOSTILE + ".joblib"], 0, True),
    ("cv unknown feature", ["cv", "-F", HOSTILE, "--data", "good.csv", "--folds", "2"], 2, True),
    ("select unknown candidate", ["select", "--candidates", HOSTILE, "--data", "good.csv"], 2, True),
    ("corr unknown target", ["corr", "--target", HOSTILE, "--data", "good.csv"], 2, True),
    ("data describe unknown column", ["data", "describe", "-F", HOSTILE, "--data", "good.csv"], 2, True),
    ("data info of a hostile path", ["data", "info", "--data", HOSTILE + ".csv"], 1, True),
    ("data where names a hostile path", ["data", "where", "--data", HOSTILE + ".csv"], 0, True),
    ("data info of a hostile file name", ["data", "info", "--data", "h[bold]x.csv"], 0, None),
    ("predict missing model", ["predict", "-m", HOSTILE], 1, True),
    ("predict unknown option", ["predict", "-m", "tim-bmi", "--" + HOSTILE, "3"], 2, True),
    ("predict a hostile number", ["predict", "-m", "tim-bmi", "--bmi", HOSTILE], 2, True),
    ("predict hostile cells as a table", ["predict", "-m", "tim-bmi", "--input", "cells.csv", "--format", "table"],
     0, True),
    ("predict with a hostile model", ["predict", "-m", "hostile.joblib"], 0, True),
    ("eval a hostile model", ["eval", "-m", "hostile.joblib", "--data", "good.csv"], 1, True),
    ("compare a hostile model", ["compare", "-m", "hostile.joblib", "-m", "tim-bmi", "--explain"], 0, True),
    ("compare a hostile person", ["compare", "-m", "tim-bmi", "--person", HOSTILE.replace(":", "") + ":bmi=22"], 0,
     "[/x][bold]B[/bold]smile"),
    ("compare a hostile feature", ["compare", "-m", "tim-bmi", "--person", "ann:" + MARKUP + "=22"], 2, MARKUP),
    ("compare hostile people JSON", ["compare", "-m", "tim-bmi", "--people", "people.json"], 0, True),
    ("compare hostile people CSV", ["compare", "-m", "tim-bmi", "--people", "people.csv"], 0, MARKUP),
    ("plot a hostile model", ["plot", "-m", "hostile.joblib", "--kind", "fit", "--data", "good.csv", "--out", "p.png"],
     1, True),
    ("plot to a hostile path", ["plot", "-m", "tim-bmi", "--kind", "fit", "--data", "good.csv",
                                "--out", "[bold]p.png"], 0, None),
    ("plot a model whose file name is TeX", ["plot", "-m", "t$\\frac$.joblib", "--kind", "fit", "--data", "good.csv",
                                             "--out", "p.png"], 0, None),
    ("unknown option", ["fit", "--" + MARKUP], 2, MARKUP),
    ("unknown command", [MARKUP], 2, MARKUP),
    ("bad --format", ["features", "--format", HOSTILE], 2, True),
]


def files() -> dict[str, bytes]:
    cells = f'name,bmi\n"{HOSTILE}",22\nb,24\n'
    return {
        "good.csv": GOOD.encode(),
        "h[bold]x.csv": GOOD.encode(),
        "cells.csv": cells.encode(),
        "hostile.joblib": hostile_model(),
        "t$\\frac$.joblib": (store.shipped_dir() / "tim-bmi.joblib").read_bytes(),
        "people.json": json.dumps({HOSTILE: {"bmi": 22}}).encode(),
        "people.csv": cells.encode(),
    }


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_text_is_shown_as_typed(case, tmp_path, monkeypatch):
    name, args, code, appears = case
    monkeypatch.chdir(tmp_path)
    for file, content in files().items():
        (tmp_path / file).write_bytes(content)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "2000"})
    out, err = result.stdout, result.stderr
    assert result.exit_code == code, (result.exit_code, out, err, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for raw in ("\x1b", "\r", "\u202e"):
        assert raw not in out + err, (raw, out + err)
    assert not [line for line in (out + err).splitlines() if line.lstrip("│┃ ").startswith("Error: fake")]
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == (1 if code else 0), err
    if appears is True:
        assert "[/x][bold]B[/bold]:smile:\\x1b[31m\\nError: fake\\r\\u202e" in out + err, out + err
    elif appears:
        assert appears in out + err, out + err  # markup and emoji codes not applied


def test_json_carries_hostile_text_as_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hostile.joblib").write_bytes(hostile_model())
    result = CliRunner().invoke(app, ["predict", "-m", "hostile.joblib", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and HOSTILE in json.loads(result.stdout)[0]


@pytest.mark.parametrize("text, expected", [
    ("plain", "plain"),
    ("[bold]x[/bold]", "\\[bold]x\\[/bold]"),
    ("a\nb\tc\x1b[0m", "a\\nb\\tc\\x1b[0m"),
    ("\\[bold]", "\\\\\\[bold]"),
    ("[1, 2] [B]", "[1, 2] [B]"),  # not tags to Rich: left alone
])
def test_shown_escapes_markup_and_control_characters(text, expected):
    assert shown(text) == expected


@pytest.mark.parametrize("text", ["[bold]x[/bold]", "\\[bold]", "\\\\[/x]", "a]b[", "[/]", "[@click]z[/]",
                                  "[#ff0000]r", "x\\"])
def test_rich_prints_shown_text_as_typed(text):
    from rich.console import Console

    console = Console(width=200, color_system=None, emoji=False)
    with console.capture() as captured:
        console.print(shown(text), highlight=False, soft_wrap=True)
    assert captured.get() == text + "\n"
