"""The segmentation tutorial runs top to bottom at a tiny setting."""

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "segment.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_FILTERS": "4",
    "KERASDL_TUTORIAL_SCENES": "40",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_segment_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 3  # the scenes, the overlay figure, a predicted overlay
    for fragment in (
        "{'train': 40, 'val': 4, 'test': 4} -> ['classes.txt', 'images', 'masks']",
        "classes kept in the run: ['background', '0',",
        "vs classical",
        "mask file: scene00000_mask.png (64, 64)",
        "served equals predict: True",
    ):
        assert fragment in text, fragment
    version = work / "saved_models" / "segment" / "1"
    assert (version / "metadata.json").is_file() and (version / "model.tflite").is_file()
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
