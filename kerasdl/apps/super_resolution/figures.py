"""The before/after figure: bicubic, the model and the ground truth side by side."""

from __future__ import annotations

import pathlib

from kerasdl.files import save_figure
from kerasdl.image_panels import detail_rows, show_image


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
    fig, rows = detail_rows([r.hr for r in results], columns=4, width=13, row_height=3.3, zoom=zoom)
    for (row, crop), r in zip(rows, results):
        b, m = r.scores["bicubic"], r.scores["model"]
        show_image(row[0], r.hr, f"{r.name} (ground truth)")
        show_image(row[1], r.bicubic[crop], f"bicubic detail: {b['psnr']:.2f} dB")
        show_image(row[2], r.output[crop], f"{model_name} detail: {m['psnr']:.2f} dB")
        show_image(row[3], r.hr[crop], "ground truth detail")
    fig.tight_layout()
    return save_figure(fig, path, dpi=90)
