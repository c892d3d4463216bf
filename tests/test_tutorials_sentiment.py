"""The sentiment tutorial runs top to bottom at a tiny setting."""

import json

import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "sentiment.ipynb"

TINY = {
    "KERASDL_TUTORIAL_MODEL": "nbsvm",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "10",
    "KERASDL_TUTORIAL_MAX_TOKENS": "5000",
    "KERASDL_TUTORIAL_TABLE_VOCABULARY": "500",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_sentiment_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 2  # the learning curves, the confusion matrix
    for fragment in (
        "rnn_classifier, cell='lstm'",
        "Hochreiter & Schmidhuber 1997",
        "transformer_classifier",
        "embedded reviews",
        "TF-IDF",
        "most positive n-grams",
        "precision",
        "vs baseline",
        "served: label",
        "LiteRT",
        "parity",
    ):
        assert fragment in text, fragment

    run = work / "sentiment_run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "confusion_matrix.png"):
        assert (run / name).is_file(), name
    version = work / "saved_models" / "sentiment" / "1"
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["class_names"] == ["negative", "positive"] and metadata["model"] == "nbsvm"
    assert (version / "model.tflite").is_file() and (version / "vocabulary.txt").is_file()
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
