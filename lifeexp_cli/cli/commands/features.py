"""`lifeexp features`: the features lifeexp knows, their aliases, meanings and units."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, Format, FormatOpt, NoHeaderOpt
from lifeexp_cli.data import catalog


def features(data: DataOpt = None, output: FormatOpt = Format.table, no_header: NoHeaderOpt = False):
    """List every feature with its aliases, meaning and unit (from the WHO dataset's documentation).
    With --data, list the columns of that file instead, marking which can be features.

    A unit marked "!" is one the data contradicts (the WHO file's bmi has median 43.5, not a population's
    average in kg/m²): the note under the table says how; JSON and CSV carry it as unit_note.

    Example:

        lifeexp features

        lifeexp features --data my.csv --format json
    """
    if data:
        from lifeexp_cli.data import dataset

        table = dataset.read_table(data, progress=render.reading_progress())
        usable = set(dataset.candidate_features(table.frame, catalog.DEFAULT_TARGET))
        names = list(table.frame.columns)
        notes = dataset.unit_notes(table.frame, usable)
    else:
        from lifeexp_cli.data import units

        usable = set(catalog.WHO_FEATURES) - {catalog.DEFAULT_TARGET}
        names = list(catalog.WHO_FEATURES)
        notes = units.WHO_NOTES
    rows = []
    for name in names:
        meaning, unit = catalog.describe(name)
        role = ("target" if name == catalog.DEFAULT_TARGET else "group key" if name == catalog.GROUP_COLUMN
                else "feature" if name in usable else "not numeric")
        rows.append({"name": name, "aliases": ", ".join(catalog.aliases_of(name)), "role": role,
                     "meaning": meaning, "unit": unit, "unit_note": notes.get(name)})
    render.rows_with_unit_notes(rows, output.value,
                                title="Features (use a name or an alias wherever a feature is named)",
                                header=not no_header)
