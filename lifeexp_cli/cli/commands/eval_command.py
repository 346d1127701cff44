"""`lifeexp eval`: score a saved model on data."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, Format, FormatOpt, ModelOpt, NoHeaderOpt, QuietOpt


def eval_model(
    model: ModelOpt = "model",
    data: DataOpt = None,
    all_rows: Annotated[bool, typer.Option(
        "--all-rows", help="Score on every row even when the model kept held-out rows of this data.")] = False,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
):
    """Score a saved model (RMSE, MAE, R²) on --data: on all rows, or on the model's own held-out rows
    when it was fitted with --test-size on this same file.

    Example:

        lifeexp eval --model tim --data life_expectancy_who.csv --format json
    """
    from lifeexp_cli.usecases import assess

    done = assess.evaluate(model, data, all_rows=all_rows, progress=render.reading_progress())
    scores, scope = done.scores, done.scope
    document = {"model": done.model, "on": scope, "metrics": scores,
                "rows": {"scored": done.scored, "dropped": done.dropped}}
    if output.value == "json":
        render.emit_json(document)
    elif output.value == "csv":
        render.emit_csv([{"model": done.model, "on": scope, **scores, "rows": done.scored}], not no_header)
    else:
        render.rows_output([{"model": render.model_label(model), "on": scope, "rows": done.scored,
                             "RMSE": scores["rmse"], "MAE": scores["mae"], "R²": scores["r2"]}], "table")
        render.info(f"{render.count(done.dropped, 'row')} without a target {'was' if done.dropped == 1 else 'were'} skipped", quiet or not done.dropped)
