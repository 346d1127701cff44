"""`lifeexp eval`: score a saved model on data."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, Format, FormatOpt, ModelOpt, NoHeaderOpt, QuietOpt


def evaluate(
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
    import numpy as np

    from lifeexp_cli.data import dataset
    from lifeexp_cli.evaluate import metrics
    from lifeexp_cli.model import store
    from lifeexp_cli.model.predict import arrays

    record = store.load(model)
    table = dataset.read_table(data, progress=render.reading_progress())
    design = dataset.design_for_model(table, record, "evaluate it on")
    rows, scope = np.ones(len(design.y), dtype=bool), "all rows"
    split = record.get("split")
    if split and not all_rows and record["data"].get("sha256") == table.sha256:
        rows, scope = np.isin(design.rows, split["test_rows"]), "held-out rows"
    yhat = arrays.predict(record["kind"], record["params"], design.X[rows])
    scores = metrics.score(design.y[rows], yhat)
    document = {"model": record["path"], "on": scope, "metrics": scores,
                "rows": {"scored": int(rows.sum()), "dropped": design.dropped_target}}
    if output.value == "json":
        render.emit_json(document)
    elif output.value == "csv":
        render.emit_csv([{"model": record["path"], "on": scope, **scores, "rows": int(rows.sum())}], not no_header)
    else:
        render.rows_output([{"model": record["path"], "on": scope, "rows": int(rows.sum()),
                             "RMSE": scores["rmse"], "MAE": scores["mae"], "R²": scores["r2"]}], "table")
        render.info(f"{design.dropped_target} rows without a target were skipped", quiet or not design.dropped_target)
