"""The play app in the shared harness: a tiny DQN on CartPole-v1; bad data is a bad ``--env``."""

import numpy as np

from tests.app_testing import AppCase

OBSERVATIONS = np.array([[0.01, -0.02, 0.03, 0.04], [0.1, 0.2, -0.05, -0.3], [-0.2, 0.0, 0.1, 0.5]], np.float32)


def observations(root):
    """One CartPole state in a .npy file, a batch of two in another, and one written inline."""
    root.mkdir(parents=True, exist_ok=True)
    np.save(root / "state.npy", OBSERVATIONS[0])
    np.save(root / "states.npy", OBSERVATIONS[1:])
    return [str(root / "state.npy"), str(root / "states.npy"), "0.01,0.02,0.03,0.04"]


def assert_same_decision(ours, served):
    """The same greedy action and Q-values within 1e-4 (relative or absolute)."""
    assert ours["action"] == served["action"], (ours, served)
    np.testing.assert_allclose(served["q_values"], ours["q_values"], rtol=1e-4, atol=1e-4)


CASE = AppCase(
    app="play",
    init={"env": "CartPole-v1", "model_options": {"hidden_units": (8,)}},
    train={
        "epochs": 1,
        "steps_per_epoch": 60,
        "learning_starts": 10,
        "batch_size": 8,
        "buffer_size": 200,
        "eval_episodes": 2,
        "verbose": 0,
    },
    flags=[
        "--env",
        "CartPole-v1",
        "--hidden-units",
        "8",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "60",
        "--learning-starts",
        "10",
        "--batch-size",
        "8",
        "--buffer-size",
        "200",
        "--eval-episodes",
        "2",
    ],
    make_data=lambda root: None,  # the agent collects its own data
    make_inputs=observations,
    data_flag="--env",
    bad_data={
        "missing": (lambda root: "NoSuchGame-v0", "unknown environment"),
        "empty": (lambda root: "", "--env must name"),
        "corrupt": (lambda root: "CartPol-v1", "did you mean CartPole-v1"),
        "wrong type": (lambda root: "Pendulum-v1", "discrete action space"),
    },
    compare=assert_same_decision,
    evaluate={"episodes": 3, "baseline": False},
    evaluate_flags=("--episodes", "3", "--no-baseline"),
    missing_input=("no_such_input.npy",),
)
