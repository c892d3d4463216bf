"""The generation app's pictures: sample grids (a row per class), interpolation strips, a VAE's latent map."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerasdl.files import save_figure


def tile(images: np.ndarray, *, rows: int, gap: int = 1) -> np.ndarray:
    """Images ``(rows * columns, h, w, c)`` in [0, 1] as one ``(H, W, c)`` mosaic, row by row, with white gaps."""
    n, h, w, c = images.shape
    columns = -(-n // rows)
    mosaic = np.ones((rows * (h + gap) - gap, columns * (w + gap) - gap, c), np.float32)
    for i, image in enumerate(images):
        r, k = divmod(i, columns)
        mosaic[r * (h + gap) : r * (h + gap) + h, k * (w + gap) : k * (w + gap) + w] = image
    return mosaic


def _show(ax, image):
    if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(np.clip(image, 0, 1), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def grid_figure(panels: dict[str, np.ndarray], *, rows: int, row_labels=None, path, title=None):
    """Side-by-side mosaics (``{"model": images, "baseline": images}``), a row per class when labelled."""
    fig = Figure(figsize=(3.6 * len(panels), 3.6 * max(rows, 4) / 8 + 0.9))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, images) in zip(axes, panels.items()):
        mosaic = tile(images, rows=rows)
        _show(ax, mosaic)
        ax.set_title(name)
        if row_labels:
            h = images.shape[1] + 1
            ax.set_yticks([r * h + h / 2 - 1 for r in range(rows)])
            ax.set_yticklabels(row_labels, fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def latent_map_figure(images: np.ndarray, *, points: int, extent: float, path):
    """Kingma & Welling's Figure 4: decoded images on a grid over a 2-D latent space."""
    fig = Figure(figsize=(6, 6))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    _show(ax, tile(images, rows=points, gap=0))
    h = images.shape[1]
    ticks = np.linspace(h / 2, points * h - h / 2, 5)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{v:.1f}" for v in np.linspace(-extent, extent, 5)])
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{v:.1f}" for v in np.linspace(extent, -extent, 5)])
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title("decoder over the latent plane (prior quantiles)")
    fig.tight_layout()
    return save_figure(fig, path)
