"""Classical baselines: the random policy, the linear policy and its features, the cross-entropy method."""

from __future__ import annotations

import numpy as np
import pytest

from kerasdl.rl.baselines import (
    CEM_BUDGETS,
    LinearPolicy,
    cross_entropy_method,
    default_budget,
    evaluate_policy,
    policy_features,
    random_policy,
)
from kerasdl.rl.environments import CATCH

TINY_CARTPOLE = dict(iterations=4, population=20, episodes_per_candidate=1)


def test_linear_policy_takes_the_argmax_of_features_times_weights_plus_bias():
    weights = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    bias = np.array([0.0, 0.0, 0.5])
    policy = LinearPolicy(weights, bias)
    observations = np.array([[3.0, 1.0], [0.0, 1.0], [-1.0, 0.0]], np.float32)
    # scores: [3, 2, -2.5], [0, 2, 0.5], [-1, 0, 1.5]
    np.testing.assert_array_equal(policy(observations), [0, 1, 2])


def test_linear_policy_round_trips_through_json_and_checks_shapes():
    policy = LinearPolicy(np.arange(6.0).reshape(3, 2), np.array([0.5, -0.5]))
    again = LinearPolicy.from_json(policy.to_json())
    np.testing.assert_array_equal(again.weights, policy.weights)
    np.testing.assert_array_equal(again.bias, policy.bias)
    assert again.grid == policy.grid
    with pytest.raises(ValueError, match="bias"):
        LinearPolicy(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="3 features"):
        policy(np.zeros((1, 4), np.float32))


def test_features_of_states_are_the_states_as_float32():
    states = np.array([[1, 2], [3, 4]], np.float64)
    features = policy_features(states)
    assert features.dtype == np.float32
    np.testing.assert_array_equal(features, states)


def test_features_of_a_frame_stack_pool_the_newest_frame_to_144_cells():
    stacks = np.zeros((2, 84, 84, 4), np.uint8)
    stacks[:, :, :, :3] = 255  # older frames: all white, must be ignored
    stacks[0, 0:7, 7:14, -1] = 255  # a whole cell (row 0, column 1) of the newest frame
    stacks[1, 77:84, 77:84, -1] = 51  # the last cell, a fifth bright
    features = policy_features(stacks)
    assert features.shape == (2, 144) and features.dtype == np.float32
    expected = np.zeros((2, 144), np.float32)
    expected[0, 1] = 1.0
    expected[1, 143] = 0.2
    np.testing.assert_allclose(features, expected, atol=1e-6)


def test_pooling_by_hand_on_a_tiny_frame():
    frame = np.array([[0, 2, 4, 6], [8, 10, 12, 14], [16, 18, 20, 22], [24, 26, 28, 30]], np.uint8)
    stack = np.stack([np.full_like(frame, 255), frame], axis=-1)[None]  # [1, 4, 4, 2], newest last
    # 2x2 cells: mean(0, 2, 8, 10) = 5, mean(4, 6, 12, 14) = 9, mean(16, 18, 24, 26) = 21, 25
    np.testing.assert_allclose(policy_features(stack, grid=2), [[5 / 255, 9 / 255, 21 / 255, 25 / 255]], rtol=1e-6)
    with pytest.raises(ValueError, match="cells"):
        policy_features(np.zeros((1, 5, 5, 1), np.uint8), grid=2)


def test_random_policy_acts_in_range_and_is_seeded():
    observations = np.zeros((500, 4), np.float32)
    actions = random_policy(3, seed=7)(observations)
    assert actions.shape == (500,) and set(np.unique(actions)) == {0, 1, 2}
    np.testing.assert_array_equal(actions, random_policy(3, seed=7)(observations))
    assert not np.array_equal(actions, random_policy(3, seed=8)(observations))
    with pytest.raises(ValueError, match="actions"):
        random_policy(0, seed=0)


def test_cem_on_cartpole_beats_the_random_policy_and_repeats_for_a_seed():
    policy, history = cross_entropy_method("CartPole-v1", seed=3, **TINY_CARTPOLE)
    random_return = evaluate_policy("CartPole-v1", random_policy(2, seed=0), 20, seed=100)["mean"]
    assert 10 < random_return < 40  # random CartPole lasts ~22 steps
    assert history[-1]["elite_return"] > 2 * random_return
    assert [row["iteration"] for row in history] == [1, 2, 3, 4]
    assert history[-1]["total_env_steps"] == sum(row["env_steps"] for row in history)
    assert all(row["elite_return"] >= row["population_return"] for row in history)
    assert policy.weights.shape == (4, 2) and policy.bias.shape == (2,)

    again, history_again = cross_entropy_method("CartPole-v1", seed=3, **TINY_CARTPOLE)
    np.testing.assert_array_equal(again.weights, policy.weights)
    np.testing.assert_array_equal(again.bias, policy.bias)
    assert history_again == history
    other, _ = cross_entropy_method("CartPole-v1", seed=4, **TINY_CARTPOLE)
    assert not np.array_equal(other.weights, policy.weights)


def test_cem_on_catch_runs_on_pooled_frames():
    policy, history = cross_entropy_method(CATCH, seed=0, iterations=2, population=4, episodes_per_candidate=2)
    assert policy.weights.shape == (144, 3)
    assert [row["env_steps"] for row in history] == [4 * 2 * 11] * 2  # every Catch episode is 11 steps
    assert all(-1.0 <= row["elite_return"] <= 1.0 for row in history)
    actions = policy(np.zeros((5, 84, 84, 4), np.uint8))
    assert actions.shape == (5,) and set(actions.tolist()) <= {0, 1, 2}


def test_default_budgets_and_argument_errors():
    assert default_budget("CartPole-v1") is CEM_BUDGETS["CartPole-v1"]
    assert default_budget("Acrobot-v1").population > 0  # an id without a measured budget
    with pytest.raises(ValueError, match="population"):
        cross_entropy_method("CartPole-v1", population=0)
    with pytest.raises(ValueError, match="elite_fraction"):
        cross_entropy_method("CartPole-v1", elite_fraction=0.0)
