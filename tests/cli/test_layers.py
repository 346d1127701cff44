"""The layering the command line relies on, read from the import statements (no module is imported):
commands never import each other, and the terminal and picture libraries stay under cli/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lifeexp_cli"


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` names in the file, at any depth (lazy imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules_outside(folder: str) -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if folder not in p.relative_to(PACKAGE).parts[:1]]


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli" / "commands").glob("*.py")), ids=lambda p: p.name)
def test_no_command_imports_another_command(path):
    others = {m for m in imported_modules(path) if m.startswith("lifeexp_cli.cli.commands.")}
    assert not others, f"{path.name} imports {sorted(others)}: move what they share into cli/options, render or inputs"


@pytest.mark.parametrize("library", ["typer", "rich", "matplotlib"])
def test_terminal_and_picture_libraries_stay_under_cli(library):
    users = [str(p.relative_to(PACKAGE)) for p in modules_outside("cli")
             if any(m == library or m.startswith(library + ".") for m in imported_modules(p))]
    assert not users, f"{library} imported outside cli/: {users}"


def test_matplotlib_is_imported_by_the_plots_module_only():
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if any(m == "matplotlib" or m.startswith("matplotlib.") for m in imported_modules(p)))
    assert users == ["cli/plots.py"]
