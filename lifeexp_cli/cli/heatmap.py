"""The correlation matrix as a heatmap image (matplotlib, headless). Imported only for `corr --png`."""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import LifeexpError

ANNOTATE_UP_TO = 25  # columns; beyond that the numbers no longer fit in the cells


def write_heatmap(r: np.ndarray, names: list[str], path: str, title: str) -> None:
    """Red (−1) to blue (+1) cells, grey where r is undefined, values written in the cells when they fit."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LifeexpError("--png needs matplotlib: pip install 'matplotlib>=3.7', or leave out --png") from None
    p = len(names)
    side = max(4.0, 0.42 * p + 2.5)
    fig, ax = plt.subplots(figsize=(side + 1.2, side))
    try:
        cmap = plt.get_cmap("RdBu").with_extremes(bad="lightgrey")
        image = ax.imshow(np.ma.masked_invalid(r), cmap=cmap, vmin=-1.0, vmax=1.0)
        ax.set_xticks(range(p), names, rotation=90, fontsize=8)
        ax.set_yticks(range(p), names, fontsize=8)
        if p <= ANNOTATE_UP_TO:
            for i in range(p):
                for j in range(p):
                    text = "—" if not np.isfinite(r[i, j]) else f"{r[i, j]:.2f}"
                    dark = np.isfinite(r[i, j]) and abs(r[i, j]) > 0.6
                    ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white" if dark else "black")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="r")
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise LifeexpError(f"cannot write --png {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an extension matplotlib does not know
        raise LifeexpError(f"cannot write --png {path}: {exc}; use a .png file name") from None
    finally:
        plt.close(fig)
