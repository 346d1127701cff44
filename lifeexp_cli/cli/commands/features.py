"""`lifeexp features`: the features lifeexp knows, their aliases, meanings and units."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import FeaturesDataOpt, Format, FormatOpt, NoHeaderOpt


def features(data: FeaturesDataOpt = None, output: FormatOpt = Format.table, no_header: NoHeaderOpt = False):
    """List every feature with its aliases, meaning and unit (from the WHO dataset's documentation).
    With --data, list the columns of that file instead, marking which can be features.

    A unit marked "!" is one the data contradicts (the WHO file's bmi has median 43.5, not a population's
    average in kg/m²): the note under the table says how; JSON and CSV carry it as unit_note.

    Example:

        lifeexp features

        lifeexp features --data my.csv --format json
    """
    from lifeexp_cli.usecases import explore

    rows = explore.features(data, read_table=_read_table)
    render.rows_with_unit_notes(rows, output.value,
                                title="Features (use a name or an alias wherever a feature is named)",
                                header=not no_header)


def _read_table(data: str):
    from lifeexp_cli.data import dataset

    return dataset.read_table(data, progress=render.reading_progress())
