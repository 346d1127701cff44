"""The layers, as docs/architecture.md states them, checked on the source: who may import what.

Read with `ast`, nothing is imported. Imports inside functions count too: a lazy import is still a
dependency of the layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lifeexp_cli"
MATH = ("linear", "optim", "nn", "evaluate")


def modules() -> dict[str, ast.Module]:
    return {str(path.relative_to(PACKAGE.parent).with_suffix("")).replace("/", "."): ast.parse(path.read_text())
            for path in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.Module, name: str) -> set[str]:
    """Absolute names of every module `tree` (the module `name`) imports, relative imports resolved."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")[: -node.level]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


SOURCES = modules()


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else ""


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_heavy_and_screen_libraries_stay_in_their_layer(name):
    uses = {module.split(".")[0] for module in imported(SOURCES[name], name)}
    if layer(name) != "cli":
        assert not uses & {"typer", "rich", "click"}, f"{name}: typer and rich belong under lifeexp_cli/cli/"
    if name != "lifeexp_cli.cli.plots":
        assert "matplotlib" not in uses, f"{name}: matplotlib belongs in lifeexp_cli/cli/plots.py only"
    if layer(name) != "data":
        assert "pandas" not in uses, f"{name}: pandas belongs under lifeexp_cli/data/ only"
        assert "pyarrow" not in uses, f"{name}: pyarrow (Parquet) belongs under lifeexp_cli/data/ only"
    if name != "lifeexp_cli.model.fit.dask_engine":
        assert not uses & {"dask", "distributed"}, f"{name}: Dask belongs in lifeexp_cli/model/fit/dask_engine.py only"


@pytest.mark.parametrize("name", sorted(n for n in SOURCES if layer(n) in MATH))
def test_the_math_knows_no_model_file_no_command_line_and_no_table(name):
    uses = imported(SOURCES[name], name)
    for upper in ("lifeexp_cli.cli", "lifeexp_cli.model", "lifeexp_cli.data.dataset", "lifeexp_cli.data.opening",
                  "lifeexp_cli.data.whole_file", "lifeexp_cli.data.chunk_frames", "lifeexp_cli.data.sources"):
        assert not any(u == upper or u.startswith(upper + ".") for u in uses), f"{name} imports {upper}"


@pytest.mark.parametrize("name", sorted(n for n in SOURCES if layer(n) in MATH))
def test_the_math_never_names_a_flag_in_an_error(name):
    for node in ast.walk(SOURCES[name]):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for text in ast.walk(node.exc):
                if isinstance(text, ast.Constant) and isinstance(text.value, str):
                    assert " --" not in f" {text.value}", (
                        f"{name} raises {text.value!r}: name the parameter ({{name}} in a ParameterError), "
                        "the command line shows its flag")


def test_no_command_imports_another():
    commands = {n for n in SOURCES if n.startswith("lifeexp_cli.cli.commands.") and not n.endswith("__init__")}
    for name in commands:
        others = {u for u in imported(SOURCES[name], name) if u.startswith("lifeexp_cli.cli.commands.")}
        assert not {".".join(u.split(".")[:4]) for u in others} - {name}, f"{name} imports another command"


def test_at_most_three_plain_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "errors.py"]


def test_package_inits_import_nothing():
    """Importing a layer costs nothing: the CLI's start-up path goes through several of them."""
    for path in PACKAGE.rglob("__init__.py"):
        if path.parent == PACKAGE:
            continue
        tree = ast.parse(path.read_text())
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))], path
