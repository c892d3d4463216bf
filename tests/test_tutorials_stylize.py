"""The style-transfer tutorial runs top to bottom at a tiny setting."""

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "stylize.ipynb"

TINY = {
    "KERASDL_TUTORIAL_IMAGE_SIZE": "32",
    "KERASDL_TUTORIAL_ITERATIONS": "5",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_FILTERS": "4",
    "KERASDL_TUTORIAL_EVALUATIONS": "3",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_stylize_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 3  # the images, the loss curves, the panels
    for fragment in (
        "block5_conv2  (1, 2, 2, 512)",
        "style loss of shuffled features: 0.0",
        "lbfgs: loss",
        "adam: loss",
        "Gatys loss of the stylizer",
        "one forward pass:",
        "served equals predict: True",
    ):
        assert fragment in text, fragment
    assert (work / "saved_models" / "stylize" / "1" / "metadata.json").is_file()
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
