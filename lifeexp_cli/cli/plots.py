"""PNG pictures: of a model (the fitted line, the loss curve, predicted vs actual and residuals) for
`lifeexp plot`, and of a correlation matrix (a heatmap) for `lifeexp corr --png`.

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


def fit_figure(x: np.ndarray, y: np.ndarray, grid: np.ndarray, curve: np.ndarray, *, feature: str,
               target: str, label: str, title: str) -> Figure:
    """The data as a scatter and the model's prediction over the feature's range (the lecture's figures)."""
    figure = _figure(SIZE)
    ax = figure.subplots()
    ax.scatter(x, y, color="tab:blue", label=f"{len(y)} rows with {feature}", **POINTS)
    ax.plot(grid, curve, color="tab:red", linewidth=2, label=label)
    ax.set(xlabel=feature, ylabel=target, title=title)
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return figure


def loss_figure(history: list[float], val_history: list[float] | None, *, kept_epoch: int | None,
                title: str) -> Figure:
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
    ax.set(xlabel="epoch", ylabel="loss J(θ) = mean (ŷ − y)²", title=title)
    ax.legend(loc="best")
    ax.grid(alpha=0.3, which="both")
    return figure


def residuals_figure(y: np.ndarray, yhat: np.ndarray, *, target: str, title: str) -> Figure:
    """Left: predicted against actual, with the line of perfect predictions. Right: residuals y − ŷ."""
    figure = _figure(WIDE)
    left, right = figure.subplots(1, 2)
    low, high = float(min(y.min(), yhat.min())), float(max(y.max(), yhat.max()))
    left.scatter(y, yhat, color="tab:blue", **POINTS)
    left.plot([low, high], [low, high], color="tab:red", linewidth=1.5, label="ŷ = y")
    left.set(xlabel=f"actual {target}", ylabel=f"predicted {target}", title="Predicted vs actual")
    left.legend(loc="best")
    residual = y - yhat
    right.scatter(yhat, residual, color="tab:blue", **POINTS)
    right.axhline(0.0, color="tab:red", linewidth=1.5)
    right.set(xlabel=f"predicted {target}", ylabel="residual y − ŷ", title="Residuals")
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
        figure.savefig(path, dpi=HEATMAP_DPI)
    except OSError as exc:
        raise LifeexpError(f"cannot write --png {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an extension matplotlib does not know
        raise LifeexpError(f"cannot write --png {path}: {exc}; use a .png file name") from None
