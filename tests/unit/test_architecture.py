"""The house as docs/architecture.md draws it, checked on the source: every file listed there, every import
along an arrow it draws, every arrow an import somewhere, and the libraries confined where it says.

The document's three blocks are read here (```files, ```imports, ```libraries); the source is read with
`ast`, nothing is imported. Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lifeexp_cli"
DOC = ROOT / "docs" / "architecture.md"
DOC_NAME = "docs/architecture.md"
MATH = ("linear", "optim", "nn", "evaluate")


# --- the document ----------------------------------------------------------------------------------

def doc_block(kind: str) -> list[str]:
    """The lines of the ```kind block, comments (# ...) and blank lines left out."""
    found = re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    assert len(found) == 1, f"{DOC_NAME} needs exactly one ```{kind} block"
    lines = (line.split("#")[0].rstrip() for line in found[0].splitlines())
    return [line for line in lines if line.strip()]


def listed_files() -> list[str]:
    """The files of the ```files block, relative to lifeexp_cli/ ("model/spec.py")."""
    lines = doc_block("files")
    assert lines[0] == "lifeexp_cli/", f"the ```files block of {DOC_NAME} starts with lifeexp_cli/"
    folder, files = "", []
    for line in lines[1:]:
        words = line.split()
        if words[0].endswith("/"):
            folder, words = words[0], words[1:]
        for word in words:
            assert word.endswith(".py"), f"{DOC_NAME}, ```files: {word!r} is not a file name (line {line.strip()!r})"
            files.append(folder + word)
    return files


@functools.cache
def drawn_arrows() -> dict[str, set[str]]:
    """Each layer of the ```imports block and the layers it may import: {"evaluate/": {"prep/", ...}}."""
    arrows: dict[str, set[str]] = {}
    source = None
    for line in doc_block("imports"):
        head, arrow, targets = line.partition("→")
        if not arrow:  # a line without an arrow continues the one above
            assert source, f"{DOC_NAME}, ```imports: no → in {line.strip()!r}"
            arrows[source].update(line.split())
            continue
        source = head.strip()
        assert source not in arrows, f"{DOC_NAME}, ```imports: {source} has two lines"
        arrows[source] = set(targets.split())
    unknown = sorted({t for targets in arrows.values() for t in targets} - set(arrows))
    assert not unknown, f"{DOC_NAME}, ```imports: arrows to {unknown}, which have no line of their own"
    return arrows


@functools.cache
def confined_libraries() -> dict[str, list[str]]:
    """{"pandas": ["data/"], ...} from the ```libraries block."""
    places = {}
    for line in doc_block("libraries"):
        libraries, said, where = line.partition("only in")
        assert said, f"{DOC_NAME}, ```libraries: no 'only in' in {line.strip()!r}"
        for library in libraries.split():
            places[library] = where.split()
    return places


# --- the source ------------------------------------------------------------------------------------

def relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


SOURCES = {relative(path): ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}


def module_name(file: str) -> str:
    parts = ["lifeexp_cli", *file.removesuffix(".py").split("/")]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FILE_OF = {module_name(file): file for file in SOURCES}


@functools.cache
def imports(file: str) -> dict[str, int]:
    """Every module `file` imports (absolute names, relative imports resolved), with the line of its first
    import. `from a import b` counts as importing `a.b` when that is a module, else `a`."""
    package = module_name(file) if file.endswith("__init__.py") else module_name(file).rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(SOURCES[file]):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in FILE_OF else base for alias in node.names]
        else:
            continue
        for name in names:
            found.setdefault(name, node.lineno)
    return found


def lifeexp_file(name: str) -> str | None:
    """The file of lifeexp_cli that an imported name is (or is in: `lifeexp_cli.errors.DataError`), or None."""
    while name:
        if name in FILE_OF:
            return FILE_OF[name]
        name = name.rpartition(".")[0]
    return None


def layer_of(file: str, layers) -> str | None:
    """The layer a file belongs to: its own line in the ```imports block, else its deepest folder there."""
    if file in layers:
        return file
    folders = [layer for layer in layers if layer.endswith("/") and file.startswith(layer)]
    return max(folders, key=len, default=None)


@functools.cache
def cross_layer_imports() -> list[tuple[str, int, str, str, str]]:
    """(file, line, imported module, its layer, the file's layer) for every import between two layers."""
    layers, found = drawn_arrows(), []
    for file in SOURCES:
        for name, line in imports(file).items():
            target = lifeexp_file(name)
            if target is not None and layer_of(target, layers) != layer_of(file, layers):
                found.append((file, line, name, layer_of(target, layers), layer_of(file, layers)))
    return found


# --- the checks ------------------------------------------------------------------------------------

def test_every_file_is_listed_in_the_document():
    files = {file for file in SOURCES if not (file.endswith("/__init__.py"))}
    listed = listed_files()
    twice = sorted({file for file in listed if listed.count(file) > 1})
    missing, gone = sorted(files - set(listed)), sorted(set(listed) - files)
    assert not missing, f"{DOC_NAME} does not list {', '.join('lifeexp_cli/' + f for f in missing)}: add each to " \
                        "the ```files block under '## The layers' (and a line to the table below it)"
    assert not gone, f"{DOC_NAME} lists {', '.join('lifeexp_cli/' + f for f in gone)}, which does not exist: " \
                     "remove it from the ```files block (or correct its folder)"
    assert not twice, f"{DOC_NAME} lists {twice} twice in the ```files block"


@pytest.mark.parametrize("file", sorted(SOURCES))
def test_every_import_follows_an_arrow_of_the_document(file):
    layers = drawn_arrows()
    own = layer_of(file, layers)
    assert own is not None, f"lifeexp_cli/{file} is in no layer of {DOC_NAME}: give its folder (or the file) " \
                            "a line in the ```imports block"
    for source, line, name, target, _ in cross_layer_imports():
        if source == file:
            assert target in layers[own], (
                f"lifeexp_cli/{file}:{line} imports {name}, which breaks the layers of {DOC_NAME}: "
                f"{own} → {target} is not an arrow there (its line: {own} → {'  '.join(sorted(layers[own]))})")


@pytest.mark.parametrize("arrow", [f"{source} → {target}" for source, targets in drawn_arrows().items()
                                   for target in sorted(targets)])
def test_every_arrow_of_the_document_is_an_import(arrow):
    source, target = arrow.split(" → ")
    used = {(own, imported) for _, _, _, imported, own in cross_layer_imports()}
    assert (source, target) in used, f"{DOC_NAME} draws {arrow}, but no module of {source} imports one of " \
                                     f"{target}: remove the arrow from the ```imports block"


@pytest.mark.parametrize("file", sorted(SOURCES))
def test_libraries_stay_where_the_document_confines_them(file):
    for library, places in confined_libraries().items():
        users = [name for name in imports(file) if name == library or name.startswith(library + ".")]
        allowed = any(file == place or (place.endswith("/") and file.startswith(place)) for place in places)
        assert allowed or not users, f"lifeexp_cli/{file} imports {users[0]}: {DOC_NAME} confines {library} " \
                                     f"to {', '.join(places)}"


@pytest.mark.parametrize("file", sorted(f for f in SOURCES if f.split("/")[0] in MATH))
def test_the_math_never_names_a_flag_in_an_error(file):
    for node in ast.walk(SOURCES[file]):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for text in ast.walk(node.exc):
                if isinstance(text, ast.Constant) and isinstance(text.value, str):
                    assert " --" not in f" {text.value}", (
                        f"lifeexp_cli/{file} raises {text.value!r}: name the parameter ({{name}} in a "
                        "ParameterError), the command line shows its flag")


def test_no_command_imports_another():
    for file in (f for f in SOURCES if f.startswith("cli/commands/") and not f.endswith("__init__.py")):
        others = {lifeexp_file(name) for name in imports(file)} & set(SOURCES)
        others = sorted(f for f in others if f.startswith("cli/commands/") and f != file)
        assert not others, f"lifeexp_cli/{file} imports {others}: move what they share into cli/options, " \
                           "render or inputs, or into the library"


def test_package_inits_import_nothing():
    """Importing a layer costs nothing: the CLI's start-up path goes through several of them."""
    for file in (f for f in SOURCES if f.endswith("/__init__.py")):
        tree = SOURCES[file]
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))], \
            f"lifeexp_cli/{file} imports something"
