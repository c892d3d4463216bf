"""The detection app's figures: boxes in their class's colour with "name score" labels, one column per method.

No TensorFlow here: the app's CLI imports it lazily.
"""

from __future__ import annotations

import pathlib
import textwrap

import numpy as np

from kerasdl.apps.segment.figures import TITLE_WIDTH, palette
from kerasdl.files import save_figure
from kerasdl.image_panels import show_image

PANEL_SIDE = 256  # images smaller than this are enlarged (nearest neighbour) by an integer factor to about it
LABEL_FRACTION = 1 / 20  # the labels' font size as a fraction of the drawn image's longer side (at least 10 px)
LINE_FRACTION = 1 / 128  # the boxes' line width as a fraction of the longer side (at least 1 px)


def _rgb(image) -> np.ndarray:
    """``image`` ``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3+)`` in [0, 1] as a float64 ``(h, w, 3)`` RGB image."""
    image = np.clip(np.asarray(image, np.float64), 0, 1)
    image = image[..., None] if image.ndim == 2 else image
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        raise ValueError(f"image must be (height, width) or (height, width, 1 or 3); Received: shape={image.shape}")
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]


def draw_detections(image, boxes, labels, scores, class_names, *, scale: int = 1) -> np.ndarray:
    """The image in RGB with each box outlined in its class's colour and labelled ``"name 0.87"``.

    The outline runs along the box's outermost pixels (inward, 1/128 of the longer side thick); the
    label sits above the box (below it at the top edge), its font 1/20 of the longer side.

    Colours are the segmentation app's :func:`~kerasdl.apps.segment.figures.palette` (class ``k``
    takes the colour of mask value ``k + 1``), so a digit has the same colour in both apps.

    Args:
        image: ``(h, w, c)`` image in [0, 1] (c = 1 or 3, or ``(h, w)``).
        boxes: ``(k, 4)`` boxes ``[x_min, y_min, x_max, y_max]`` in pixels (max exclusive).
        labels: ``(k,)`` class indices 0..K-1.
        scores: ``(k,)`` confidences, or ``None`` (true boxes: the label is the name alone).
        class_names: the K class names.
        scale: the image is enlarged by this integer factor (nearest neighbour) before drawing, so
            the labels stay legible on small images.

    Returns:
        The ``(h * scale, w * scale, 3)`` float64 RGB image in [0, 1].

    Example:
        >>> drawn = draw_detections(np.zeros((8, 8)), [[1, 1, 6, 6]], [0], [0.9], ["a"])
        >>> drawn.shape, drawn[1, 3].tolist() == palette(2)[1].tolist()
        ((8, 8, 3), True)
    """
    from PIL import Image, ImageDraw, ImageFont

    if not isinstance(scale, (int, np.integer)) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"scale must be a positive int; Received: scale={scale!r}")
    rgb = _rgb(image)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if len(labels) != len(boxes):
        raise ValueError(f"labels must hold one label per box; Received: {len(labels)} labels for {len(boxes)} boxes")
    if scores is not None:
        scores = np.asarray(scores, np.float64).reshape(-1)
        if len(scores) != len(boxes):
            raise ValueError(
                f"scores must hold one score per box; Received: {len(scores)} scores for {len(boxes)} boxes"
            )
    class_names = list(class_names)
    if labels.size and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(
            f"labels holds class indices outside [0, {len(class_names)}) for {len(class_names)} class names; "
            f"Received: min={int(labels.min())}, max={int(labels.max())}"
        )
    colours = (palette(len(class_names) + 1)[1:] * 255).round().astype(np.uint8)
    picture = Image.fromarray((rgb * 255).round().astype(np.uint8))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(picture)
    longer = max(picture.size)
    font = ImageFont.load_default(size=max(10, round(longer * LABEL_FRACTION)))
    line = max(1, round(longer * LINE_FRACTION))
    for i, (box, label) in enumerate(zip(boxes, labels)):
        colour = tuple(int(v) for v in colours[label])
        x0, y0, x1, y1 = (float(v) * scale for v in box)
        draw.rectangle([x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)], outline=colour, width=line)
        text = class_names[label] if scores is None else f"{class_names[label]} {scores[i]:.2f}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        y = y0 - (bottom - top) - 1 if y0 >= bottom - top + 1 else y1 + 1  # above the box, or below it at the top
        draw.text((x0, y - top), text, fill=colour, font=font)
    return np.asarray(picture, np.float64) / 255.0


def detection_figure(
    images, detections_by_method: dict, class_names, path, *, truth=None, count: int = 6
) -> pathlib.Path:
    """Writes a grid: per image, a column per method with its boxes drawn (and the true boxes last).

    Args:
        images: ``(h, w, c)`` images in [0, 1] (c = 1 or 3); sizes may differ.
        detections_by_method: ``{method name: [one (boxes, scores, labels) per image]}``, in
            column order (what :meth:`ClassicalDetector.predict` and the network's detector return).
        class_names: the K class names.
        path: PNG to write (atomically).
        truth: per image ``(boxes, labels)``, drawn as the last column titled ``truth``; ``None``:
            no such column.
        count: rows drawn (the first ``count`` images).

    Returns:
        The PNG's path.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count must be a positive int; Received: count={count!r}")
    class_names = list(class_names)
    rows = min(count, len(images))
    if rows == 0:
        raise ValueError("images must hold at least one image; Received: 0 images")
    columns = {
        method: [(found_boxes, labels, scores) for found_boxes, scores, labels in found]
        for method, found in detections_by_method.items()
    }
    if truth is not None:
        columns["truth"] = [(true_boxes, labels, None) for true_boxes, labels in truth]
    for method, found in columns.items():
        if len(found) < rows:
            raise ValueError(
                f"detections for {method!r} must hold one entry per image; "
                f"Received: {len(found)} entries for {len(images)} images"
            )
    if not columns:
        raise ValueError("detections_by_method must name at least one method, or truth be given; Received: neither")
    side = 2.6
    fig = Figure(figsize=(side * len(columns), side * rows))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, len(columns), squeeze=False)
    for r in range(rows):
        height, width = np.shape(images[r])[:2]
        scale = max(1, round(PANEL_SIDE / max(height, width, 1)))
        for c, (method, found) in enumerate(columns.items()):
            boxes, labels, scores = found[r]
            drawn = draw_detections(images[r], boxes, labels, scores, class_names, scale=scale)
            show_image(axes[r][c], drawn, textwrap.fill(str(method), TITLE_WIDTH))
    fig.tight_layout()
    return save_figure(fig, pathlib.Path(path), dpi=90)
