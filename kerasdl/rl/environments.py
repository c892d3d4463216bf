"""Gymnasium environments made ready for deep Q-learning.

:func:`make_environment` turns an environment id into what a DQN agent can learn from:

- vector states (``CartPole-v1``, ``LunarLander-v3``, ``Acrobot-v1``, ``MountainCar-v0``) as
  gymnasium makes them, as float32;
- Atari games (``ALE/Breakout-v5``, ``BreakoutNoFrameskip-v4``) through DQN's preprocessing:
  every fourth frame, max-pooled over the last two, grayscale, 84x84, up to 30 no-ops at the
  start, the last four frames stacked;
- Catch (:data:`CATCH`), kerasdl's small pixel game, also as stacked frames.

Frames are stacked channels-last, ``(84, 84, frame_stack)`` uint8 with the newest frame last,
the layout Keras' convolutions take. Ids, action spaces and missing packages are checked up
front and reported as one-line :class:`~kerasdl.errors.UserInputError` messages.
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
import importlib.util

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.envs.registration import EnvSpec, load_env_creator

from kerasdl.errors import UserInputError
from kerasdl.quiet import native_stderr_silenced

CATCH = "kerasdl/Catch-v0"
FRAME_SIZE = 84
INSTALL_HINT = 'pip install "kerasdl[rl]"'
ATARI_FRAME_SKIP = 4

if CATCH not in gymnasium.registry:
    gymnasium.register(id=CATCH, entry_point="kerasdl.rl.catch:Catch", reward_threshold=0.9)


@dataclasses.dataclass
class EnvironmentInfo:
    """What an agent needs to know about an environment, as :func:`make_environment` makes it.

    Attributes:
        id: the gymnasium id.
        observation_shape: one observation's shape (``(84, 84, 4)`` for stacked frames).
        observation_dtype: ``"uint8"`` for frames, ``"float32"`` for vector states.
        actions: the number of discrete actions.
        action_meanings: a name per action (ALE's and Catch's, else ``"0"``, ``"1"``, ...).
        pixels: whether observations are stacked frames.
        reward_threshold: the episode return at which gymnasium calls the task solved, if any.
        max_episode_steps: the most steps an episode can take, if bounded.
    """

    id: str
    observation_shape: tuple[int, ...]
    observation_dtype: str
    actions: int
    action_meanings: list[str]
    pixels: bool
    reward_threshold: float | None
    max_episode_steps: int | None

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


class ChannelsLastFrameStack(gymnasium.Wrapper, gymnasium.utils.RecordConstructorArgs):
    """The last ``frames`` grayscale frames stacked on the last axis, the newest last.

    Takes ``(h, w)`` or ``(h, w, 1)`` frames and gives ``(h, w, frames)`` observations. After a
    reset the stack holds the first frame ``frames`` times, as gymnasium's
    ``FrameStackObservation(padding_type="reset")`` does, which stacks on the first axis instead.

    Args:
        env: an environment with single-channel image observations.
        frames: how many frames to stack.
    """

    def __init__(self, env: gymnasium.Env, frames: int):
        gymnasium.utils.RecordConstructorArgs.__init__(self, frames=frames)
        gymnasium.Wrapper.__init__(self, env)
        height, width = env.observation_space.shape[:2]
        low = np.broadcast_to(env.observation_space.low.reshape(height, width, 1), (height, width, frames))
        high = np.broadcast_to(env.observation_space.high.reshape(height, width, 1), (height, width, frames))
        self.observation_space = spaces.Box(low, high, dtype=env.observation_space.dtype)
        self._frame_shape = (height, width)
        self._frames = collections.deque(maxlen=frames)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        observation, info = self.env.reset(seed=seed, options=options)
        frame = np.reshape(observation, self._frame_shape)
        self._frames.extend([frame] * self._frames.maxlen)
        return np.stack(self._frames, axis=-1), info

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._frames.append(np.reshape(observation, self._frame_shape))
        return np.stack(self._frames, axis=-1), reward, terminated, truncated, info


def make_environment(
    env_id: str, *, seed: int | None = None, render_mode: str | None = None, frame_stack: int = 4
) -> gymnasium.Env:
    """A gymnasium environment ready for DQN: float32 vector states or stacked 84x84 frames.

    Follows Mnih et al., 2015, "Human-level control through deep reinforcement learning"
    for Atari: ``AtariPreprocessing`` (frame skip 4, up to 30 no-ops, 84x84 grayscale, no end
    of episode on a lost life) on an emulator that skips no frames itself, then the last
    ``frame_stack`` frames stacked channels-last. Catch's frames are stacked the same way;
    vector states come as gymnasium makes them, cast to float32.

    Args:
        env_id: a gymnasium id (``"CartPole-v1"``, ``"ALE/Breakout-v5"``, :data:`CATCH`).
        seed: seeds the action space's sampling; pass it to ``env.reset(seed=...)`` too.
        render_mode: ``None``, or one the environment offers (``"rgb_array"`` for videos).
        frame_stack: how many frames a pixel observation holds.

    Returns:
        The environment, not yet reset.

    Raises:
        UserInputError: an unknown id, a continuous action space, an observation that is
            neither a vector nor an image, or a missing package.

    Example:
        >>> env = make_environment("kerasdl/Catch-v0", seed=0)
        >>> observation, info = env.reset(seed=0)
        >>> observation.shape
        (84, 84, 4)
    """
    if isinstance(frame_stack, bool) or not isinstance(frame_stack, int) or frame_stack < 1:
        raise UserInputError(f"frame_stack must be a positive int; Received: frame_stack={frame_stack!r}")
    spec = _spec(env_id)
    _check_render_mode(spec, render_mode)
    if _is_atari_frames(spec):
        env = _atari(spec, render_mode)
    else:
        env = _make(spec, render_mode)
        try:
            _check_spaces(spec.id, env)
        except UserInputError:
            env.close()
            raise
        env = _frames(env) if _is_image(env.observation_space) else _vector(env)
    if _is_image(env.observation_space):
        env = ChannelsLastFrameStack(env, frame_stack)
    if seed is not None:
        env.action_space.seed(seed)
    return env


def environment_info(env: str | gymnasium.Env, *, frame_stack: int = 4) -> EnvironmentInfo:
    """What :func:`make_environment` gives for an id, or what an environment it made holds.

    Args:
        env: an id (the environment is made, read and closed) or an environment.
        frame_stack: frames per observation, when ``env`` is an id.

    Returns:
        An :class:`EnvironmentInfo`.

    Example:
        >>> environment_info("CartPole-v1").observation_shape
        (4,)
    """
    if isinstance(env, str):
        made = make_environment(env, frame_stack=frame_stack)
        try:
            return environment_info(made)
        finally:
            made.close()
    spec, unwrapped = env.spec, env.unwrapped
    meanings = getattr(unwrapped, "get_action_meanings", None)
    actions = int(env.action_space.n)
    return EnvironmentInfo(
        id=spec.id if spec is not None else type(unwrapped).__name__,
        observation_shape=tuple(int(d) for d in env.observation_space.shape),
        observation_dtype=str(env.observation_space.dtype),
        actions=actions,
        action_meanings=list(meanings()) if meanings else [str(a) for a in range(actions)],
        pixels=len(env.observation_space.shape) == 3,
        reward_threshold=float(spec.reward_threshold) if spec and spec.reward_threshold is not None else None,
        max_episode_steps=_max_episode_steps(spec, unwrapped),
    )


def check_environment_id(env_id: str) -> None:
    """Rejects an id DQN cannot use before any training starts.

    Looks the id up (suggesting close matches), checks the packages it needs, and, except for
    Atari games (whose actions are always discrete), makes the environment once to check its
    action and observation spaces.

    Args:
        env_id: a gymnasium id.

    Raises:
        UserInputError: as :func:`make_environment` would.
    """
    spec = _spec(env_id)
    if _is_atari_frames(spec):
        return
    env = _make(spec, None)
    try:
        _check_spaces(spec.id, env)
    finally:
        env.close()


def _spec(env_id: str) -> EnvSpec:
    """The registry entry of an id, registering ALE's games on first need; suggests close ids."""
    if not isinstance(env_id, str) or not env_id:
        raise UserInputError(f"the environment id must be a non-empty string; Received: {env_id!r}")
    spec = _lookup(env_id)
    if spec is None and _register_atari():
        spec = _lookup(env_id)
    if spec is None:
        if _looks_atari(env_id) and not _installed("ale_py"):
            raise UserInputError(f"{env_id} is an Atari game and needs ale-py: {INSTALL_HINT}")
        raise UserInputError(_unknown_id_message(env_id))
    _require(_packages_needed(spec), spec.id)
    return spec


def _lookup(env_id: str) -> EnvSpec | None:
    try:
        return gymnasium.spec(env_id)
    except gymnasium.error.Error:
        return None


def _register_atari() -> bool:
    """Adds ALE's games to gymnasium's registry; False when ale-py is not installed."""
    if not _installed("ale_py"):
        return False
    import ale_py

    gymnasium.register_envs(ale_py)
    return True


def _looks_atari(env_id: str) -> bool:
    return env_id.startswith("ALE/") or env_id.endswith(("NoFrameskip-v4", "Deterministic-v4", "NoFrameskip-v0"))


def _unknown_id_message(env_id: str) -> str:
    """Names up to three close ids; a namespaced id with the same name (ALE/...) comes first."""
    known = [i for i, spec in gymnasium.registry.items() if _makeable(spec)]
    same_name = [i for i in known if i.endswith("/" + env_id)]
    matches = same_name + [i for i in difflib.get_close_matches(env_id, known, n=3, cutoff=0.6) if i not in same_name]
    if not matches:
        return f"unknown environment {env_id!r}; it is not in gymnasium's registry"
    return f"unknown environment {env_id!r}; did you mean {', '.join(matches[:3])}?"


def _makeable(spec: EnvSpec) -> bool:
    """Left out of suggestions: JAX-only namespaces and ids that only raise "install X"."""
    return isinstance(spec.entry_point, str) and spec.namespace not in ("phys2d", "tabular")


def _entry_point(spec: EnvSpec) -> str:
    entry = spec.entry_point
    return entry if isinstance(entry, str) else f"{getattr(entry, '__module__', '')}:{getattr(entry, '__name__', '')}"


def _is_atari(spec: EnvSpec) -> bool:
    return _entry_point(spec).startswith("ale_py")


def _is_atari_frames(spec: EnvSpec) -> bool:
    """An Atari game seen as frames (not as its 128 bytes of RAM): DQN's preprocessing applies."""
    return _is_atari(spec) and spec.kwargs.get("obs_type", "rgb") != "ram"


def _packages_needed(spec: EnvSpec) -> list[str]:
    if _is_atari_frames(spec):
        return ["ale_py", "cv2"]
    if _is_atari(spec):
        return ["ale_py"]
    if _entry_point(spec).startswith("gymnasium.envs.box2d"):
        return ["Box2D"]
    return []


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _require(packages: list[str], env_id: str) -> None:
    missing = [p for p in packages if not _installed(p)]
    if missing:
        raise UserInputError(f"{env_id} needs {', '.join(missing)}, not installed here: {INSTALL_HINT}")


def _check_render_mode(spec: EnvSpec, render_mode: str | None) -> None:
    if render_mode is None:
        return
    creator = load_env_creator(spec.entry_point) if isinstance(spec.entry_point, str) else spec.entry_point
    modes = getattr(creator, "metadata", {}).get("render_modes", [])
    if render_mode not in modes:
        offered = ", ".join(modes) or "nothing"
        raise UserInputError(f"{spec.id} cannot render as {render_mode!r}; it renders {offered}")


def _make(spec: EnvSpec, render_mode: str | None, **kwargs) -> gymnasium.Env:
    try:
        if _is_atari(spec):  # ALE prints a banner on stderr from C++ the first time
            with native_stderr_silenced():
                return gymnasium.make(spec.id, render_mode=render_mode, **kwargs)
        return gymnasium.make(spec.id, render_mode=render_mode, **kwargs)
    except gymnasium.error.DependencyNotInstalled as e:
        raise UserInputError(f"{spec.id} needs a package that is not installed ({e}): {INSTALL_HINT}") from None


def _atari(spec: EnvSpec, render_mode: str | None) -> gymnasium.Env:
    """An ALE game with DQN's preprocessing, on an emulator that skips no frames itself."""
    from gymnasium.wrappers import AtariPreprocessing

    env = _make(spec, render_mode, frameskip=1)
    return AtariPreprocessing(
        env, noop_max=30, frame_skip=ATARI_FRAME_SKIP, screen_size=FRAME_SIZE, terminal_on_life_loss=False
    )


def _frames(env: gymnasium.Env) -> gymnasium.Env:
    """An image environment's frames as one 84x84 grayscale channel, ready for stacking."""
    from gymnasium.wrappers import GrayscaleObservation, ResizeObservation

    shape = env.observation_space.shape
    if len(shape) == 3 and shape[-1] == 3:
        env = GrayscaleObservation(env)
    if tuple(shape[:2]) != (FRAME_SIZE, FRAME_SIZE):
        _require(["cv2"], env.spec.id if env.spec else "this environment")
        env = ResizeObservation(env, (FRAME_SIZE, FRAME_SIZE))
    return env


def _vector(env: gymnasium.Env) -> gymnasium.Env:
    if env.observation_space.dtype == np.float32:
        return env
    from gymnasium.wrappers import DtypeObservation

    return DtypeObservation(env, np.float32)


def _is_image(space: gymnasium.Space) -> bool:
    """A uint8 Box of ``(h, w)`` or ``(h, w, c)`` with one or three channels."""
    if not isinstance(space, spaces.Box) or space.dtype != np.uint8:
        return False
    return len(space.shape) == 2 or (len(space.shape) == 3 and space.shape[-1] in (1, 3))


def _check_spaces(env_id: str, env: gymnasium.Env) -> None:
    """Discrete actions from 0, and observations that are a 1-D Box or an image."""
    action_space, observation_space = env.action_space, env.observation_space
    if not isinstance(action_space, spaces.Discrete):
        raise UserInputError(f"DQN needs a discrete action space; {env_id} has {action_space}")
    if int(action_space.start) != 0:
        raise UserInputError(f"DQN needs actions numbered from 0; {env_id} has {action_space}")
    vector = isinstance(observation_space, spaces.Box) and len(observation_space.shape) == 1
    if not vector and not _is_image(observation_space):
        raise UserInputError(
            f"DQN here needs observations that are a vector or a uint8 image; {env_id} has {observation_space}"
        )


def _max_episode_steps(spec: EnvSpec | None, unwrapped: gymnasium.Env) -> int | None:
    """The spec's time limit; else ALE's frame cap over the frame skip, or Catch's fixed length."""
    if spec is not None and spec.max_episode_steps is not None:
        return int(spec.max_episode_steps)
    if spec is not None and _is_atari_frames(spec) and spec.kwargs.get("max_num_frames_per_episode"):
        return int(spec.kwargs["max_num_frames_per_episode"]) // ATARI_FRAME_SKIP
    length = getattr(unwrapped, "episode_length", None)
    return int(length) if length is not None else None
