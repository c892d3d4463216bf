"""The deep Q-learning tutorial runs top to bottom at a tiny setting."""

import json

import nbformat
import pytest
from PIL import Image

from tests.test_tutorials import TUTORIALS, assert_reads_settings, execute_tutorial, this_python_kernel  # noqa: F401  (this_python_kernel: the kernel fixture)

NOTEBOOK = TUTORIALS / "play.ipynb"

TINY = {
    "KERASDL_TUTORIAL_EPOCHS": "1",
    "KERASDL_TUTORIAL_STEPS": "60",
    "KERASDL_TUTORIAL_BATCH_SIZE": "8",
    "KERASDL_TUTORIAL_BUFFER_SIZE": "200",
    "KERASDL_TUTORIAL_LEARNING_STARTS": "10",
    "KERASDL_TUTORIAL_EVAL_EPISODES": "2",
    "KERASDL_TUTORIAL_HIDDEN_UNITS": "8",
    "KERASDL_TUTORIAL_EPISODES": "3",
    "KERASDL_TUTORIAL_CATCH_EPOCHS": "1",
    "KERASDL_TUTORIAL_CATCH_STEPS": "60",
}


def test_first_code_cell_reads_settings_from_the_environment():
    assert_reads_settings(NOTEBOOK, TINY)


@pytest.mark.slow
def test_play_tutorial_runs(tmp_path, monkeypatch, this_python_kernel):  # noqa: F811
    work, images, text = execute_tutorial(NOTEBOOK, TINY, tmp_path, monkeypatch, this_python_kernel)
    assert len(images) >= 4  # frame stack, learning curves (CartPole, Catch), returns box plot
    for fragment in (
        "CartPole-v1: Box(",
        "kerasdl/Catch-v0: observations (84, 84, 4) uint8",
        "replay memory 2,700,000 bytes",  # CartPole's preset: 100,000 slots of 4 float32, action, reward, flags
        "    1      60        0",  # the training log's epoch, steps, updates
        "TD targets by hand:   [12.88  8.92  1.  ]",  # 1 + 0.99 * 12, 1 + 0.99 * 8, and just r at the end
        "TD targets, td_targets: [12.88  8.92  1.  ]",
        "double DQN: online picks [0 1 1], targets [10.9   3.97  1.  ]",  # Q_target(s', a*): 10, 3 and none
        "preset (rl-baselines3-zoo (CartPole-v1))",
        "CEM (linear)",
        "mean return over 3 episodes",
        "-> action",
        "cartpole.gif: return",
        "same as predict: True",
        "dqn: 1,6",  # the Nature network's parameters
        "catch rate:",
        "catch.gif: returns",
    ):
        assert fragment in text, fragment

    run = work / "runs" / "cartpole"
    for name in ("best.keras", "training_log.csv", "episodes.csv", "learning_curves.png", "evaluation.json"):
        assert (run / name).is_file(), name
    assert (work / "runs" / "catch" / "best.keras").is_file()
    for name in ("cartpole.gif", "catch.gif"):
        with Image.open(work / name) as gif:
            assert gif.n_frames > 1, name
    metadata = json.loads((work / "saved_models" / "play" / "1" / "metadata.json").read_text())
    assert metadata["app"] == "play" and metadata["env"] == "CartPole-v1"
    assert not list(tmp_path.glob("*.ipynb"))  # the committed notebook was not rewritten
    assert NOTEBOOK.read_text().count('"outputs": []') == sum(
        c.cell_type == "code" for c in nbformat.read(NOTEBOOK, as_version=4).cells
    )
