"""Drawing helpers the apps' before/after figures share."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def show_image(ax, image, title):
    """Draws an image in [0, 1] (grayscale or RGB) on ``ax`` with a small title and no axes."""
    image = np.clip(image, 0, 1)
    ax.imshow(
        image[..., 0] if image.shape[-1] == 1 else image, cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=1
    )
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def detail_box(image, size):
    """``(y, x, side)`` of the square crop with the most detail (highest variance), for a zoom panel."""
    gray = image.mean(axis=-1)
    h, w = gray.shape
    size = min(size, h, w)
    best, box = -1.0, (0, 0)
    for y in range(0, h - size + 1, max(1, size // 4)):
        for x in range(0, w - size + 1, max(1, size // 4)):
            v = float(gray[y : y + size, x : x + size].var())
            if v > best:
                best, box = v, (y, x)
    return box[0], box[1], size


def detail_rows(references, *, columns, width, row_height, zoom):
    """A figure with a row of ``columns`` panels per reference image, and where each row's detail is.

    Args:
        references: the images whose most detailed square (:func:`detail_box`) each row zooms into.
        columns: panels per row.
        width: the figure's width in inches.
        row_height: each row's height in inches.
        zoom: the side of the zoomed square, in pixels.

    Returns:
        ``(figure, rows)``: ``rows`` holds, per reference, its axes and the ``(rows, columns)``
        slices of its detail.
    """
    fig = Figure(figsize=(width, row_height * len(references)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(references), columns, squeeze=False)
    rows = []
    for row, image in zip(axes, references):
        y, x, side = detail_box(image, zoom)
        rows.append((row, (slice(y, y + side), slice(x, x + side))))
    return fig, rows
