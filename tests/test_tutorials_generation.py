"""The generation tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "generation.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
    "KERASDL_TUTORIAL_BATCH_SIZE": "8",
    "KERASDL_TUTORIAL_FILTERS": "4",
    "KERASDL_TUTORIAL_GAN_FILTERS": "8",
    "KERASDL_TUTORIAL_HIDDEN_UNITS": "16",
    "KERASDL_TUTORIAL_LATENT": "4",
    "KERASDL_TUTORIAL_SAMPLES": "20",
    "KERASDL_TUTORIAL_NLL_SAMPLES": "3",
    "KERASDL_TUTORIAL_JUDGE_STEPS": "2",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_generation_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 15  # digits, codes, curves, samples, latent map, grids, arithmetic, served PNGs
    for fragment in (
        "autoencoder codes: mean",
        "VAE codes:",
        "KL by gaussian_kl:",
        "KL, closed form:",
        "-ELBO of these 16 digits",
        "7:0 -> (8, 8, 1) uint8",
        "d_loss",
        "g_loss",
        "sqrt(latent size) = 2.0",
        "test NLL (nats)",
        "Fréchet distance",
        "label accuracy",
        "vs Gaussian mixture",
        "largest difference from predict",
        "serving_noise: a noise batch (4, 2)",  # the cvae recipe's 2-D latent
    ):
        assert fragment in text, fragment

    runs = work / "runs"
    for name in ("learning_curves.png", "samples.png", "interpolation.png", "latent_map.png"):
        assert (runs / "vae" / name).is_file(), name
    for run in ("cvae", "conditional-dcgan"):
        for name in ("best.keras", "training_log.csv", "samples.png", "evaluation.json", "judge.keras"):
            assert (runs / run / name).is_file(), (run, name)
    for run in ("gan", "dcgan"):
        assert (runs / run / "learning_curves.png").is_file(), run
    evaluation = json.loads((runs / "cvae" / "evaluation.json").read_text())
    assert {"nll_nats", "frechet_distance", "label_accuracy"} <= set(evaluation["model"])
    assert "frechet_distance" in evaluation["baseline"]

    metadata = json.loads((work / "saved_models" / "generation" / "1" / "metadata.json").read_text())
    assert metadata["model"] == "cvae" and metadata["kind"] == "vae"
    assert metadata["class_names"] == [str(i) for i in range(10)]
    assert metadata["metrics"]["model"]["nll_nats"] == evaluation["model"]["nll_nats"]
    assert (work / "served.png").read_bytes()[:4] == b"\x89PNG"
    assert (work / "arithmetic.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
