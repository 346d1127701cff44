"""compare's picture (cli/plots.py `write_compare`): a real PNG, titled with the answer, written
atomically: when drawing fails, no file, not even a partial one, is left behind."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from lifeexp_cli.cli import plots, verdict
from lifeexp_cli.evaluate import comparison

PNG = b"\x89PNG\r\n\x1a\n"


def result() -> comparison.Comparison:
    def model(name, tim, tom, folds):
        return comparison.ModelResult(
            model=name, features=["bmi"], predictions={"Tim": tim, "Tom": tom}, train_rmse=5.0,
            cv_rmse=sum(folds) / len(folds), cv_rmse_std=0.3, cv_folds=len(folds), cv_fold_rmse=folds,
            intervals={"Tim": {"level": 0.9, "lower": tim - 9, "upper": tim + 9},
                       "Tom": {"level": 0.9, "lower": tom - 8, "upper": tom + 8}})

    models = [model("tim", 71.5, 70.7, [5.4, 5.9, 5.4, 6.5, 6.2]), model("tom", 75.4, 77.4, [6.0, 6.3, 6.4, 7.6, 5.4])]
    ranked = comparison.rank({m.model: m.cv_fold_rmse for m in models})
    return comparison.Comparison(["Tim", "Tom"], models, ranked, pair=["Tim", "Tom"],
                                 answer={"reason": "disagree", "longer": None})


def test_the_picture_is_a_png_titled_with_the_answer(tmp_path):
    found = result()
    title = verdict.answer_text(found)
    figure = plots.compare_figure(found, title)
    assert figure._suptitle.get_text() == title
    people_ax, accuracy_ax = figure.axes
    assert [t.get_text() for t in people_ax.get_xticklabels()] == ["tim", "tom"]
    assert [t.get_text() for t in people_ax.get_legend().get_texts()] == ["Tim", "Tom"]
    assert "interval" in accuracy_ax.get_title()
    path = plots.write_compare(found, tmp_path / "compare.png", title)
    assert path.read_bytes()[:8] == PNG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare.png"]  # no temporary file left


def test_a_failed_drawing_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    def broken(self, stream, **kwargs):
        stream.write(PNG + b"half a picture")
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError):
        plots.write_compare(result(), tmp_path / "new.png", "title")
    assert list(tmp_path.iterdir()) == []
    old = tmp_path / "old.png"
    old.write_bytes(b"the previous picture")
    with pytest.raises(RuntimeError):
        plots.write_compare(result(), old, "title")
    assert old.read_bytes() == b"the previous picture" and list(tmp_path.iterdir()) == [old]
