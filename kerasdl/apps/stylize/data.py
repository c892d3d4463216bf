"""The style app's embedded defaults (bundled photos, a drawn style) and its content crops."""

from __future__ import annotations

import math
import pathlib

import numpy as np

from kerasdl.data.embedded import cache_dir
from kerasdl.data.images import find_images, save_png

# scikit-image's bundled photos train the stylizer; its cat validates; scikit-learn's two photos test.
CONTENT_PHOTOS = {
    "train": ("astronaut", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry"),
    "val": ("chelsea",),
    "test": ("china", "flower"),
}
PHOTO_SIDE = 256  # the default photos are stored with this shorter side
STYLE_SIDE = 256
PALETTE = np.array(
    [
        [0.09, 0.16, 0.42],  # night blue
        [0.20, 0.38, 0.66],
        [0.96, 0.80, 0.20],  # star yellow
        [0.93, 0.55, 0.13],
        [0.12, 0.50, 0.52],  # teal
        [0.93, 0.92, 0.84],
        [0.04, 0.06, 0.12],
    ],
    np.float32,
)


def resize_shorter(image, side: int):
    """``image`` resized (antialiased) so its shorter side is ``side``."""
    from skimage.transform import resize

    h, w = image.shape[:2]
    scale = side / min(h, w)
    shape = (max(1, round(h * scale)), max(1, round(w * scale)), image.shape[2])
    return resize(image, shape, anti_aliasing=scale < 1, preserve_range=True).astype(np.float32)


def centre_crop(image, side: int):
    """The central ``side`` x ``side`` square (or less, where the image is smaller)."""
    h, w = image.shape[:2]
    top, left = max((h - side) // 2, 0), max((w - side) // 2, 0)
    return image[top : top + side, left : left + side]


def as_rgb(image):
    """A float image with 3 channels (a gray one repeated, an alpha dropped)."""
    if image.shape[-1] == 1:
        return np.repeat(image, 3, axis=-1)
    return image[..., :3]


def _photo(name: str) -> np.ndarray:
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg").astype(np.float32) / 255.0
    import skimage.data

    return getattr(skimage.data, name)().astype(np.float32) / 255.0


def default_content() -> dict[str, pathlib.Path]:
    """scikit-image's and scikit-learn's bundled photos as content folders (written once to the cache).

    Returns:
        ``{"train": folder, "val": folder, "test": folder}``; shorter sides of 256 pixels.
    """
    root = cache_dir() / "style_content"
    folders = {split: root / split for split in CONTENT_PHOTOS}
    try:
        if all(len(find_images(folders[s])) == len(names) for s, names in CONTENT_PHOTOS.items()):
            return folders
    except Exception:  # missing or incomplete: write them again
        pass
    for split, names in CONTENT_PHOTOS.items():
        for name in names:
            save_png(resize_shorter(_photo(name), PHOTO_SIDE), folders[split] / f"{name}.png")
    return folders


def draw_style(size: int = STYLE_SIDE, seed: int = 0) -> np.ndarray:
    """A style image the project draws itself: short curved brush strokes swirling round a few centres.

    Strokes of a night-blue, yellow and teal palette follow the circles around three seeded
    centres over a dark gradient, a texture in the manner of a swirling night sky.

    Returns:
        float32 ``(size, size, 3)`` in [0, 1].
    """
    from skimage.draw import disk

    rng = np.random.default_rng(seed)
    rows = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(PALETTE[0] * (1 - rows) + PALETTE[6] * rows, (size, size, 3)).copy()
    centres = rng.random((3, 2)) * size
    for _ in range(int(2.2 * size)):
        y, x = rng.random(2) * size
        cy, cx = centres[np.argmin(np.hypot(centres[:, 0] - y, centres[:, 1] - x))]
        angle = math.atan2(y - cy, x - cx) + math.pi / 2  # along the circle round the nearest centre
        length, width = rng.uniform(0.06, 0.2) * size, rng.uniform(0.008, 0.02) * size
        colour = PALETTE[rng.choice(len(PALETTE), p=[0.2, 0.2, 0.2, 0.1, 0.15, 0.1, 0.05])]
        colour = np.clip(colour + rng.normal(0, 0.04, 3), 0, 1)
        radius = max(math.hypot(y - cy, x - cx), 1.0)
        for t in np.linspace(-0.5, 0.5, 24):
            a = angle + t * length / radius  # bend with the circle
            px = x + math.cos(a) * t * length
            py = y + math.sin(a) * t * length
            rr, cc = disk((py, px), width, shape=(size, size))
            image[rr, cc] = 0.15 * image[rr, cc] + 0.85 * colour
    return image.astype(np.float32)


def default_style() -> pathlib.Path:
    """The drawn default style image, written once to the cache."""
    path = cache_dir() / "style" / "swirls.png"
    if not path.is_file():
        save_png(draw_style(), path)
    return path


def content_batches(images, *, side: int, batch_size: int, seed: int):
    """An endless ``tf.data`` of ``(crops, crops)`` batches: random ``side`` squares, flipped, of the images."""
    import tensorflow as tf

    from kerasdl.data.sr_patches import _random_patches

    rng = np.random.default_rng(seed)

    def batches():
        for crops in _random_patches(images, side, batch_size, rng, True):
            yield crops, crops

    spec = tf.TensorSpec((batch_size, side, side, 3), tf.float32)
    ds = tf.data.Dataset.from_generator(batches, output_signature=(spec, spec))
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def fixed_crops(images, *, side: int, count: int, batch_size: int, seed: int = 1):
    """A finite ``tf.data`` of ``count`` seeded ``(crops, crops)`` for validation."""
    import tensorflow as tf

    from kerasdl.data.sr_patches import _random_patches

    crops = next(_random_patches(images, side, count, np.random.default_rng(seed), False))
    return tf.data.Dataset.from_tensor_slices((crops, crops)).batch(batch_size)
