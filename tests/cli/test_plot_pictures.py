"""What the pictures say, read from the matplotlib figures (not pixels): units on the axes, a title that
agrees with the legend, a log axis for GDP, Tim and Tom on the fit plot, one loss curve per learning rate
(a diverged run kept up to its divergence, clipped), the loss landscape with its descent path.
Data-free: models fitted on the WHO-like CSV of conftest."""

from __future__ import annotations

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli.commands import plot as plot_command
from lifeexp_cli.cli.main import app
from lifeexp_cli.data import dataset
from lifeexp_cli.model import store
from lifeexp_cli.usecases import plot_data


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, who_like_csv):
    """feature -> (typed record, design) for one-feature models on the WHO-like file; a picture is drawn from the
    use case's view of them (usecases/plot_data.py)."""
    folder = tmp_path_factory.mktemp("models")
    table = dataset.read_table(str(who_like_csv))
    out = {}
    for feature, extra in (("bmi", []), ("gdp", []), ("schooling", ["--solver", "gd"])):
        path = folder / f"{feature}.joblib"
        done = CliRunner().invoke(app, ["fit", "--data", str(who_like_csv), "-F", feature, "--out", str(path),
                                        "-q", *extra])
        assert done.exit_code == 0, done.stderr
        record = store.load_record(str(path))
        out[feature] = (record, dataset.design_for_model(table, record.as_mapping(), "plot it with"))
    return out


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_fit_plot_units_title_agrees_with_legend_and_tim_and_tom(fitted):
    record, design = fitted["bmi"]
    ax = plot_command.fit_picture(record, plot_data.fit_view(record, design)).axes[0]
    assert ax.get_xlabel() == "bmi (kg/m²)" and ax.get_ylabel() == "life_expectancy (years)"
    rows = int(re.search(r"on the (\d+) rows with bmi", ax.get_title()).group(1))
    labels = legend_texts(ax)
    assert labels[0] == f"{rows} rows with bmi" and rows == int((~np.isnan(design.X[:, 0])).sum())
    assert any(t.startswith("Tim: bmi 24.15 → ") for t in labels)
    assert any(t.startswith("Tom: bmi 22.53 → ") for t in labels)
    assert ax.get_xscale() == "linear"


def test_fit_plot_of_gdp_has_a_log_axis(fitted):
    record, design = fitted["gdp"]
    ax = plot_command.fit_picture(record, plot_data.fit_view(record, design)).axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "gdp (USD), log scale"
    assert {"Tim: gdp 5000", "Tom: gdp 8500"} <= {t.split(" → ")[0] for t in legend_texts(ax)}


def test_lr_plot_overlays_one_curve_per_rate_and_clips_a_diverged_run(fitted):
    record, design = fitted["schooling"]
    figure = plot_command.lr_picture(record, plot_data.rates_view(record, design, [0.01, 0.1, 3.0]))
    ax = figure.axes[0]
    labels = legend_texts(ax)
    assert len(labels) == 3 and labels[2].startswith("α = 3: diverged at epoch")
    top = ax.get_ylim()[1]
    for line in ax.get_lines():
        assert np.all(line.get_ydata() <= top)
    assert "(years²)" in ax.get_ylabel()


def test_landscape_draws_the_path_on_the_loss(fitted):
    record, design = fitted["schooling"]
    figure = plot_command.landscape_picture(record, plot_data.landscape_view(record, design))
    ax = figure.axes[0]
    path = ax.get_lines()[0]
    assert len(path.get_xdata()) > 10
    assert ax.get_xlabel() == "θ₀ (intercept) (years)"
    assert "per standard deviation of schooling" in ax.get_ylabel()
    assert any(t.startswith("least-squares minimum") for t in legend_texts(ax))


def test_lr_and_landscape_write_pngs(fitted, tmp_path, who_like_csv):
    for kind in ("lr", "landscape"):
        out = tmp_path / f"{kind}.png"
        done = CliRunner().invoke(app, ["plot", "--model", fitted["bmi"][0].path, "--data", str(who_like_csv),
                                        "--kind", kind, "--out", str(out)])
        assert done.exit_code == 0, done.stderr
        assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, words", [
    (["--kind", "fit", "--lrs", "0.1"], "--lrs applies to --kind lr only"),
    (["--kind", "lr", "--lrs", "0,1"], "--lrs must be positive numbers"),
    (["--kind", "lr", "--lrs", "x"], "--lrs must be a number"),
])
def test_lrs_errors(args, words, tmp_path):
    done = CliRunner().invoke(app, ["plot", "--model", "tim-bmi", "--out", str(tmp_path / "p.png"), *args])
    assert done.exit_code == 2 and words in done.stderr and not list(tmp_path.iterdir())


def test_log_axis_ticks_are_plain_numbers_not_raw_tex(fitted):
    """Mathtext is off (a '$' in a title is a dollar sign): log ticks must not fall back to '$10^{3}$'."""
    record, design = fitted["gdp"]
    figure = plot_command.fit_picture(record, plot_data.fit_view(record, design))
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert labels and not any("$" in t or "mathdefault" in t for t in labels)
    assert "1,000" in labels


def test_loss_plot_of_an_ensemble_says_it_draws_the_first_network(who_like_csv, tmp_path):
    """An ensemble's file keeps the first network's loss history: the title said only 'adam, 160 epochs'."""
    path = tmp_path / "ens.joblib"
    done = CliRunner().invoke(app, ["fit", "--data", str(who_like_csv), "--kind", "mlp", "-F", "bmi,hiv",
                                    "--hidden", "4", "--epochs", "5", "--ensemble", "2", "--out", str(path), "-q"])
    assert done.exit_code == 0, done.stderr
    record = store.load_record(str(path))
    title = plot_command.loss_picture(record, plot_data.loss_view(record)).axes[0].get_title()
    assert title.endswith("the first of the ensemble's 2 networks"), title
