"""Drawing helpers the apps' before/after figures share."""

import numpy as np


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
