"""Embedded default data: what the dependencies ship, written out as ordinary image folders."""

from __future__ import annotations

import os
import pathlib

from kerasdl.data.images import find_images, save_png


def cache_dir() -> pathlib.Path:
    """Where generated default data lives: ``$KERASDL_CACHE`` or ``~/.cache/kerasdl``."""
    return pathlib.Path(os.environ.get("KERASDL_CACHE", pathlib.Path.home() / ".cache" / "kerasdl"))


# Column fractions of each photo, left to right: training | test | validation | training.
# The test strip crosses the flower and the pagoda, where the detail is.
_STRIPS = (("train", "left", 0.0, 0.35), ("test", "", 0.35, 0.6), ("val", "", 0.6, 0.8), ("train", "right", 0.8, 1.0))
_COUNTS = {"train": 4, "test": 2, "val": 2}


def sample_photos() -> dict[str, pathlib.Path]:
    """scikit-learn's two sample photos (``china.jpg``, ``flower.jpg``), split into folders.

    Each 427x640 photo is cut into vertical strips, left to right: 35% for training, 25%
    for testing, 20% for validation and 20% for training again, so the demo evaluates on
    pixels it never trained on. Written once as PNGs under :func:`cache_dir`.

    Returns:
        ``{"train": folder, "val": folder, "test": folder}``.
    """
    from sklearn.datasets import load_sample_images

    root = cache_dir() / "sample_photos"
    folders = {split: root / split for split in _COUNTS}
    try:
        if all(len(find_images(folders[split])) == n for split, n in _COUNTS.items()):
            return folders
    except Exception:  # missing or incomplete: write them again
        pass
    photos = load_sample_images()
    for image, filename in zip(photos.images, photos.filenames):
        stem = pathlib.Path(filename).stem
        width = image.shape[1]
        for split, part, lo, hi in _STRIPS:
            strip = image[:, int(lo * width) : int(hi * width)]
            save_png(strip / 255.0, folders[split] / f"{stem}{'_' + part if part else ''}.png")
    return folders
