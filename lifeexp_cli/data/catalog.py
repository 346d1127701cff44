"""Feature names: canonical snake_case names, short aliases, meanings and units.

Pure Python (no pandas) so that `predict` can resolve `--hiv 0.1` without loading the data stack.
Meanings and units come from the documentation of the Kaggle "Life Expectancy (WHO)" dataset.
"""

from __future__ import annotations

import difflib
import re

from lifeexp_cli.errors import ParameterError, UsageError

DEFAULT_TARGET = "life_expectancy"
GROUP_COLUMN = "country"
STATUS_COLUMN = "status"
# How the text of `status` becomes a number (matched after stripping and lower-casing the cell).
STATUS_CODES = {"developed": 1.0, "developing": 0.0}
# Columns that are never features: the group key. `status` is text but becomes 0/1.
NON_FEATURES = (GROUP_COLUMN,)

# canonical name -> (aliases, meaning, unit)
WHO_FEATURES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "life_expectancy": (("life", "lifeexp"), "life expectancy at birth", "years"),
    "year": ((), "calendar year of the observation", "year"),
    "status": (("developed",), "development status: Developed = 1, Developing = 0", "0/1"),
    "adult_mortality": (("mortality", "adult"),
                        "probability of dying between 15 and 60 years, both sexes", "per 1000 population"),
    "infant_deaths": (("infant",), "number of infant deaths", "per 1000 population"),
    "alcohol": ((), "recorded per-capita (15+) alcohol consumption", "litres of pure alcohol"),
    "percentage_expenditure": (("health_expenditure", "pct_expenditure"),
                               "expenditure on health as a share of GDP per capita", "%"),
    "hepatitis_b": (("hepb", "hep_b"), "hepatitis B immunization coverage among 1-year-olds", "%"),
    "measles": ((), "reported measles cases", "per 1000 population"),
    "bmi": ((), "average body mass index of the population", "kg/m²"),
    "under_five_deaths": (("under_five", "u5_deaths"), "number of under-five deaths", "per 1000 population"),
    "polio": ((), "polio (Pol3) immunization coverage among 1-year-olds", "%"),
    "total_expenditure": (("gov_expenditure",),
                          "government health expenditure as a share of total government expenditure", "%"),
    "diphtheria": (("dtp3",), "diphtheria-tetanus-pertussis (DTP3) immunization coverage among 1-year-olds", "%"),
    "hiv_aids": (("hiv", "aids"), "deaths per 1000 live births from HIV/AIDS (0-4 years)", "per 1000 live births"),
    "gdp": ((), "gross domestic product per capita", "USD"),
    "population": (("pop",), "population of the country", "people"),
    "thinness_1_19_years": (("thinness_1_19", "thinness_10_19"),
                            "prevalence of thinness among children and adolescents aged 10-19", "%"),
    "thinness_5_9_years": (("thinness_5_9",), "prevalence of thinness among children aged 5-9", "%"),
    "income_composition_of_resources": (("income", "hdi_income", "icor"),
                                        "Human Development Index in terms of income composition of resources",
                                        "index 0-1"),
    "schooling": (("school", "education"), "number of years of schooling", "years"),
}

ALIASES: dict[str, str] = {
    alias: name for name, (aliases, _, _) in WHO_FEATURES.items() for alias in aliases
}


def canonical(name: str) -> str:
    """`' thinness  1-19 years'` -> `'thinness_1_19_years'`; `'HIV/AIDS'` -> `'hiv_aids'`."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def describe(name: str) -> tuple[str, str]:
    """Meaning and unit of a feature, or empty strings for a column we know nothing about."""
    _, meaning, unit = WHO_FEATURES.get(name, ((), "", ""))
    return meaning, unit


def aliases_of(name: str) -> tuple[str, ...]:
    return WHO_FEATURES.get(name, ((), "", ""))[0]


def short_name(name: str) -> str:
    """A compact label for narrow tables: the first alias of a long name (`income` for
    `income_composition_of_resources`)."""
    aliases = aliases_of(name)
    return aliases[0] if len(name) > 12 and aliases else name


def resolve(name: str, available: list[str], what: str = "feature") -> str:
    """Map a user-typed name or alias to one of `available` canonical names, or fail with suggestions."""
    key = canonical(name)
    if key in available:
        return key
    if ALIASES.get(key) in available:
        return ALIASES[key]
    close = suggestions(key, available)
    hint = f"did you mean {', '.join(close)}?" if close else "run `lifeexp features` to list them"
    raise UsageError(f"unknown {what} {name!r}: {hint}")


def suggestions(key: str, available: list[str]) -> list[str]:
    """Up to three of `available` whose names or aliases are close to the canonical `key`."""
    known = list(available) + [a for a, target in ALIASES.items() if target in available]
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
    return list(dict.fromkeys(ALIASES.get(c, c) for c in close))


def resolve_target(name: str, available: list[str]) -> str:
    """`resolve` for the column to predict. A name close to none of the columns is most often the default
    target, life_expectancy, which a CSV of one's own lacks: the error then names the parameter that picks
    the target and lists the columns, where `resolve` pointed to `lifeexp features` (the WHO file's)."""
    key = canonical(name)
    if key in available or ALIASES.get(key) in available or suggestions(key, available):
        return resolve(name, available, what="target column")
    columns = [c for c in available if c != GROUP_COLUMN]
    listed = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    raise ParameterError(f"the data has no target column {name!r}: name one of its columns with {{target}} "
                         f"({listed})", "target", name)


def resolve_many(spec: str | list[str], available: list[str], what: str = "feature") -> list[str]:
    """Resolve a comma-separated list; duplicates (also through aliases) are an error."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [n for n in (n.strip() for n in names) if n]
    if not names:
        raise ParameterError(f"no {what} given: name at least one, e.g. {{features}} bmi,hiv", "features", spec)
    resolved = [resolve(n, available, what) for n in names]
    seen: set[str] = set()
    for typed, name in zip(names, resolved):
        if name in seen:
            raise UsageError(f"{what} {name!r} is named twice (as {typed!r}): list each {what} once")
        seen.add(name)
    return resolved


# The published WHO file, as `lifeexp data install` checks it: these columns (canonical names) and rows.
WHO_COLUMNS = (GROUP_COLUMN, *WHO_FEATURES)
WHO_ROWS = 2938
