"""The text-generation tutorial runs top to bottom at a tiny setting."""

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "textgen.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_EMBED_DIM": "8",
    "KERASDL_TUTORIAL_VOCABULARY": "150",
    "KERASDL_TUTORIAL_DOCUMENTS": "60",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_textgen_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, _, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    for fragment in (
        "60 documents -> reviews.txt",
        "logits before position 5 unchanged: True",
        "logits from position 5 on changed: True",
        "validation perplexity by epoch:",
        "vs Kneser-Ney",
        "greedy: the acting is",
        "  beam: the acting is",
        "served equals predict: True",
    ):
        assert fragment in text, fragment
    version = work / "saved_models" / "textgen" / "1"
    assert (version / "metadata.json").is_file() and (version / "model.tflite").is_file()
    assert (version / "vocabulary.txt").is_file()
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
