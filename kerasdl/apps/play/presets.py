"""Hyperparameters per environment: rl-baselines3-zoo's tuned DQN settings where it has them.

Each :class:`Preset` holds the agent's settings (:class:`~kerasdl.rl.agent.AgentSettings`)
and the training schedule (environment steps as ``epochs x steps_per_epoch``, learning
rate, batch size). Flags override single values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from kerasdl.rl.environments import CATCH


@dataclasses.dataclass(frozen=True)
class Preset:
    """How to train on one environment.

    Attributes:
        settings: :class:`~kerasdl.rl.agent.AgentSettings` fields.
        training: :class:`~kerasdl.training.TrainConfig` fields (``epochs`` x ``steps_per_epoch``
            environment steps, ``learning_rate``, ``batch_size``).
        source: where the values come from.
    """

    settings: Mapping[str, Any]
    training: Mapping[str, Any]
    source: str


PRESETS = {
    # rl-baselines3-zoo hyperparams/dqn.yml, CartPole-v1 (its DQN reads 500 at 50k steps).
    "CartPole-v1": Preset(
        settings={
            "buffer_size": 100_000,
            "learning_starts": 1_000,
            "train_every": 256,
            "gradient_steps": 128,
            "target_update_every": 10,
            "exploration_steps": 8_000,
            "epsilon_end": 0.04,
            "eval_episodes": 10,
        },
        training={"epochs": 20, "steps_per_epoch": 2_500, "learning_rate": 2.3e-3, "batch_size": 64},
        source="rl-baselines3-zoo (CartPole-v1)",
    ),
    # rl-baselines3-zoo, LunarLander-v2 (the same task as v3): 154 +- 79 at 100k steps.
    "LunarLander-v3": Preset(
        settings={
            "buffer_size": 50_000,
            "learning_starts": 0,
            "train_every": 4,
            "gradient_steps": 4,
            "target_update_every": 250,
            "exploration_steps": 12_000,
            "epsilon_end": 0.1,
            "eval_episodes": 10,
        },
        training={"epochs": 30, "steps_per_epoch": 5_000, "learning_rate": 6.3e-4, "batch_size": 128},
        source="rl-baselines3-zoo (LunarLander-v2)",
    ),
    # Catch: 11-step episodes; the Nature network learns it in a few thousand updates.
    CATCH: Preset(
        settings={
            "buffer_size": 20_000,
            "learning_starts": 1_000,
            "train_every": 4,
            "gradient_steps": 1,
            "target_update_every": 500,
            "exploration_steps": 5_000,
            "epsilon_end": 0.05,
            "eval_episodes": 20,
        },
        training={"epochs": 10, "steps_per_epoch": 2_000, "learning_rate": 2.5e-4, "batch_size": 32},
        source="kerasdl (Catch)",
    ),
}
# rl-baselines3-zoo's Atari DQN (10M steps; buffer 100k rather than the paper's 1M).
ATARI = Preset(
    settings={
        "buffer_size": 100_000,
        "learning_starts": 100_000,
        "train_every": 4,
        "gradient_steps": 1,
        "target_update_every": 1_000,
        "exploration_steps": 1_000_000,
        "epsilon_end": 0.01,
        "eval_episodes": 10,
        "eval_epsilon": 0.05,
    },
    training={"epochs": 100, "steps_per_epoch": 100_000, "learning_rate": 1e-4, "batch_size": 32},
    source="rl-baselines3-zoo (Atari)",
)


def preset_for(env_id: str, *, pixels: bool) -> Preset:
    """The preset of ``env_id``; else the Atari one for frames and CartPole's for state vectors."""
    if env_id in PRESETS:
        return PRESETS[env_id]
    if pixels:
        return ATARI
    return dataclasses.replace(
        PRESETS["CartPole-v1"], source="rl-baselines3-zoo (CartPole-v1), for any state-vector task"
    )
