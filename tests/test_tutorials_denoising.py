"""The denoising tutorial runs top to bottom at a tiny setting."""

import json

import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

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
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_denoising_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 5  # noise models, learning curves, comparison, own image, served PNG
    for fragment in (
        "Gaussian, sigma 30",
        "bm3d",
        "nl_means",
        "untrained model = identity: True",
        "mean PSNR",
        "parity",
        "served PSNR",
        "LiteRT output",
    ):
        assert fragment in text, fragment

    run = work / "denoise_run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "comparison.png"):
        assert (run / name).is_file(), name
    metadata = json.loads((work / "saved_models" / "denoising" / "1" / "metadata.json").read_text())
    assert metadata["model"] == "unet" and metadata["metrics"]["noise"] == "gaussian:30"
    assert (work / "served.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
