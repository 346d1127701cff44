"""Shell completion: what `lifeexp --install-completion` installs and `_LIFEEXP_COMPLETE=bash_source
lifeexp` prints, and the values completed for --features and --model.

Only the standard library and the catalogue (no numpy, no pandas): the shell runs `lifeexp` at every Tab.
"""

from __future__ import annotations

import os

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def accept_click_style(variable: str) -> None:
    """Typer reads `source_bash`; click 8 (and its documentation) writes `bash_source`: accept both."""
    shell, underscore, mode = os.environ.get(variable, "").partition("_")  # no regex: this runs on every start-up
    if underscore and shell in SHELLS and mode in ("source", "complete"):
        os.environ[variable] = f"{mode}_{shell}"


def features(incomplete: str) -> list[str]:
    """Feature names and aliases for the last item of a comma-separated --features value (and `all`)."""
    from lifeexp_cli.data import catalog

    done, _, last = incomplete.rpartition(",")
    prefix = done + "," if done else ""
    chosen = {catalog.ALIASES.get(n, n) for n in (catalog.canonical(x) for x in done.split(",")) if n}
    names = [n for n in catalog.WHO_FEATURES if n != catalog.DEFAULT_TARGET] + sorted(catalog.ALIASES)
    if not done:
        names.append("all")
    return [prefix + name for name in names
            if name.startswith(last.lower()) and catalog.ALIASES.get(name, name) not in chosen]


def columns(incomplete: str) -> list[str]:
    """--target: any WHO column name or alias."""
    from lifeexp_cli.data import catalog

    return [name for name in [*catalog.WHO_FEATURES, *sorted(catalog.ALIASES)] if name.startswith(incomplete.lower())]


def models(incomplete: str) -> list[str]:
    """Model names: your own (./models/ or $LIFEEXP_MODELS), then the shipped ones; or .joblib paths
    when the value looks like a path."""
    from pathlib import Path

    from lifeexp_cli.model import store

    if "/" in incomplete or incomplete.startswith("."):
        folder, _, stem = incomplete.rpartition("/")
        base = Path(folder or ".")
        try:
            entries = sorted(base.iterdir())
        except OSError:
            return []
        return [f"{folder + '/' if folder else ''}{p.name}{'/' if p.is_dir() else ''}" for p in entries
                if p.name.startswith(stem) and (p.is_dir() or p.suffix == ".joblib")]
    names: list[str] = []
    for folder in (store.models_dir(), store.shipped_dir()):
        if folder is not None and folder.is_dir():
            names += sorted(p.stem for p in folder.glob("*.joblib"))
    return [n for n in dict.fromkeys(names) if n.startswith(incomplete)]


def feature_flags(model: str | None) -> list[str]:
    """predict's feature options: those of the model named (its features and their aliases), else of every
    WHO feature. A model that cannot be read offers none."""
    from lifeexp_cli.data import catalog
    from lifeexp_cli.errors import LifeexpError
    from lifeexp_cli.model import store

    if model is None:
        names = [n for n in catalog.WHO_FEATURES if n != catalog.DEFAULT_TARGET]
    else:
        try:
            names = list(store.load_record(model).features)
        except LifeexpError:
            return []
    names += [alias for alias, name in sorted(catalog.ALIASES.items()) if name in names]
    return ["--" + name.replace("_", "-") for name in dict.fromkeys(names)]
