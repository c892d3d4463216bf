"""The denoising tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.test_tutorials import TUTORIALS, this_python_kernel  # noqa: F401  (the kernel fixture)

NOTEBOOK = TUTORIALS / "denoising.ipynb"

TINY = {
    "KERASDL_TUTORIAL_MODEL": "unet",
    "KERASDL_TUTORIAL_DEPTH": "2",
    "KERASDL_TUTORIAL_FILTERS": "4",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_PATCH_SIZE": "16",
    "KERASDL_TUTORIAL_BATCH_SIZE": "4",
    "KERASDL_TUTORIAL_SIGMA": "30",
}


def test_first_code_cell_reads_settings_from_the_environment():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    for variable in [*TINY, "KERASDL_TUTORIAL_DIR"]:
        assert f'os.environ.get("{variable}"' in first.source, variable


@pytest.mark.slow
def test_denoising_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
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
    assert len(images) >= 5  # noise models, learning curves, comparison, own image, served PNG
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    for fragment in ("Gaussian, sigma 30", "bm3d", "nl_means", "untrained model = identity: True", "mean PSNR",
                     "parity", "served PSNR", "LiteRT output"):
        assert fragment in text, fragment

    run = work / "denoise_run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "comparison.png"):
        assert (run / name).is_file(), name
    metadata = json.loads((work / "saved_models" / "denoising" / "1" / "metadata.json").read_text())
    assert metadata["model"] == "unet" and metadata["metrics"]["noise"] == "gaussian:30"
    assert (work / "served.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
