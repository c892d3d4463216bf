"""The comparison figure: noisy, the best classical method, the network and the clean image."""

from __future__ import annotations

import pathlib

from kerasdl.apps.denoising.baselines import METHODS
from kerasdl.apps.denoising.evaluation import MODEL, NOISY
from kerasdl.files import save_figure
from kerasdl.image_panels import detail_rows, show_image


def comparison_figure(results, path, *, model_name="model", max_images=4, zoom=128) -> pathlib.Path:
    """Writes a grid: per image, the clean image and a zoomed detail of noisy / best classical / network / clean.

    The classical column shows, per image, whichever classical method scored best on it.

    Args:
        results: :class:`~kerasdl.apps.denoising.evaluation.ImageResult` list.
        path: PNG to write (atomically).
        model_name: label of the network's column.
        max_images: rows to draw.
        zoom: side of the zoomed crop in pixels.
    """
    results = results[:max_images]
    fig, rows = detail_rows([r.clean for r in results], columns=5, width=16, row_height=3.4, zoom=zoom)
    for (row, crop), r in zip(rows, results):
        classical = [m for m in METHODS if m in r.scores]
        show_image(row[0], r.clean, f"{r.name} (clean)")
        show_image(row[1], r.outputs[NOISY][crop], f"noisy: {r.scores[NOISY]['psnr']:.2f} dB")
        if classical:
            best = max(classical, key=lambda m: r.scores[m]["psnr"])
            show_image(row[2], r.outputs[best][crop], f"{best}: {r.scores[best]['psnr']:.2f} dB")
        else:
            row[2].axis("off")
        if MODEL in r.scores:
            show_image(row[3], r.outputs[MODEL][crop], f"{model_name}: {r.scores[MODEL]['psnr']:.2f} dB")
        else:
            row[3].axis("off")
        show_image(row[4], r.clean[crop], "clean detail")
    fig.tight_layout()
    return save_figure(fig, path, dpi=90)
