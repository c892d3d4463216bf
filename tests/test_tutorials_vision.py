"""The vision-builders tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.test_tutorials import TUTORIALS, this_python_kernel  # noqa: F401  (the kernel fixture)

NOTEBOOK = TUTORIALS / "vision_builders.ipynb"

TINY = {
    "KERASDL_TUTORIAL_MODEL": "lenet5",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "3",
    "KERASDL_TUTORIAL_INPUT_SIZE": "32",
    "KERASDL_TUTORIAL_BATCH_SIZE": "16",
    "KERASDL_TUTORIAL_TABLE_MODELS": "[lm][el]*",  # lenet5 and mlp: small and quick to build
}


def test_first_code_cell_reads_settings_from_the_environment():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    for variable in [*TINY, "KERASDL_TUTORIAL_DIR"]:
        assert f'os.environ.get("{variable}"' in first.source, variable


@pytest.mark.slow
def test_vision_builders_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
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
    assert len(images) >= 3  # the digits, the learning curves, the confusion matrix
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    for fragment in ("lenet5", "mlp", "LeCun et al. 1998", "SVC (RBF kernel", "precision", "vs baseline",
                     "served: label", "parity"):
        assert fragment in text, fragment

    run = work / "classify_run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "confusion_matrix.png"):
        assert (run / name).is_file(), name
    metadata = json.loads((work / "saved_models" / "classify" / "1" / "metadata.json").read_text())
    assert metadata["class_names"] == [str(i) for i in range(10)] and metadata["model"] == "lenet5"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
