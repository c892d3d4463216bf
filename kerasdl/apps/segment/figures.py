"""The segmentation app's figures: masks in colour, blended over their images, one column per method.

No TensorFlow here: the app's CLI imports it lazily.
"""

from __future__ import annotations

import pathlib
import textwrap

import numpy as np

from kerasdl.data.segmentation import IGNORE_INDEX
from kerasdl.files import save_figure
from kerasdl.image_panels import show_image

ALPHA = 0.55  # the mask colour's weight where it covers an object
VOID_COLOUR = (0.75, 0.75, 0.75)  # light gray, no class's colour: void pixels (255, PASCAL VOC's borders)
VOID_LABEL = "void (not scored)"
TITLE_WIDTH = 28  # characters per line of a panel's title (a 2.2-inch panel at font size 9)


def palette(classes: int) -> np.ndarray:
    """``(classes, 3)`` RGB colours in [0, 1]: black for the background (0), then matplotlib's tab10.

    More than 10 object classes take tab20, more than 20 evenly spaced hues of ``hsv``.
    """
    from matplotlib import colormaps

    if not isinstance(classes, (int, np.integer)) or isinstance(classes, bool) or classes < 1:
        raise ValueError(f"classes must be a positive int; Received: classes={classes!r}")
    objects = classes - 1
    if objects <= 10:
        colours = colormaps["tab10"].colors[:objects]
    elif objects <= 20:
        colours = colormaps["tab20"].colors[:objects]
    else:
        colours = colormaps["hsv"](np.arange(objects) / objects)[:, :3]
    return np.concatenate([np.zeros((1, 3)), np.asarray(colours, np.float64).reshape(-1, 3)])


def colour_masks(mask, classes) -> np.ndarray:
    """A mask of class indices as an ``(h, w, 3)`` float RGB image: background black, each class its :func:`palette` colour.

    Void pixels (255, :data:`~kerasdl.data.segmentation.IGNORE_INDEX`) are light gray
    (:data:`VOID_COLOUR`).

    Example:
        >>> colour_masks(np.array([[0, 1, 255]]), 3)[0, ::2].tolist()
        [[0.0, 0.0, 0.0], [0.75, 0.75, 0.75]]
    """
    mask = np.asarray(mask)
    mask = mask[..., 0] if mask.ndim == 3 and mask.shape[-1] == 1 else mask
    colours = palette(classes)
    void = mask == IGNORE_INDEX
    labelled = mask[~void]
    if labelled.size and (labelled.min() < 0 or labelled.max() >= classes):
        raise ValueError(
            f"mask holds class indices outside [0, {classes}) (or {IGNORE_INDEX}, void); "
            f"Received: min={int(labelled.min())}, max={int(labelled.max())}"
        )
    rgb = colours[np.where(void, 0, mask).astype(np.int64)]
    rgb[void] = VOID_COLOUR
    return rgb


def blend(image, mask, classes, *, alpha: float = ALPHA) -> np.ndarray:
    """The image in RGB with each object pixel tinted by its class colour, void ones gray (background pixels unchanged)."""
    image = np.clip(np.asarray(image, np.float64), 0, 1)
    image = image[..., None] if image.ndim == 2 else image
    rgb = np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]
    mask = np.asarray(mask)
    mask = mask[..., 0] if mask.ndim == 3 else mask
    tinted = (1 - alpha) * rgb + alpha * colour_masks(mask, classes)
    return np.where((mask > 0)[..., None], tinted, rgb)


def overlay_figure(images, masks_by_method: dict, class_names, path, *, truth=None, count: int = 6) -> pathlib.Path:
    """Writes a grid: per image, the image, then its mask from each method (and the truth) blended in colour.

    Args:
        images: ``(h, w, c)`` images in [0, 1] (c = 1 or 3); sizes may differ.
        masks_by_method: ``{method name: [one (h, w) mask per image]}``, in column order.
        class_names: one name per class, index 0 the background; the legend names the others
            (and void, where a mask drawn holds 255).
        path: PNG to write (atomically).
        truth: the true masks, drawn as the last column titled ``truth``; ``None``: no such column.
        count: rows drawn (the first ``count`` images).

    Returns:
        The PNG's path.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count must be a positive int; Received: count={count!r}")
    class_names = list(class_names)
    columns = dict(masks_by_method)
    if truth is not None:
        columns["truth"] = truth
    for method, masks in columns.items():
        if len(masks) < min(count, len(images)):
            raise ValueError(
                f"masks_by_method[{method!r}] must hold a mask per image; "
                f"Received: {len(masks)} masks for {len(images)} images"
            )
    rows = min(count, len(images))
    if rows == 0:
        raise ValueError("images must hold at least one image; Received: 0 images")
    side = 2.2
    fig = Figure(figsize=(side * (1 + len(columns)), side * rows + 0.7))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1 + len(columns), squeeze=False)
    for r in range(rows):
        image = np.asarray(images[r], np.float64)
        image = image[..., None] if image.ndim == 2 else image
        show_image(axes[r][0], image, "image")
        for c, (method, masks) in enumerate(columns.items(), start=1):
            show_image(axes[r][c], blend(image, masks[r], len(class_names)), textwrap.fill(str(method), TITLE_WIDTH))
    colours = palette(len(class_names))
    handles = [Patch(color=colours[k], label=name) for k, name in enumerate(class_names) if k > 0]
    if any(np.any(np.asarray(masks[r]) == IGNORE_INDEX) for masks in columns.values() for r in range(rows)):
        handles.append(Patch(color=VOID_COLOUR, label=VOID_LABEL))
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 10), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.6 / (side * rows + 0.7), 1, 1))
    return save_figure(fig, pathlib.Path(path), dpi=90)
