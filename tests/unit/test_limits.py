"""One home for every bound (lifeexp_cli/limits.py): the model loader, the fit and the readers use the
same numbers, and no other module writes one down again."""

from __future__ import annotations

import ast
from pathlib import Path

from lifeexp_cli import limits

PACKAGE = Path(__file__).resolve().parents[2] / "lifeexp_cli"
BOUNDS = {name for name in vars(limits) if name.isupper()}


def literal(node: ast.AST) -> bool:
    """A number written out (1 << 20, 64 * 1024 * 1024, (4096, 16)), not a name for one."""
    return all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Tuple, ast.operator, ast.unaryop,
                              ast.expr_context)) for n in ast.walk(node))


def test_limits_is_pure_python():
    tree = ast.parse((PACKAGE / "limits.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def test_no_other_module_writes_a_bound_down_again():
    again = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "limits.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and literal(node.value):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                names += [e.id for t in node.targets if isinstance(t, ast.Tuple) for e in t.elts]
                again += [f"{path.relative_to(PACKAGE)}: {name}" for name in names if name in BOUNDS]
    assert not again, f"bounds restated outside limits.py: {again}"


def test_the_loader_the_fit_and_the_readers_share_the_numbers():
    from lifeexp_cli.data import byte_records as reader, dataset, people
    from lifeexp_cli.evaluate import conformal, domain
    from lifeexp_cli.model import fields, store
    from lifeexp_cli.nn import ensemble, regressor
    from lifeexp_cli.optim import loop

    assert reader.LARGEST_VALUE == dataset.LARGEST_VALUE == people.LARGEST_VALUE == limits.LARGEST_VALUE
    assert fields.MAX_EPOCHS == loop.MAX_EPOCHS == limits.MAX_EPOCHS
    assert (fields.MAX_WIDTH, fields.MAX_LAYERS) == (regressor.MAX_WIDTH, regressor.MAX_LAYERS)
    assert fields.MAX_MEMBERS == ensemble.MAX_MEMBERS
    assert fields.MAX_CALIBRATION_SCORES == conformal.MAX_SCORES
    assert (fields.MAX_DOMAIN_ROWS, fields.MAX_DOMAIN_CELLS, fields.MAX_DOMAIN_K) == (domain.MAX_ROWS,
                                                                                   domain.MAX_CELLS, domain.K)
    assert store.MAX_MODEL_BYTES == limits.MAX_MODEL_BYTES
    assert ensemble.MAX_STORED_PARAMETERS * 2 * store.FLOAT_BYTES <= store.MAX_MODEL_BYTES
