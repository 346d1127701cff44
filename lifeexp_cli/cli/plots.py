"""PNG pictures: of a model (the fitted line, the loss curve, predicted vs actual and residuals) for
`lifeexp plot`, of a correlation matrix (a heatmap) for `lifeexp corr --png`, and of a comparison
(each person's prediction interval under each model, each model's CV RMSE) for `lifeexp compare --png`.

matplotlib is imported here only, and this module only when a picture is drawn, so no other command
pays for it. Figures are drawn with the Agg canvas directly (no pyplot, no display, no global state);
a model's pictures are written atomically: a temporary file in the same folder, renamed over the target.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, NullFormatter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lifeexp_cli.errors import DataError, LifeexpError
from lifeexp_cli.model.store import write_atomically

# Titles and labels carry outside text (file names, features): `$` in them is a dollar sign, not TeX
# (`plot -m 'x$\frac$.joblib'` failed in the mathtext parser).
matplotlib.rcParams["text.parse_math"] = False

DPI = 100
SIZE = (8.0, 5.0)  # inches: 800 × 500 pixels
WIDE = (12.0, 5.0)  # two panels: 1200 × 500 pixels
POINTS = {"s": 10, "alpha": 0.35, "linewidths": 0}
HEATMAP_DPI = 120
ANNOTATE_UP_TO = 25  # heatmap columns; beyond that the numbers no longer fit in the cells


def _figure(size) -> Figure:
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: Path) -> Path:
    """Write the PNG atomically, like a model file: never a half-drawn picture at `path`."""
    return write_atomically(Path(path), lambda stream: figure.savefig(stream, format="png", dpi=DPI), DataError)


def png_bytes(figure: Figure) -> bytes:
    """The figure drawn as PNG, in memory."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_all(pictures: dict[Path, bytes]) -> list[Path]:
    """Write every picture or none: each to a temporary file beside its target, and only when all are
    written, rename them into place; a failure removes the temporary files and leaves the targets as they were."""
    staged: dict[Path, str] = {}
    try:
        for path, data in pictures.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, staged[path] = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(staged[path], 0o644)
        for path, temp in list(staged.items()):
            os.replace(temp, path)
            del staged[path]
    except BaseException:
        for temp in staged.values():
            Path(temp).unlink(missing_ok=True)
        raise
    return list(pictures)


def plain_log_ticks(*axes) -> None:
    """Log-axis tick labels as plain numbers (1, 10, 100, 1,000; 0.01): with mathtext off (text.parse_math
    above), matplotlib's default 10^k labels would print as raw TeX."""
    for axis in axes:
        axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}"))
        axis.set_minor_formatter(NullFormatter())


def labelled(name: str, unit: str) -> str:
    """An axis label with its unit: `bmi (kg/m²)`; the name alone when the unit is unknown."""
    return f"{name} ({unit})" if unit else name


def fit_figure(x: np.ndarray, y: np.ndarray, grid: np.ndarray, curve: np.ndarray, *, feature: str,
               target: str, units: tuple[str, str], label: str, title: str, log_x: bool,
               people: list[tuple[str, float, float]]) -> Figure:
    """The data as a scatter, the model's prediction over the feature's range (the lecture's figures),
    and each person (name, x, predicted y) marked on the line."""
    figure = _figure(SIZE)
    ax = figure.subplots()
    ax.scatter(x, y, color="tab:blue", label=f"{len(y)} rows with {feature}", **POINTS)
    ax.plot(grid, curve, color="tab:red", linewidth=2, label=label)
    offsets = ((-10, 10), (8, -16), (8, 10), (-10, -16))  # alternate sides: Tim and Tom are often close
    for (name, px, py), colour, offset in zip(people, ("tab:green", "tab:purple", "tab:orange", "tab:brown"),
                                              offsets):
        ax.scatter([px], [py], s=110, marker="*", color=colour, edgecolors="black", linewidths=0.6, zorder=5,
                   label=f"{name}: {feature} {px:.4g} → {py:.1f}")
        ax.annotate(name, (px, py), xytext=offset, textcoords="offset points", fontsize=9, fontweight="bold",
                    ha="right" if offset[0] < 0 else "left", color=colour)
    if log_x:
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis)
    ax.set(xlabel=labelled(feature, units[0]) + (", log scale" if log_x else ""),
           ylabel=labelled(target, units[1]), title=title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3, which="both" if log_x else "major")
    return figure


def loss_figure(history: list[float], val_history: list[float] | None, *, kept_epoch: int | None,
                title: str, unit: str = "") -> Figure:
    """Loss per epoch on a log scale, with the validation loss and the epoch whose θ was kept."""
    figure = _figure(SIZE)
    ax = figure.subplots()
    epochs = np.arange(1, len(history) + 1)
    ax.plot(epochs, history, color="tab:blue", label="training loss (MSE)")
    if val_history:
        ax.plot(epochs, val_history, color="tab:orange", label="validation loss (MSE)")
    if kept_epoch:
        ax.axvline(kept_epoch, color="gray", linestyle="--", linewidth=1, label=f"θ kept (epoch {kept_epoch})")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis)
    ax.set(xlabel="epoch", ylabel=labelled("loss J(θ) = mean (ŷ − y)², log scale", squared(unit)), title=title)
    ax.legend(loc="best")
    ax.grid(alpha=0.3, which="both")
    return figure


def squared(unit: str) -> str:
    return f"{unit}²" if unit else ""


def lr_figure(curves, *, unit: str, title: str) -> Figure:
    """One loss curve per learning rate on a log scale; a diverged run drawn up to its divergence and
    ended by an × at the top edge (its loss there is beyond the picture: clipped)."""
    figure = _figure(SIZE)
    ax = figure.subplots()
    finite = [v for c in curves for v in c.history if np.isfinite(v) and v > 0]
    starts = [c.history[0] for c in curves if c.history and np.isfinite(c.history[0])]
    top = 10.0 * max(starts) if starts else 1.0
    bottom = 0.5 * min(finite) if finite else top / 1e3
    colours = colormaps["viridis"](np.linspace(0.0, 0.85, max(len(curves), 1)))
    for curve, colour in zip(curves, colours):
        epochs = np.arange(1, len(curve.history) + 1)
        shown = np.minimum(np.asarray(curve.history, dtype=float), top)
        if curve.diverged_at is None:
            ending = "converged" if curve.converged else "not converged"
            ax.plot(epochs, shown, color=colour, linewidth=1.8,
                    label=f"α = {curve.lr:g}: {ending}, loss {curve.history[-1]:.4g} after {len(epochs)} epochs")
            continue
        ax.plot(np.append(epochs, curve.diverged_at), np.append(shown, top), color=colour, linewidth=1.8,
                linestyle="--", label=f"α = {curve.lr:g}: diverged at epoch {curve.diverged_at} (clipped at {top:.3g})")
        ax.scatter([curve.diverged_at], [top], marker="x", s=70, color=colour, zorder=5)
    ax.set_yscale("log")
    ax.set_ylim(bottom, top * 2.0)  # the clipped stretch of a diverged run stays visible under the frame
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, ax.yaxis)
    ax.set(xlabel="epoch, log scale", ylabel=labelled("training loss J(θ), log scale", squared(unit)), title=title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return figure


def landscape_figure(view, *, feature: str, unit: str, target_unit: str, title: str) -> Figure:
    """Filled contours of J(θ₀, θ₁) (log-spaced levels), the least-squares minimum, and the descent path."""
    figure = _figure(SIZE)
    ax = figure.subplots()
    J = view.loss
    levels = np.geomspace(max(float(J.min()), 1e-12), float(J.max()), 25)
    filled = ax.contourf(view.theta0, view.theta1, J, levels=levels, cmap=colormaps["viridis_r"],
                         norm=LogNorm(vmin=levels[0], vmax=levels[-1]))
    ax.contour(view.theta0, view.theta1, J, levels=levels[::3], colors="white", linewidths=0.4, alpha=0.6)
    path = view.path
    if len(path) > 2000:  # mini-batch runs take tens of thousands of steps: every k-th, and the last
        path = np.vstack([path[:: len(path) // 2000], path[-1:]])
    ax.plot(path[:, 0], path[:, 1], color="tab:red", linewidth=1.2, marker=".", markersize=3,
            label=f"descent path ({len(view.path)} steps)")
    ax.scatter([path[0, 0]], [path[0, 1]], marker="o", s=60, color="white", edgecolors="black", zorder=5,
               label=f"start θ = ({path[0, 0]:.3g}, {path[0, 1]:.3g})")
    ax.scatter([view.minimum[0]], [view.minimum[1]], marker="*", s=160, color="gold", edgecolors="black",
               zorder=6, label=f"least-squares minimum ({view.minimum[0]:.4g}, {view.minimum[1]:.4g})")
    per = f"per standard deviation of {feature}" if view.scaled else labelled(f"per unit of {feature}",
                                                                             unit)
    ax.set(xlabel=labelled("θ₀ (intercept)", target_unit), ylabel=f"θ₁ ({target_unit or 'target'} {per})",
           title=title)
    figure.colorbar(filled, ax=ax, ticks=levels[::4], format="%.4g",
                    label=labelled("loss J(θ₀, θ₁), log scale", squared(target_unit)))
    ax.legend(loc="best", fontsize=8)
    return figure


def residuals_figure(y: np.ndarray, yhat: np.ndarray, *, target: str, title: str, unit: str = "") -> Figure:
    """Left: predicted against actual, with the line of perfect predictions. Right: residuals y − ŷ."""
    figure = _figure(WIDE)
    left, right = figure.subplots(1, 2)
    low, high = float(min(y.min(), yhat.min())), float(max(y.max(), yhat.max()))
    left.scatter(y, yhat, color="tab:blue", **POINTS)
    left.plot([low, high], [low, high], color="tab:red", linewidth=1.5, label="ŷ = y")
    left.set(xlabel=labelled(f"actual {target}", unit), ylabel=labelled(f"predicted {target}", unit),
             title="Predicted vs actual")
    left.legend(loc="best")
    residual = y - yhat
    right.scatter(yhat, residual, color="tab:blue", **POINTS)
    right.axhline(0.0, color="tab:red", linewidth=1.5)
    right.set(xlabel=labelled(f"predicted {target}", unit), ylabel=labelled("residual y − ŷ", unit),
              title="Residuals")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    figure.suptitle(title)
    return figure


def heatmap_figure(r: np.ndarray, names: list[str], title: str) -> Figure:
    """Red (−1) to blue (+1) cells, grey where r is undefined, values written in the cells when they fit."""
    p = len(names)
    side = max(4.0, 0.42 * p + 2.5)
    figure = _figure((side + 1.2, side))
    ax = figure.subplots()
    image = ax.imshow(np.ma.masked_invalid(r), cmap=colormaps["RdBu"].with_extremes(bad="lightgrey"),
                      vmin=-1.0, vmax=1.0)
    ax.set_xticks(range(p), names, rotation=90, fontsize=8)
    ax.set_yticks(range(p), names, fontsize=8)
    if p <= ANNOTATE_UP_TO:
        for i in range(p):
            for j in range(p):
                text = "—" if not np.isfinite(r[i, j]) else f"{r[i, j]:.2f}"
                dark = np.isfinite(r[i, j]) and abs(r[i, j]) > 0.6
                ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white" if dark else "black")
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="r")
    ax.set_title(title, fontsize=10)
    return figure


def write_heatmap(r: np.ndarray, names: list[str], path: str, title: str) -> None:
    """The correlation matrix as a PNG file at `path` (`corr --png`)."""
    figure = heatmap_figure(r, names, title)
    try:
        # bbox_inches="tight": the square cells leave the layout no room to widen the left margin, and a
        # long name (income_composition_of_resources) was cut; the saved picture now takes every label in
        figure.savefig(path, dpi=HEATMAP_DPI, bbox_inches="tight", pad_inches=0.1)
    except OSError as exc:
        raise LifeexpError(f"cannot write --png {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an extension matplotlib does not know
        raise LifeexpError(f"cannot write --png {path}: {exc}; use a .png file name") from None


def compare_figure(result, title: str) -> Figure:
    """Left: each person's prediction (a point, with its prediction interval as a bar when the model has
    one), people side by side under each model. Right: each model's mean CV RMSE with the t-interval of
    that mean (mean ± t·SD/√K, K − 1 degrees of freedom; evaluate/comparison.py `mean_interval`)."""
    from lifeexp_cli.evaluate.comparison import mean_interval

    figure = _figure(WIDE)
    people_ax, accuracy_ax = figure.subplots(1, 2, width_ratios=[3, 2])
    models = [r.model for r in result.models]
    step = 0.7 / max(len(result.people), 1)
    for j, person in enumerate(result.people):
        x = np.arange(len(models)) - 0.35 + step * (j + 0.5)
        y = np.array([r.predictions[person] for r in result.models], dtype=float)
        bounds = [r.intervals.get(person) for r in result.models]
        low = np.array([y[i] - b["lower"] if b else 0.0 for i, b in enumerate(bounds)])
        high = np.array([b["upper"] - y[i] if b else 0.0 for i, b in enumerate(bounds)])
        people_ax.errorbar(x, y, yerr=[low, high], fmt="o", capsize=4, label=person)
    level = next((b["level"] for r in result.models for b in r.intervals.values() if b), None)
    people_ax.set_xticks(range(len(models)), models, rotation=20 if len(models) > 3 else 0)
    people_ax.set(ylabel="predicted life expectancy (years)",
                  title=f"Predictions with {level:.0%} prediction intervals" if level else "Predictions")
    people_ax.legend(loc="best", fontsize=8)
    scored = [r for r in result.models if r.cv_fold_rmse]
    if scored:
        found = [mean_interval(r.cv_fold_rmse) for r in scored]
        mean = np.array([f["mean"] for f in found])
        half = np.array([(f["upper"] - f["mean"]) if f["upper"] is not None else 0.0 for f in found])
        accuracy_ax.errorbar(range(len(scored)), mean, yerr=half, fmt="s", capsize=4, color="tab:green")
        accuracy_ax.set_xticks(range(len(scored)), [r.model for r in scored],
                               rotation=20 if len(scored) > 3 else 0)
        accuracy_ax.set(title=f"Cross-validated RMSE, mean with {found[0]['level']:.0%} interval")
    else:
        accuracy_ax.text(0.5, 0.5, "no model is cross-validated", ha="center", va="center",
                         transform=accuracy_ax.transAxes)
        accuracy_ax.set(title="Cross-validated RMSE", xticks=[])
    accuracy_ax.set(ylabel="CV RMSE (years)")
    for ax in (people_ax, accuracy_ax):
        ax.grid(alpha=0.3, axis="y")
    figure.suptitle(title)
    return figure


def write_compare(result, path, title: str) -> Path:
    """`compare --png`: the comparison's picture, titled with the answer, written atomically at `path`."""
    return save(compare_figure(result, title), Path(path))
