"""Tiny digit scenes for the segmentation app, and bad segmentation data."""

import numpy as np

from tests.app_testing import AppCase
from tests.apps.cases.images import image_inputs


def digit_scenes(count=10, side=32, seed=0):
    """``count`` generated scenes of one to three of scikit-learn's 8x8 digits on a ``side`` canvas."""
    from sklearn.datasets import load_digits

    from kerasdl.data.digit_scenes import generate_digit_scenes

    digits = load_digits()
    return generate_digit_scenes(
        digits.images / 16.0, digits.target, count=count, side=side, per_scene=(1, 3), scale=(1.0, 2.0), seed=seed
    )


def scene_folder(root, name="scenes", count=10, side=32):
    """A mask-folder dataset (``images/``, ``masks/``, ``classes.txt``) of tiny digit scenes."""
    from kerasdl.data.digit_scenes import write_mask_folders

    return write_mask_folders(digit_scenes(count, side), root / name)


def missing(root):
    return root / "no_such_folder"


def empty_folder(root):
    folder = root / "empty"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("no images here")
    return folder


def corrupt_image(root):
    folder = scene_folder(root)
    bad = folder / "images" / "scene00003.png"
    bad.write_bytes(bad.read_bytes()[:60])
    return folder


def text_as_image(root):
    folder = scene_folder(root)
    (folder / "images" / "scene00004.png").write_text("I am a text file")
    return folder


def mask_of_another_size(root):
    from PIL import Image

    folder = scene_folder(root)
    Image.fromarray(np.zeros((16, 20), np.uint8)).save(folder / "masks" / "scene00002.png")
    return folder


def assert_masks_equal(ours, served):
    """Two ``(h, w)`` masks of class indices: identical."""
    ours, served = np.asarray(ours), np.asarray(served)
    assert ours.shape == served.shape and ours.dtype == served.dtype == np.int32, (ours.shape, served.shape)
    np.testing.assert_array_equal(ours, served)


TINY = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "patch_size": 16, "verbose": 0}
TINY_FLAGS = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "4", "--patch-size", "16"]

CASE = AppCase(
    app="segment",
    init={"model_options": {"depth": 2, "filters": 4}},
    train=TINY,
    flags=["--depth", "2", "--filters", "4", *TINY_FLAGS],
    make_data=scene_folder,
    make_inputs=image_inputs,
    bad_data={
        "missing": (missing, "no such file or folder"),
        "empty": (empty_folder, "cannot tell the layout of folder"),
        "corrupt": (corrupt_image, "scene00003.png"),
        "wrong type": (text_as_image, "scene00004.png"),
        "mask size": (mask_of_another_size, "is 20x16 pixels but its image"),
    },
    compare=assert_masks_equal,
    evaluate={"baseline": "logistic"},
    evaluate_flags=("--baseline", "logistic"),
    predict_flags=("--output-dir", "predicted"),
)
