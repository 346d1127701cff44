"""The documentation is kept true by tests.

- docs/cli-reference.md is what docs/make_cli_reference.py renders from every command's --help
  (stale: run `make docs`), and it names every command and every option;
- the README's tour prints what the README shows: a ```sh block holding one `lifeexp ...` line,
  followed directly by a ```text block, is run and its stdout compared with the block;
- every `lifeexp_cli/PATH.py: name` reference in docs/math.md and docs/architecture.md names a file
  that exists and defines that name.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import who_data_or_skip

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "cli-reference.md"
CODE_DOCS = ("math.md", "architecture.md")
# Commands that read the dataset (compare does only with --folds); the rest of the tour runs without it.
DATA_COMMANDS = {"fit", "eval", "cv", "corr", "select", "data", "plot"}


def _generator():
    spec = importlib.util.spec_from_file_location("make_cli_reference", DOCS / "make_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator():
    return _generator()


@pytest.fixture(scope="module")
def helps(generator):
    return generator.all_help()


# --- cli-reference.md ------------------------------------------------------------------------------

def test_cli_reference_is_current(generator, helps):
    assert REFERENCE.read_text(encoding="utf-8") == generator.render(helps), \
        "docs/cli-reference.md is stale: run make docs"


def _sections(markdown: str) -> dict[str, str]:
    """Reference text per command heading, e.g. {"lifeexp data info": "..."}."""
    parts = re.split(r"^## `([^`]+)`$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def _options(help_text: str) -> set[str]:
    """Every long option named in a help text's Options section (both halves of --a/--no-a)."""
    found, inside = set(), False
    for line in help_text.splitlines():
        if line.strip() == "Options:":
            inside = True
        elif inside and line and not line.startswith(" "):
            inside = False
        elif inside and re.match(r"^\s{2}-", line):
            names = re.split(r"\s{2,}", line.strip())[0]
            found |= set(re.findall(r"--[a-z][\w-]*", names))
    return found


def test_options_parser():
    text = ("Options:\n  -F, --features <str>  Names.\n  --stream / --no-stream\n"
            "                         Read in chunks, unlike --other.\n  -h, --help  Show.\n\nExtra:\n  --not-this\n")
    assert _options(text) == {"--features", "--stream", "--no-stream", "--help"}


def test_cli_reference_covers_every_command_and_option(generator, helps):
    root_help = helps[0][1]
    sections = _sections(REFERENCE.read_text(encoding="utf-8"))
    for name in generator.subcommands(root_help):
        assert f"lifeexp {name}" in sections, f"`lifeexp {name}` is missing from docs/cli-reference.md: run make docs"
    assert len(helps) >= 14, [c for c, _ in helps]  # root, 11 commands, data info, data describe
    for command, text in helps:
        heading = " ".join(["lifeexp", *command])
        assert heading in sections, f"`{heading}` is missing from docs/cli-reference.md: run make docs"
        options = _options(text)
        assert "--help" in options, heading
        missing = sorted(o for o in options if o not in sections[heading])
        assert not missing, f"`{heading}` options missing from docs/cli-reference.md: {missing}; run make docs"


# --- the README tour ---------------------------------------------------------------------------------

TOUR_BLOCK = re.compile(r"```sh\n(lifeexp [^\n]*)\n```\s*\n```text\n(.*?)```", re.DOTALL)


def tour(markdown: str) -> list[tuple[str, str]]:
    """(command line, expected stdout) for each ```sh block of one `lifeexp` line followed by ```text."""
    return [(command.strip(), expected) for command, expected in TOUR_BLOCK.findall(markdown)]


def test_tour_parser():
    text = ("```sh\nlifeexp compare\n```\n\n```text\nTable\n```\n"
            "```sh\nlifeexp fit\nlifeexp cv\n```\n```text\nnot a tour block\n```\n"
            "```sh\nlifeexp features\n```\nprose\n```text\nnot this either\n```\n")
    assert tour(text) == [("lifeexp compare", "Table\n")]


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


README_TOUR = tour((ROOT / "README.md").read_text(encoding="utf-8"))


def needs_data(command: str) -> bool:
    args = shlex.split(command)[1:]
    return args[0] in DATA_COMMANDS or (args[0] == "compare" and "--folds" in args)


def test_readme_has_a_tour():
    assert 4 <= len(README_TOUR) <= 6, [c for c, _ in README_TOUR]


@pytest.mark.parametrize("command, expected", [
    pytest.param(command, expected, id=command, marks=[pytest.mark.who] if needs_data(command) else [])
    for command, expected in README_TOUR])
def test_readme_tour_output_is_true(command, expected):
    args = shlex.split(command)[1:]
    env = {k: v for k, v in os.environ.items() if k != "LIFEEXP_DATA"}
    env["COLUMNS"] = "80"
    if needs_data(command):
        env["LIFEEXP_DATA"] = str(who_data_or_skip())
    done = subprocess.run([sys.executable, "-m", "lifeexp_cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _clean(done.stdout) == _clean(expected), \
        f"README tour: `{command}` prints something else now; paste its output (COLUMNS=80) into README.md"


# --- code references in math.md and architecture.md -------------------------------------------------

REFERENCE_PATTERN = re.compile(r"`(lifeexp_cli/[\w/]+\.py)(?::\s*([A-Za-z_][\w.]*))?`")


def code_references(markdown: str) -> list[tuple[str, str | None]]:
    """(path, name or None) for every `lifeexp_cli/PATH.py` or `lifeexp_cli/PATH.py: name` in backticks."""
    return [(path, name or None) for path, name in REFERENCE_PATTERN.findall(markdown)]


def defines(source: str, name: str) -> bool:
    """Whether source defines name at any level: `def name`, `class name` or `name =` (`Class.method`:
    both parts)."""
    def one(part):
        return re.search(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(part)}\b|^{re.escape(part)}\s*[:=]",
                         source, flags=re.MULTILINE) is not None
    return all(one(part) for part in name.split("."))


def test_code_reference_parser():
    text = ("| normal equation | `lifeexp_cli/linear/closed_form.py: normal_equation` |\n"
            "see `lifeexp_cli/nn/autograd.py: Node.backward` and `lifeexp_cli/errors.py`; "
            "not `lifeexp_cli/data/` nor `closed_form.py`")
    assert code_references(text) == [("lifeexp_cli/linear/closed_form.py", "normal_equation"),
                                     ("lifeexp_cli/nn/autograd.py", "Node.backward"),
                                     ("lifeexp_cli/errors.py", None)]
    source = "SOLVERS = ('a',)\nclass Node:\n    def backward(self):\n        pass\ndef lstsq(X, y):\n"
    assert defines(source, "SOLVERS") and defines(source, "lstsq") and defines(source, "Node.backward")
    assert not defines(source, "normal_equation") and not defines(source, "Node.forward")
    assert not defines("def lstsq_refined():\n", "lstsq")


@pytest.mark.parametrize("doc", CODE_DOCS)
def test_code_references_exist(doc):
    references = code_references((DOCS / doc).read_text(encoding="utf-8"))
    assert references, f"docs/{doc} names no code"
    broken = []
    for path, name in references:
        file = ROOT / path
        if not file.is_file():
            broken.append(f"{path} (no such file)")
        elif name and not defines(file.read_text(encoding="utf-8"), name):
            broken.append(f"{path}: {name} (not defined there)")
    assert not broken, f"docs/{doc} names code that is not there:\n" + "\n".join(sorted(set(broken)))
