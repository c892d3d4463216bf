"""The translation tutorial runs top to bottom at a tiny setting."""

import json

import pytest

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

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
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_translation_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 2  # the learning curves, the attention heatmaps
    for fragment in (
        "keras-io",
        "transformer_seq2seq",
        "Vaswani et al. 2017",
        "Luong et al. 2015",
        "round trip: True",
        "bleu",
        "chrf",
        "served: i have twenty-one houses",
        "parity",
        "LiteRT greedy loop gives the same strings: True",
    ):
        assert fragment in text, fragment

    run = work / "translation_run"
    for name in (
        "best.keras",
        "sentencepiece.model",
        "training_log.csv",
        "learning_curves.png",
        "evaluation.json",
        "attention.png",
        "split/test.tsv",
    ):
        assert (run / name).is_file(), name
    version = work / "saved_models" / "translation" / "1"
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["model"] == "transformer" and metadata["decoding"] == {"sampler": "greedy"}
    assert (version / "model.tflite").is_file() and (version / "sentencepiece.model").is_file()
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
