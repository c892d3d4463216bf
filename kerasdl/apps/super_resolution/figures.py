"""The before/after figure: bicubic, the model and the ground truth side by side."""

from __future__ import annotations

import pathlib

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
import numpy as np

from kerasdl.files import save_figure


def _show(ax, image, title):
    image = np.clip(image, 0, 1)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def _zoom_box(hr, size):
    """A square crop around the most detailed region (highest local variance), for the zoom row."""
    gray = hr.mean(axis=-1)
    h, w = gray.shape
    size = min(size, h, w)
    best, box = -1.0, (0, 0)
    for y in range(0, h - size + 1, max(1, size // 4)):
        for x in range(0, w - size + 1, max(1, size // 4)):
            v = float(gray[y : y + size, x : x + size].var())
            if v > best:
                best, box = v, (y, x)
    return box[0], box[1], size


def before_after_figure(results, path, *, model_name="model", max_images=4, zoom=96) -> pathlib.Path:
    """Writes a grid: per image, full views and a zoomed detail of bicubic / model / ground truth.

    Args:
        results: :class:`~kerasdl.apps.super_resolution.evaluation.ImageResult` list.
        path: PNG to write (atomically).
        model_name: label of the model column.
        max_images: rows to draw.
        zoom: side of the zoomed crop in HR pixels.
    """
    results = results[:max_images]
    fig = Figure(figsize=(13, 3.3 * len(results)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(results), 4, squeeze=False)
    for row, r in zip(axes, results):
        y, x, s = _zoom_box(r.hr, zoom)
        crop = (slice(y, y + s), slice(x, x + s))
        b, m = r.scores["bicubic"], r.scores["model"]
        _show(row[0], r.hr, f"{r.name} (ground truth)")
        _show(row[1], r.bicubic[crop], f"bicubic detail: {b['psnr']:.2f} dB")
        _show(row[2], r.output[crop], f"{model_name} detail: {m['psnr']:.2f} dB")
        _show(row[3], r.hr[crop], "ground truth detail")
    fig.tight_layout()
    return save_figure(fig, path, dpi=90)
