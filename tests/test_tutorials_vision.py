"""The vision-builders tutorial runs top to bottom at a tiny setting."""

import json

import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "vision_builders.ipynb"

TINY = {
    # The MLP on the digits' own 8x8 pixels: at LeNet-5's 32x32 the logistic-regression
    # baseline alone takes ten seconds to converge.
    "KERASDL_TUTORIAL_MODEL": "mlp",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "3",
    "KERASDL_TUTORIAL_INPUT_SIZE": "8",
    "KERASDL_TUTORIAL_BATCH_SIZE": "16",
    "KERASDL_TUTORIAL_TABLE_MODELS": "[lm][el]*",  # lenet5 and mlp: small and quick to build
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_vision_builders_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 3  # the digits, the learning curves, the confusion matrix
    for fragment in (
        "lenet5",
        "mlp",
        "LeCun et al. 1998",
        "SVC (RBF kernel",
        "precision",
        "vs baseline",
        "served: label",
        "parity",
    ):
        assert fragment in text, fragment

    run = work / "classify_run"
    for name in ("best.keras", "training_log.csv", "learning_curves.png", "evaluation.json", "confusion_matrix.png"):
        assert (run / name).is_file(), name
    metadata = json.loads((work / "saved_models" / "classification" / "1" / "metadata.json").read_text())
    assert metadata["class_names"] == [str(i) for i in range(10)] and metadata["model"] == "mlp"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
