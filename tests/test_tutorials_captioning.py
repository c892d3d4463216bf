"""The captioning tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.test_tutorials import TUTORIALS, this_python_kernel  # noqa: F401  (the kernel fixture)

NOTEBOOK = TUTORIALS / "captioning.ipynb"

TINY = {
    "KERASDL_TUTORIAL_SCENES": "64",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
}


def test_first_code_cell_reads_settings_from_the_environment():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    for variable in [*TINY, "KERASDL_TUTORIAL_DIR"]:
        assert f'os.environ.get("{variable}"' in first.source, variable
    assert not [cell for cell in nb.cells if cell.cell_type == "code" and cell.outputs]  # committed without outputs


@pytest.mark.slow
def test_captioning_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
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
    assert len(images) >= 4  # the scenes, learning curves, captions grid, attention maps
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    for fragment in ("show_attend_tell:", "Xu et al.", "transformer_captioner:", "BLEU-4", "vs retrieval",
                     "greedy:", "beam 3:", "served:", "LiteRT encoder", "parity"):
        assert fragment in text, fragment

    run = work / "captioning_run"
    for name in ("best.keras", "captioning.json", "learning_curves.png", "evaluation.json", "captions.png", "attention.png"):
        assert (run / name).is_file(), name
    metadata = json.loads((work / "saved_models" / "captioning" / "1" / "metadata.json").read_text())
    assert metadata["model"] == "show_attend_tell" and metadata["parity"]["max_abs_diff"]["serving_default"] == 0
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
