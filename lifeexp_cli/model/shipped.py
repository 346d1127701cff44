"""The shipped models as a catalogue, and the one `predict` uses when no model is named: the shipped
model whose features are exactly the ones given (`--bmi`, or `--height` and `--weight`, is tim-bmi).

Standard library only, like `store`: `predict` runs this on its fast start-up path.
"""

from __future__ import annotations

from pathlib import Path

from lifeexp_cli.data import catalog, people
from lifeexp_cli.errors import UsageError
from lifeexp_cli.model import store

ORDER = ("tim-bmi", "tom-gdp", "tim", "tom")  # the lecture's order; any other shipped model follows
BMI_PARTS = ("height", "weight")  # given together, they are the bmi


def catalogue() -> list[tuple[str, list[str]]]:
    """(name, features) of every shipped model, the lecture's four first."""
    folder = store.shipped_dir()
    if folder is None:
        return []
    rank = {name: i for i, name in enumerate(ORDER)}
    names = sorted((p.stem for p in folder.glob("*.joblib")), key=lambda n: (rank.get(n, len(ORDER)), n))
    return [(name, list(store.load_record(str(folder / f"{name}.joblib")).features)) for name in names]


def given_features(options: list[str]) -> set[str]:
    """Canonical feature names of the options given (`adult-mortality` -> adult_mortality; `height` with
    `weight` -> bmi); a name lifeexp does not know (or one of height and weight alone) stays as typed and
    then matches no model."""
    keys = {catalog.canonical(option) for option in options}
    if set(BMI_PARTS) <= keys:
        keys = (keys - set(BMI_PARTS)) | {"bmi"} if "bmi" not in keys else keys
    return {catalog.ALIASES.get(key, key) for key in keys}


def choose(options: list[str]) -> Path:
    """The shipped model whose features are exactly those named by `options`, or a usage error that
    lists the shipped models and their features."""
    people.check_bmi_parts({catalog.ALIASES.get(key, key) for key in map(catalog.canonical, options)})
    wanted = given_features(options)
    models = catalogue()
    for name, features in models:
        if set(features) == wanted:
            return shown(store.shipped_dir() / f"{name}.joblib")
    listing = "; ".join(f"{name}: {', '.join(features)}" for name, features in models)
    given = ", ".join("--" + o for o in options) or "no feature"
    raise UsageError(f"no --model given, no {store.models_dir() / 'model.joblib'}, and no shipped model takes "
                     f"exactly {given}: give a shipped model's features ({listing}; --height and --weight "
                     "give bmi) or name a model with --model")


def shown(path: Path) -> Path:
    """`models/tim.joblib` in the repository's root, the full path elsewhere."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
