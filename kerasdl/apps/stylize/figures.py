"""The style app's figures: content / style / result panels and loss curves."""

from __future__ import annotations

import pathlib

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerasdl.files import save_figure
from kerasdl.image_panels import show_image

TITLES = {"content": "content", "stylizer": "fast stylizer", "optimized": "optimised (L-BFGS)"}


def panels_figure(rows, style, *, path, max_rows: int = 4) -> pathlib.Path:
    """A row per content image: the content, the style, then each result (stylizer, optimised image).

    Args:
        rows: dicts ``{"content": image, "stylizer": image[, "optimized": image]}``.
        style: the style image.
        path: PNG to write (atomically).
        max_rows: rows drawn.
    """
    rows = rows[:max_rows]
    keys = [k for k in TITLES if k in rows[0]]
    columns = len(keys) + 1
    fig = Figure(figsize=(2.6 * columns, 2.6 * len(rows)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(rows), columns, squeeze=False)
    for row, panel in zip(axes, rows):
        show_image(row[0], panel["content"], TITLES["content"])
        show_image(row[1], style, "style")
        for ax, key in zip(row[2:], keys[1:]):
            show_image(ax, panel[key], TITLES[key])
    fig.tight_layout()
    return save_figure(fig, path)


def loss_curves_figure(curves, path, *, title: str = "loss", reference: float | None = None) -> pathlib.Path:
    """The loss (log scale) against loss evaluations, a line per curve; ``reference`` as a dashed level.

    Args:
        curves: ``{label: [loss after each evaluation]}``.
        path: PNG to write (atomically).
        title: the figure's title.
        reference: a loss level to draw across (keras.io's final loss, say).
    """
    fig = Figure(figsize=(6.4, 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for label, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), losses, label=str(label))
    if reference is not None:
        ax.axhline(reference, linestyle="--", color="gray", label="reference")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("loss evaluations")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)
