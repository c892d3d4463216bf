"""The image-to-image tutorial runs top to bottom at a tiny setting."""

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "img2img.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_FILTERS": "4",
    "KERASDL_TUTORIAL_BLOCKS": "1",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_img2img_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 3  # the pairs, the panels, the cycle strip
    for fragment in (
        "paired: True",
        "receptive_field=16: computed 16, gradient support 16x16",
        "receptive_field=70: computed 70, gradient support 70x70",
        "unet-l1:",
        "pix2pix:",
        "cyclegan:",
        "B -> A works too:",
        "served equals predict: True",
    ):
        assert fragment in text, fragment
    assert (work / "saved_models" / "img2img" / "1" / "metadata.json").is_file()
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
