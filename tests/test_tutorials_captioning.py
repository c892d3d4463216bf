"""The captioning tutorial runs top to bottom at a tiny setting."""

import json

import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "captioning.ipynb"

TINY = {
    "KERASDL_TUTORIAL_SCENES": "64",
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "2",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_captioning_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 4  # the scenes, learning curves, captions grid, attention maps
    for fragment in (
        "show_attend_tell:",
        "Xu et al.",
        "transformer_captioner:",
        "BLEU-4",
        "vs retrieval",
        "greedy:",
        "beam 3:",
        "served:",
        "LiteRT encoder",
        "parity",
    ):
        assert fragment in text, fragment

    run = work / "captioning_run"
    for name in ("best.keras", "task.json", "learning_curves.png", "evaluation.json", "captions.png", "attention.png"):
        assert (run / name).is_file(), name
    metadata = json.loads((work / "saved_models" / "captioning" / "1" / "metadata.json").read_text())
    assert metadata["model"] == "show_attend_tell" and metadata["parity"]["max_abs_diff"]["serving_default"] == 0
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
