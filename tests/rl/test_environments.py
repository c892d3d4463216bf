"""Catch's rules and frames, and environments made ready for DQN: shapes, stacking, seeding, errors."""

from __future__ import annotations

import importlib.util

import gymnasium
import numpy as np
import pytest

from kerasdl.errors import UserInputError
from kerasdl.rl import environments
from kerasdl.rl.catch import Catch
from kerasdl.rl.environments import (
    CATCH,
    check_environment_id,
    environment_info,
    make_environment,
)

CELL = 7  # pixels per cell of the default 12x12 grid


def _follow(env: Catch) -> int:
    """The action that moves the paddle towards the ball's column."""
    return int(np.sign(env.ball_column - env.paddle)) + 1


def _avoid(env: Catch) -> int:
    """The action that moves the paddle away from the ball's column."""
    return 0 if env.ball_column >= env.paddle else 2


def _play(env: Catch, policy, *, seed: int):
    env.reset(seed=seed)
    rewards, terminated, info = [], False, {}
    while not terminated:
        _, reward, terminated, truncated, info = env.step(policy(env))
        assert not truncated
        rewards.append(reward)
    return rewards, info


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_catch_following_the_ball_catches(seed):
    rewards, info = _play(Catch(), _follow, seed=seed)
    assert len(rewards) == 11  # from the top row to the bottom one of 12
    assert rewards[:-1] == [0.0] * 10 and rewards[-1] == 1.0
    assert info == {"caught": True}


@pytest.mark.parametrize("seed", [0, 1])
def test_catch_moving_away_misses(seed):
    rewards, info = _play(Catch(), _avoid, seed=seed)
    assert rewards[-1] == -1.0 and sum(rewards) == -1.0
    assert info == {"caught": False}


def test_catch_a_wide_paddle_catches_without_moving():
    env = Catch(rows=6, columns=3, paddle_width=3)
    rewards, info = _play(env, lambda env: 1, seed=0)
    assert len(rewards) == 5 and rewards[-1] == 1.0 and info["caught"]


def test_catch_step_after_the_end_raises():
    env = Catch()
    _play(env, _follow, seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(1)


def test_catch_frames_show_ball_and_paddle():
    env = Catch()
    frame, info = env.reset(seed=5)
    assert frame.shape == (84, 84, 1) and frame.dtype == np.uint8 and info == {}
    assert env.observation_space.contains(frame)
    column = env.ball_column
    ball = frame[0:CELL, column * CELL : (column + 1) * CELL, 0]
    paddle = frame[84 - CELL :, 5 * CELL : 6 * CELL, 0]  # the middle of 12 columns, width 1
    assert (ball == 255).all() and (paddle == 255).all()
    assert np.count_nonzero(frame) == 2 * CELL * CELL  # nothing else is lit
    frame, *_ = env.step(2)  # paddle right, ball down a row
    assert (frame[CELL : 2 * CELL, column * CELL : (column + 1) * CELL, 0] == 255).all()
    assert (frame[84 - CELL :, 6 * CELL : 7 * CELL, 0] == 255).all()


def test_catch_renders_rgb():
    env = Catch(render_mode="rgb_array")
    frame, _ = env.reset(seed=0)
    picture = env.render()
    assert picture.shape == (84, 84, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture.any(axis=-1), frame[..., 0] > 0)
    assert Catch().render() is None


def test_catch_grids_that_do_not_divide_84_fill_the_frame():
    frame, _ = Catch(rows=10, columns=5).reset(seed=0)
    assert frame.shape == (84, 84, 1)
    assert frame[-1].any() and frame[0].any()  # paddle on the last pixel row, ball on the first


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rows": 1}, "rows must be an int from 2 to 84; Received: rows=1"),
        ({"columns": 100}, "columns must be an int from 1 to 84"),
        ({"paddle_width": 13}, "paddle_width must be an int from 1 to 12"),
        ({"render_mode": "human"}, "render_mode must be None or 'rgb_array'"),
    ],
)
def test_catch_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Catch(**kwargs)


def test_catch_seeded_resets_repeat_exactly():
    def episodes(seed):
        env = Catch()
        env.reset(seed=seed)
        frames, columns = [], []
        for _ in range(5):  # later episodes continue the seeded generator
            env.reset()
            columns.append(env.ball_column)
            frames.append(env.step(_follow(env))[0])
        return frames, columns

    (frames_a, columns_a), (frames_b, columns_b) = episodes(7), episodes(7)
    assert columns_a == columns_b and len(set(columns_a) | set(episodes(8)[1])) > 1
    for a, b in zip(frames_a, frames_b):
        np.testing.assert_array_equal(a, b)


def test_catch_is_registered_with_gymnasium():
    assert CATCH == "kerasdl/Catch-v0" and CATCH in gymnasium.registry
    env = gymnasium.make(CATCH)
    assert isinstance(env.unwrapped, Catch)


def test_stacked_catch_frames_are_channels_last_newest_last():
    env = make_environment(CATCH, seed=0)
    assert env.observation_space.shape == (84, 84, 4) and env.observation_space.dtype == np.uint8
    observation, _ = env.reset(seed=0)
    assert observation.shape == (84, 84, 4) and observation.dtype == np.uint8
    for k in range(4):  # the first frame fills the stack
        np.testing.assert_array_equal(observation[..., k], observation[..., 0])
    first = observation[..., -1]
    for step in range(1, 4):
        observation, *_ = env.step(1)
        assert env.observation_space.contains(observation)
        np.testing.assert_array_equal(observation[..., -1], env.unwrapped._observation()[..., 0])
        np.testing.assert_array_equal(observation[..., -1 - step], first)
    assert not np.array_equal(observation[..., -1], observation[..., -2])  # the ball fell


def test_frame_stack_size_is_the_channel_count():
    env = make_environment(CATCH, frame_stack=2)
    assert env.reset(seed=0)[0].shape == (84, 84, 2)
    with pytest.raises(UserInputError, match="frame_stack must be a positive int; Received: frame_stack=0"):
        make_environment(CATCH, frame_stack=0)


def test_seed_seeds_the_action_space():
    a, b = (make_environment("Acrobot-v1", seed=3).action_space for _ in range(2))
    assert [a.sample() for _ in range(20)] == [b.sample() for _ in range(20)]


def test_cartpole_gives_float32_vectors():
    env = make_environment("CartPole-v1", seed=0)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (4,) and observation.dtype == np.float32
    observation, *_ = env.step(env.action_space.sample())
    assert observation.dtype == np.float32
    info = environment_info(env)
    assert info.observation_shape == (4,) and info.observation_dtype == "float32"
    assert info.actions == 2 and info.action_meanings == ["0", "1"] and not info.pixels
    assert info.reward_threshold == 475.0 and info.max_episode_steps == 500


def test_environment_info_of_catch():
    info = environment_info(CATCH)
    assert info.id == CATCH and info.pixels and info.observation_shape == (84, 84, 4)
    assert info.observation_dtype == "uint8" and info.actions == 3
    assert info.action_meanings == ["LEFT", "NOOP", "RIGHT"] and info.max_episode_steps == 11
    assert info.to_json()["observation_shape"] == (84, 84, 4)


def test_unknown_id_suggests_close_matches():
    with pytest.raises(UserInputError, match=r"unknown environment 'CartPol-v1'; did you mean CartPole-v1"):
        make_environment("CartPol-v1")
    with pytest.raises(UserInputError, match=r"did you mean kerasdl/Catch-v0\?"):
        check_environment_id("kerasdl/Cach-v0")
    with pytest.raises(UserInputError, match=r"^unknown environment 'xyzzy'; it is not in gymnasium's registry$"):
        make_environment("xyzzy")


def test_continuous_actions_are_rejected():
    message = r"^DQN needs a discrete action space; Pendulum-v1 has Box\(-2.0, 2.0, \(1,\), float32\)$"
    with pytest.raises(UserInputError, match=message):
        make_environment("Pendulum-v1")
    with pytest.raises(UserInputError, match=message):
        check_environment_id("Pendulum-v1")


def test_observations_that_are_neither_vectors_nor_images_are_rejected():
    with pytest.raises(UserInputError, match="FrozenLake-v1 has Discrete"):
        check_environment_id("FrozenLake-v1")


def test_unsupported_render_mode_is_rejected():
    with pytest.raises(UserInputError, match="Catch-v0 cannot render as 'human'; it renders rgb_array"):
        make_environment(CATCH, render_mode="human")


def test_check_environment_id_accepts_usable_ids():
    for env_id in ("CartPole-v1", "MountainCar-v0", CATCH):
        check_environment_id(env_id)


def test_missing_box2d_names_the_install(monkeypatch):
    monkeypatch.setattr(environments, "_installed", lambda package: package != "Box2D")
    with pytest.raises(UserInputError, match=r'LunarLander-v3 needs Box2D.*pip install "kerasdl\[rl\]"'):
        make_environment("LunarLander-v3")


def test_missing_ale_names_the_install(monkeypatch):
    monkeypatch.setattr(environments, "_installed", lambda package: package != "ale_py")
    with pytest.raises(UserInputError, match=r'ALE/Breakout-v5 .*ale.*pip install "kerasdl\[rl\]"'):
        make_environment("ALE/Breakout-v5")


class _ColourPixels(gymnasium.Env):
    """A 60x80 RGB image environment with two actions, for the generic pixel path."""

    metadata = {"render_modes": []}

    def __init__(self, render_mode=None):
        self.observation_space = gymnasium.spaces.Box(0, 255, (60, 80, 3), np.uint8)
        self.action_space = gymnasium.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 0.0, False, False, {}


@pytest.fixture
def colour_pixels():
    env_id = "kerasdl-test/ColourPixels-v0"
    gymnasium.register(id=env_id, entry_point=_ColourPixels)
    yield env_id
    del gymnasium.registry[env_id]


@pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="needs opencv")
def test_other_image_environments_become_stacked_grayscale_84x84(colour_pixels):
    env = make_environment(colour_pixels, frame_stack=3)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (84, 84, 3) and observation.dtype == np.uint8
    assert env.observation_space.shape == (84, 84, 3)


@pytest.mark.skipif(importlib.util.find_spec("ale_py") is None, reason="needs ale-py")
def test_atari_frames_are_stacked_84x84x4(capfd):
    env = make_environment("ALE/Breakout-v5", seed=0)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (84, 84, 4) and observation.dtype == np.uint8
    assert env.observation_space.shape == (84, 84, 4)
    for _ in range(5):
        observation, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        assert env.observation_space.contains(observation)
    info = environment_info(env)
    assert info.pixels and info.actions == 4 and info.action_meanings[:2] == ["NOOP", "FIRE"]
    assert info.max_episode_steps == 108_000 // 4
    env.close()
    assert "A.L.E" not in capfd.readouterr().err
    check_environment_id("BreakoutNoFrameskip-v4")


@pytest.mark.skipif(importlib.util.find_spec("Box2D") is None, reason="needs Box2D")
def test_lunar_lander_smoke():
    env = make_environment("LunarLander-v3", seed=0)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (8,) and observation.dtype == np.float32
    for _ in range(5):
        observation, *_ = env.step(env.action_space.sample())
    assert environment_info(env).actions == 4
