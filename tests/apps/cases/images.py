"""Tiny image data and bad image data, shared by the image apps' cases."""

from __future__ import annotations

import numpy as np

from tests.helpers import write_image


def image_folder(root, sizes=((40, 48), (36, 44), (48, 40)), name="images"):
    """A folder of small synthetic photos (RGB, one grayscale)."""
    folder = root / name
    for i, size in enumerate(sizes):
        write_image(folder / f"img{i}.png", size, "L" if i == 1 else "RGB", seed=i)
    return folder


def image_inputs(root):
    """Two files to predict on: RGB and grayscale."""
    return [
        write_image(root / "inputs" / "photo.png", (20, 24), "RGB", seed=7),
        write_image(root / "inputs" / "gray.png", (18, 16), "L", seed=8),
    ]


def missing(root):
    return root / "no_such_folder"


def empty_folder(root):
    folder = root / "empty"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("no images here")
    return folder


def corrupt_image_folder(root):
    folder = image_folder(root)
    bad = folder / "img2.png"
    bad.write_bytes(bad.read_bytes()[:60])
    return folder


def text_file_as_image(root):
    folder = image_folder(root)
    (folder / "notes.jpg").write_text("I am a text file")
    return folder


BAD_IMAGE_FOLDERS = {
    "missing": (missing, "no such file or folder"),
    "empty": (empty_folder, "no image files"),
    "corrupt": (corrupt_image_folder, "img2.png"),
    "wrong type": (text_file_as_image, "not an image file"),
}


def assert_images_close(ours, served):
    """Float images in [0, 1]; the served ones went through an 8-bit PNG."""
    ours, served = np.asarray(ours), np.asarray(served)
    assert ours.shape == served.shape, (ours.shape, served.shape)
    np.testing.assert_allclose(ours, served, atol=1.01 / 255, rtol=0)
