"""The translation tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.test_tutorials import TUTORIALS, this_python_kernel  # noqa: F401  (the kernel fixture)

NOTEBOOK = TUTORIALS / "translation.ipynb"

TINY = {
    "KERASDL_TUTORIAL_PAIRS": "1500",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "15",
    "KERASDL_TUTORIAL_VOCABULARY": "400",
    "KERASDL_TUTORIAL_EMBED_DIM": "32",
    "KERASDL_TUTORIAL_LAYERS": "1",
}


def test_first_code_cell_reads_settings_from_the_environment():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    for variable in [*TINY, "KERASDL_TUTORIAL_DIR"]:
        assert f'os.environ.get("{variable}"' in first.source, variable


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.slow
def test_translation_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
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
    assert len(images) >= 2  # the learning curves, the attention heatmaps
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    for fragment in ("keras-io", "transformer_seq2seq", "Vaswani et al. 2017", "Luong et al. 2015", "round trip: True",
                     "bleu", "chrf", "served: i have twenty-one houses", "parity",
                     "LiteRT greedy loop gives the same strings: True"):
        assert fragment in text, fragment

    run = work / "translation_run"
    for name in ("best.keras", "sentencepiece.model", "training_log.csv", "learning_curves.png", "evaluation.json",
                 "attention.png", "split/test.tsv"):
        assert (run / name).is_file(), name
    version = work / "saved_models" / "translation" / "1"
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["model"] == "transformer" and metadata["decoding"] == {"sampler": "greedy"}
    assert (version / "model.tflite").is_file() and (version / "sentencepiece.model").is_file()
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
