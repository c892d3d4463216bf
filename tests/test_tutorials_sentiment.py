"""The sentiment tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.test_tutorials import TUTORIALS, this_python_kernel  # noqa: F401  (the kernel fixture)

NOTEBOOK = TUTORIALS / "sentiment.ipynb"

TINY = {
    "KERASDL_TUTORIAL_MODEL": "nbsvm",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "10",
    "KERASDL_TUTORIAL_MAX_TOKENS": "5000",
    "KERASDL_TUTORIAL_TABLE_VOCABULARY": "500",
}


def test_first_code_cell_reads_settings_from_the_environment():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    for variable in [*TINY, "KERASDL_TUTORIAL_DIR"]:
        assert f'os.environ.get("{variable}"' in first.source, variable


@pytest.mark.slow
def test_sentiment_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    for name, value in TINY.items():
        monkeypatch.setenv(name, value)
    work = tmp_path / "work"
    monkeypatch.setenv("KERASDL_TUTORIAL_DIR", str(work))

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name=this_python_kernel, timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 2  # the learning curves, the confusion matrix
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    for fragment in ("rnn_classifier, cell='lstm'", "Hochreiter & Schmidhuber 1997", "transformer_classifier",
                     "embedded reviews", "TF-IDF", "most positive n-grams", "precision", "vs baseline",
                     "served: label", "LiteRT", "parity"):
        assert fragment in text, fragment

    run = work / "sentiment_run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "confusion_matrix.png"):
        assert (run / name).is_file(), name
    version = work / "saved_models" / "sentiment" / "1"
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["class_names"] == ["negative", "positive"] and metadata["model"] == "nbsvm"
    assert (version / "model.tflite").is_file() and (version / "vocabulary.txt").is_file()
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
