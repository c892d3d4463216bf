"""The tutorial notebooks run top to bottom (at a tiny setting) and are committed without outputs."""

import json
import pathlib
import sys

import nbformat
import pytest
from nbclient import NotebookClient

TUTORIALS = pathlib.Path(__file__).resolve().parents[1] / "tutorials"
NOTEBOOK = TUTORIALS / "super_resolution.ipynb"
KERNEL = "kerasdl-tests"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_BLOCKS": "1",
    "KERASDL_TUTORIAL_FILTERS": "4",
    "KERASDL_TUTORIAL_PATCH_SIZE": "8",
    "KERASDL_TUTORIAL_BATCH_SIZE": "4",
}


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch):
    """A kernel spec that runs ipykernel with this interpreter, visible to this test only.

    ``JUPYTER_PATH`` comes first in Jupyter's search path, so a user's own ``python3``
    spec (possibly another interpreter) cannot be picked up, and nothing is installed.
    """
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "kerasdl tests",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def assert_reads_settings(notebook, variables):
    """The notebook's first code cell reads each variable (and the work folder) from the environment."""
    nb = nbformat.read(notebook, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    for variable in [*variables, "KERASDL_TUTORIAL_DIR"]:
        assert f'os.environ.get("{variable}"' in first.source, variable


def execute_tutorial(notebook, settings, tmp_path, monkeypatch, kernel):
    """Runs ``notebook`` top to bottom with ``settings`` in the environment, in ``tmp_path``.

    Returns:
        ``(work, images, text)``: the tutorial's work folder (``tmp_path / "work"``), its PNG
        outputs and all its printed text. Fails, naming the cell, if any cell raises.
    """
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    work = tmp_path / "work"
    monkeypatch.setenv("KERASDL_TUTORIAL_DIR", str(work))
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    return work, images, text


@pytest.mark.parametrize("path", sorted(TUTORIALS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs: clear them"


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_super_resolution_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 4  # learning curves, before/after, side by side, served PNG
    assert "bicubic x" in text and "gain over bicubic" in text and "parity" in text

    run = work / "run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "before_after.png"):
        assert (run / name).is_file(), name
    version = work / "saved_models" / "super_resolution" / "1"
    for name in ("saved_model.pb", "model.tflite", "metadata.json"):
        assert (version / name).is_file(), name
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["metrics"]["model"] == "edsr"
    assert (work / "served.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
