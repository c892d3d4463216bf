"""The translation app's figures: input / baseline / model / target panels, and CycleGAN's cycle strip."""

from __future__ import annotations

import pathlib

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerasdl.apps.img2img.evaluation import HISTOGRAM, MODEL
from kerasdl.files import save_figure
from kerasdl.image_panels import show_image


def _grid(rows: int, columns: int, side: float = 2.2):
    fig = Figure(figsize=(side * columns, side * rows + 0.3))
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, columns, squeeze=False)


def _score(result, method) -> str:
    scores = result.scores.get(method)
    return f": {scores['psnr']:.1f} dB" if scores else ""


def panels_figure(results, path, *, model_name: str = "model", direction: str = "AtoB", max_rows: int = 6):
    """A row per test image: the input, histogram matching, the model's output and the target (when known).

    Args:
        results: :class:`~kerasdl.apps.img2img.evaluation.ImageResult` list.
        path: PNG to write (atomically).
        model_name: label of the model's column.
        direction: ``AtoB`` or ``BtoA``, for the titles.
        max_rows: rows drawn.
    """
    results = results[:max_rows]
    source, target = direction[0], direction[-1]
    paired = results[0].target is not None
    fig, axes = _grid(len(results), 4 if paired else 3)
    for row, r in zip(axes, results):
        show_image(row[0], r.source, f"{r.name} ({source})")
        show_image(row[1], r.outputs[HISTOGRAM], f"histogram matching{_score(r, HISTOGRAM)}")
        show_image(row[2], r.outputs[MODEL], f"{model_name}{_score(r, MODEL)}")
        if paired:
            show_image(row[3], r.target, f"target ({target})")
    fig.tight_layout()
    return save_figure(fig, pathlib.Path(path), dpi=90)


def cycle_figure(results, path, *, direction: str = "AtoB", max_rows: int = 6):
    """A row per test image: the input, its translation and the translation back (CycleGAN's cycle)."""
    results = [r for r in results if r.cycle is not None][:max_rows]
    if not results:
        return False
    source, target = direction[0], direction[-1]
    fig, axes = _grid(len(results), 3)
    for row, r in zip(axes, results):
        show_image(row[0], r.source, f"{r.name} ({source})")
        show_image(row[1], r.outputs[MODEL], f"{source} -> {target}")
        show_image(row[2], r.cycle, f"{source} -> {target} -> {source}{_score(r, 'cycle')}")
    fig.tight_layout()
    return save_figure(fig, pathlib.Path(path), dpi=90)
