"""The word-embeddings tutorial runs top to bottom at a tiny setting."""

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "embeddings.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "3",
    "KERASDL_TUTORIAL_EMBED_DIM": "8",
    "KERASDL_TUTORIAL_DOCUMENTS": "200",
    "KERASDL_TUTORIAL_IMDB": "none",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_embeddings_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 1  # the word map
    for fragment in (
        "embedded film reviews ->",
        "pairs an epoch",
        "parameters,",
        "WordSim353",
        "gensim agrees: True",
        "error: not in the vocabulary",
        "word2vec file equals the table: True",
        "served equals predict: True",
    ):
        assert fragment in text, fragment
    version = work / "saved_models" / "embeddings" / "1"
    assert (version / "vectors.txt").is_file() and (version / "model.tflite").is_file()
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
