"""Tiny digit scenes in the detection layouts (VOC, YOLO), and bad detection data."""

import numpy as np

from tests.app_testing import AppCase
from tests.apps.cases.images import image_inputs
from tests.apps.cases.segment import digit_scenes, empty_folder, missing


def voc_folder(root, name="voc", count=10, side=32):
    """A Pascal VOC folder (``images/``, ``Annotations/``, ``classes.txt``) of tiny digit scenes."""
    from kerasdl.data.detection import write_voc

    return write_voc(digit_scenes(count, side), root / name)


def yolo_folder(root, name="yolo", count=10, side=32):
    """A YOLO folder (``images/``, ``labels/``, ``classes.txt``) of tiny digit scenes."""
    from kerasdl.data.detection import write_yolo_txt

    return write_yolo_txt(digit_scenes(count, side), root / name)


def corrupt_image(root):
    folder = voc_folder(root)
    bad = folder / "images" / "scene00003.png"
    bad.write_bytes(bad.read_bytes()[:60])
    return folder


def text_as_image(root):
    folder = voc_folder(root)
    (folder / "images" / "scene00004.png").write_text("I am a text file")
    return folder


def box_outside(root):
    folder = yolo_folder(root)
    (folder / "labels" / "scene00002.txt").write_text("1 0.9 0.5 0.5 0.2\n")  # x from 0.65 to 1.15 of the width
    return folder


def unknown_class(root):
    folder = voc_folder(root)
    xml = folder / "Annotations" / "scene00001.xml"
    text = xml.read_text()
    start = text.index("<name>") + len("<name>")
    xml.write_text(text[:start] + "giraffe" + text[text.index("</name>", start) :])
    return folder


def annotation_without_image(root):
    folder = voc_folder(root)
    (folder / "images" / "scene00005.png").unlink()
    return folder


def assert_detections_close(ours, served):
    """Two images' detections: the same classes, in order, boxes within 0.01 pixel and scores within 1e-4."""
    assert ours["class_names"] == served["class_names"], (ours["class_names"], served["class_names"])
    np.testing.assert_array_equal(ours["labels"], served["labels"])
    np.testing.assert_allclose(ours["boxes"], served["boxes"], atol=1e-2, rtol=0)
    np.testing.assert_allclose(ours["scores"], served["scores"], atol=1e-4, rtol=0)


TINY = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "image_size": 32, "verbose": 0}
TINY_FLAGS = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "4", "--image-size", "32"]

CASE = AppCase(
    app="detect",
    init={},
    train=TINY,
    flags=TINY_FLAGS,
    make_data=voc_folder,
    make_inputs=image_inputs,
    bad_data={
        "missing": (missing, "no such file or folder"),
        "empty": (empty_folder, "cannot tell the layout of folder"),
        "corrupt": (corrupt_image, "scene00003.png"),
        "wrong type": (text_as_image, "scene00004.png"),
        "box outside": (box_outside, "lies outside its 32x32 image"),
        "unknown class": (unknown_class, "'giraffe' is not one of the classes"),
        "annotation without image": (annotation_without_image, "scene00005"),
    },
    compare=assert_detections_close,
    predict_flags=("--output-dir", "predicted"),
    quantize=None,  # mAP@.5 through LiteRT: tests/apps/test_detect.py::test_quantized_litert_variants_are_scored_by_evaluates_map
)
