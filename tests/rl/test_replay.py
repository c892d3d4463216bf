"""The replay memory: what goes in comes out, frames are stored once, the ring wraps."""

import numpy as np
import pytest

from kerasdl.rl.replay import ReplayMemory


def stack_of(frames, end, start, k):
    """The channels-last stack ending at frame ``end``, padded with the episode's first frame ``start``."""
    return np.stack([frames[max(start, end - k + 1 + i)] for i in range(k)], axis=-1)


def play(memory, episodes, k, rng):
    """Feeds episodes of random 3x3 frames; returns every (observation, action, reward, next, terminated)."""
    transitions = []
    for length in episodes:
        frames = [rng.integers(0, 256, (3, 3), dtype=np.uint8) for _ in range(length + 1)]
        for t in range(length):
            observation, following = stack_of(frames, t, 0, k), stack_of(frames, t + 1, 0, k)
            terminated = t == length - 1
            action, reward = int(rng.integers(4)), float(rng.normal())
            memory.add(observation, action, reward, following, terminated=terminated, truncated=False)
            transitions.append((observation, action, reward, following, terminated))
    return transitions


def as_key(observation, action, reward, following, terminated):
    return (observation.tobytes(), int(action), round(float(reward), 5), following.tobytes(), bool(terminated))


def test_samples_are_the_transitions_stored_with_stacks_rebuilt():
    rng = np.random.default_rng(0)
    memory = ReplayMemory(1000, (3, 3, 4), "uint8", frame_stack=4)
    stored = {as_key(*t) for t in play(memory, [2, 7, 1, 5], 4, rng)}
    assert len(memory) == 15
    batch = memory.sample(200, np.random.default_rng(1))
    sampled = {
        as_key(batch["observation"][i], batch["action"][i], batch["reward"][i], batch["next_observation"][i], t)
        for i, t in enumerate(batch["terminated"])
    }
    assert sampled <= stored and len(sampled) == 15  # 200 draws of 15 transitions reach every one


def test_frames_are_stored_once():
    memory = ReplayMemory(10_000, (84, 84, 4), "uint8", frame_stack=4)
    frame_bytes = 10_000 * 84 * 84
    assert frame_bytes <= memory.nbytes < frame_bytes * 1.01  # not four times: one frame per slot


def test_ring_wraps_and_never_mixes_old_and_new_frames():
    rng = np.random.default_rng(2)
    memory = ReplayMemory(12, (3, 3, 4), "uint8", frame_stack=4)
    transitions = play(memory, [5, 6, 9, 4], 4, rng)
    stored = {as_key(*t) for t in transitions}
    assert memory._size == 12 and len(memory) <= 11
    batch = memory.sample(300, np.random.default_rng(3))
    for i in range(300):
        key = as_key(
            batch["observation"][i],
            batch["action"][i],
            batch["reward"][i],
            batch["next_observation"][i],
            batch["terminated"][i],
        )
        assert key in stored
    newest = {as_key(*t) for t in transitions[-6:]}
    assert {
        as_key(batch["observation"][i], batch["action"][i], batch["reward"][i], batch["next_observation"][i], t)
        for i, t in enumerate(batch["terminated"])
    } >= newest - {as_key(*transitions[-4])}  # the newest transitions are all there


def test_terminal_and_truncated_episodes():
    memory = ReplayMemory(50, (2,), "float32")
    memory.add([0, 0], 0, 1.0, [1, 1], terminated=False, truncated=False)
    memory.add([1, 1], 1, 2.0, [2, 2], terminated=True, truncated=False)
    memory.add([5, 5], 0, 3.0, [6, 6], terminated=False, truncated=True)
    batch = memory.sample(100, np.random.default_rng(0))
    by_reward = {
        float(r): (o.tolist(), n.tolist(), float(t))
        for r, o, n, t in zip(batch["reward"], batch["observation"], batch["next_observation"], batch["terminated"])
    }
    assert by_reward == {1.0: ([0, 0], [1, 1], 0.0), 2.0: ([1, 1], [2, 2], 1.0), 3.0: ([5, 5], [6, 6], 0.0)}


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    memory = ReplayMemory(20, (3, 3, 2), "uint8", frame_stack=2)
    play(memory, [4, 3], 2, rng)
    memory.save(tmp_path / "memory.npz")
    again = ReplayMemory(20, (3, 3, 2), "uint8", frame_stack=2)
    again.load(tmp_path / "memory.npz")
    a, b = memory.sample(16, np.random.default_rng(5)), again.sample(16, np.random.default_rng(5))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert [p.name for p in tmp_path.iterdir()] == ["memory.npz"]


def test_bad_shapes_and_empty_memory():
    with pytest.raises(ValueError, match="capacity"):
        ReplayMemory(1, (4,))
    with pytest.raises(ValueError, match="4 channels"):
        ReplayMemory(10, (84, 84, 3), "uint8", frame_stack=4)
    memory = ReplayMemory(10, (4,))
    with pytest.raises(ValueError, match="no transitions"):
        memory.sample(2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="shape"):
        memory.add(np.zeros(3), 0, 0.0, np.zeros(3), terminated=False, truncated=False)
