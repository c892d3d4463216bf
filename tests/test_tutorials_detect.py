"""The object-detection tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "detect.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_BATCH_SIZE": "4",
    "KERASDL_TUTORIAL_SCENES": "40",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_detect_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 3  # the scenes with their boxes, the detections figure, a predicted image
    for fragment in (
        "{'train': 40, 'val': 4, 'test': 4}",
        "voc/ -> ['Annotations', 'classes.txt', 'images']",
        "yolo/ -> ['classes.txt', 'images', 'labels']",
        "coco/ -> ['annotations.json', 'images']",
        "classes kept in the run: ['0', '1',",
        "images letterboxed to 64",
        "vs classical",
        "mAP@[.5:.95]",
        "detections.json: ['class_names', 'confidence', 'images']",
        "served equals predict: True",
        "LiteRT boxes equal predict's: True",
    ):
        assert fragment in text, fragment
    version = work / "saved_models" / "detect" / "1"
    for name in ("saved_model.pb", "model.tflite", "metadata.json"):
        assert (version / name).is_file(), name
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["image_size"] == 64 and metadata["class_names"][:2] == ["0", "1"]
    assert (work / "run" / "detections.png").is_file() and (work / "predictions" / "detections.json").is_file()
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
