"""The experience-replay memory of deep Q-learning: a ring buffer of preallocated arrays.

Mnih et al. (2015) train on mini-batches drawn uniformly from the last million transitions
rather than on the stream of consecutive, correlated steps. The memory here keeps each
observation once, in the order the agent saw them: the transition ``(s_t, a_t, r_t, s_t+1)``
is slot ``t`` with its action, reward and end flag, and its next state is slot ``t + 1``.
For stacked frames (the Atari network sees the last four 84x84 frames) only the newest frame
of each observation is stored, and a stack is rebuilt from the slots before it, repeating
the episode's first frame where the episode is younger than the stack (as gymnasium's
``FrameStackObservation`` pads at a reset). So a frame costs its bytes once, not four times.
"""

from __future__ import annotations

import numpy as np

from kerasdl.files import atomic_path


class ReplayMemory:
    """Uniformly sampled transitions in a ring buffer of preallocated arrays.

    Args:
        capacity: slots kept; the oldest are overwritten once it is full. Each episode uses
            one slot more than its steps (its last observation).
        observation_shape: the shape of one observation, e.g. ``(4,)`` or ``(84, 84, 4)``.
        observation_dtype: ``"uint8"`` for frames, ``"float32"`` for state vectors.
        frame_stack: when the observation is a channels-last stack of this many frames,
            keep only the newest frame of each; 1 keeps whole observations.

    Example:

    >>> memory = ReplayMemory(100, (4,), "float32")
    >>> memory.add(np.zeros(4), 1, 1.0, np.ones(4), terminated=False, truncated=False)
    >>> batch = memory.sample(8, np.random.default_rng(0))
    >>> batch["observation"].shape, batch["next_observation"].shape
    ((8, 4), (8, 4))
    """

    def __init__(self, capacity: int, observation_shape, observation_dtype="float32", *, frame_stack: int = 1):
        if int(capacity) < 2:
            raise ValueError(f"capacity must be at least 2; Received: capacity={capacity}")
        observation_shape = tuple(int(d) for d in observation_shape)
        if frame_stack > 1 and observation_shape[-1] != frame_stack:
            raise ValueError(
                f"a stack of {frame_stack} frames needs observations ending in {frame_stack} channels; "
                f"Received: observation_shape={observation_shape}"
            )
        self.capacity = int(capacity)
        self.observation_shape = observation_shape
        self.frame_stack = int(frame_stack)
        frame_shape = observation_shape[:-1] if frame_stack > 1 else observation_shape
        self._frames = np.zeros((self.capacity, *frame_shape), np.dtype(observation_dtype))
        self._actions = np.zeros(self.capacity, np.int32)
        self._rewards = np.zeros(self.capacity, np.float32)
        self._terminated = np.zeros(self.capacity, bool)
        self._valid = np.zeros(self.capacity, bool)  # slot t starts a transition (its action is known)
        self._starts = np.zeros(self.capacity, bool)  # slot t is an episode's first observation
        self._cursor = 0  # the next slot written
        self._size = 0
        self._last = -1  # the slot of the newest observation
        self._open = False  # an episode is in progress

    # ---------------------------------------------------------------- size

    def __len__(self) -> int:
        """Transitions that can be sampled."""
        return int(np.count_nonzero(self._valid))

    @property
    def nbytes(self) -> int:
        """The bytes its arrays take (allocated at construction)."""
        return sum(a.nbytes for a in self._arrays().values())

    def _arrays(self) -> dict:
        return {
            "frames": self._frames,
            "actions": self._actions,
            "rewards": self._rewards,
            "terminated": self._terminated,
            "valid": self._valid,
            "starts": self._starts,
        }

    # ---------------------------------------------------------------- writing

    def _frame(self, observation):
        observation = np.asarray(observation)
        if observation.shape != self.observation_shape:
            raise ValueError(f"observation shape {observation.shape} != {self.observation_shape}")
        return observation[..., -1] if self.frame_stack > 1 else observation

    def _write(self, observation, *, start: bool) -> int:
        slot = self._cursor
        self._frames[slot] = self._frame(observation)
        self._starts[slot] = start
        self._valid[slot] = False
        self._terminated[slot] = False
        self._cursor = (slot + 1) % self.capacity
        self._size = min(self._size + 1, self.capacity)
        self._last = slot
        return slot

    def add(self, observation, action: int, reward: float, next_observation, *, terminated: bool, truncated: bool):
        """Stores one step of the environment.

        Args:
            observation: the state the action was taken in (the previous call's
                ``next_observation`` unless an episode starts).
            action: the action taken.
            reward: the reward received.
            next_observation: the state that followed.
            terminated: the episode ended in a terminal state (its value is 0).
            truncated: the episode was cut short (a time limit): its next state still has a value.
        """
        if not self._open:
            self._write(observation, start=True)
            self._open = True
        slot = self._last
        self._actions[slot] = action
        self._rewards[slot] = reward
        self._terminated[slot] = terminated
        self._valid[slot] = True
        self._write(next_observation, start=False)
        if terminated or truncated:
            self._open = False

    def end_episode(self) -> None:
        """Ends the episode in progress without a terminal state (as a time limit does)."""
        self._open = False

    # ---------------------------------------------------------------- reading

    def _sampleable(self, slots):
        """Valid slots whose stacks and next states have not been overwritten by newer ones."""
        age = (slots - self._cursor) % self.capacity  # 0 = the oldest slot when full
        fresh = age >= self.frame_stack - 1 if self._size == self.capacity else np.ones_like(slots, bool)
        return self._valid[slots] & fresh

    def _stacks(self, ends):
        """The observations whose newest frames are in slots ``ends``."""
        if self.frame_stack == 1:
            return self._frames[ends]
        k = self.frame_stack
        positions = np.empty((len(ends), k), np.int64)
        positions[:, -1] = ends
        for back in range(1, k):  # walk back, staying on the episode's first frame once reached
            newer = positions[:, k - back]
            positions[:, k - back - 1] = np.where(self._starts[newer], newer, (newer - 1) % self.capacity)
        return np.moveaxis(self._frames[positions], 1, -1)

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict:
        """A uniform random mini-batch of transitions.

        Returns:
            ``{"observation", "action", "reward", "next_observation", "terminated"}`` arrays
            (``terminated`` as float32 0/1, ready for the TD target).
        """
        if len(self) == 0:
            raise ValueError("the replay memory holds no transitions yet")
        chosen = np.empty(0, np.int64)
        while len(chosen) < batch_size:
            candidates = rng.integers(0, self._size, size=2 * batch_size)
            chosen = np.concatenate([chosen, candidates[self._sampleable(candidates)]])
        slots = chosen[:batch_size]
        return {
            "observation": self._stacks(slots),
            "action": self._actions[slots],
            "reward": self._rewards[slots],
            "next_observation": self._stacks((slots + 1) % self.capacity),
            "terminated": self._terminated[slots].astype(np.float32),
        }

    # ---------------------------------------------------------------- saving

    def save(self, path) -> None:
        """Writes the memory to ``path`` (an ``.npz``), atomically."""
        counters = np.array([self._cursor, self._size, self._last, int(self._open)], np.int64)
        with atomic_path(path, suffix=".npz") as temporary:
            np.savez(temporary, counters=counters, **self._arrays())

    def load(self, path) -> None:
        """Restores a memory written by :meth:`save` with the same capacity and shapes."""
        with np.load(path) as saved:
            for name, array in self._arrays().items():
                if saved[name].shape != array.shape:
                    raise ValueError(f"{path}: {name} has shape {saved[name].shape}, expected {array.shape}")
                array[...] = saved[name]
            self._cursor, self._size, self._last, is_open = (int(v) for v in saved["counters"])
        self._open = bool(is_open)
