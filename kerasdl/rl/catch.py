"""Catch: a ball falls down a grid and a paddle on the bottom row has to be under it when it lands.

The small pixel game of DeepMind's bsuite and of many DQN tutorials. It teaches a Q-network to
read frames in seconds of training rather than the hours Atari takes, so ``kerasdl play`` can
show learning from pixels on a laptop.

Rules: the ball starts on the top row in a random column and falls one row per step; each
step the paddle first moves one cell left, stays, or moves one cell right (actions 0, 1, 2),
then the ball falls. When the ball reaches the bottom row the episode ends with reward +1 if
the paddle is under it and -1 if not; every other step gives 0. An episode is ``rows - 1``
steps long. The paddle starts in the middle, so on a grid at least half as tall as it is wide
every ball can be caught.
"""

from __future__ import annotations

import gymnasium
import numpy as np
from gymnasium import spaces

FRAME_SIZE = 84  # the side of the square frames, as Atari's after DQN's preprocessing
ACTION_MEANINGS = ["LEFT", "NOOP", "RIGHT"]
BALL_COLOUR = (255, 200, 40)  # of rgb_array renders; observations are grayscale
PADDLE_COLOUR = (60, 170, 255)


class Catch(gymnasium.Env):
    """Catch a falling ball with a paddle: +1 for a catch, -1 for a miss, one 84x84 grayscale frame.

    Observations are ``(84, 84, 1)`` uint8 frames: ball and paddle at 255 on black, each grid
    cell a block of pixels (7x7 on the default 12x12 grid). ``render()`` gives the same picture
    in colour, ``(84, 84, 3)`` uint8. The last step's ``info`` says ``caught``.

    Args:
        rows: grid height in cells, 2 to 84; an episode is ``rows - 1`` steps.
        columns: grid width in cells, 1 to 84.
        paddle_width: paddle width in cells, 1 to ``columns``.
        render_mode: ``None`` or ``"rgb_array"``.

    Example:
        >>> env = Catch()
        >>> frame, info = env.reset(seed=0)
        >>> frame.shape, frame.dtype
        ((84, 84, 1), dtype('uint8'))
        >>> frame, reward, terminated, truncated, info = env.step(1)
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, *, rows: int = 12, columns: int = 12, paddle_width: int = 1, render_mode: str | None = None):
        _check_size("rows", rows, 2, FRAME_SIZE)
        _check_size("columns", columns, 1, FRAME_SIZE)
        _check_size("paddle_width", paddle_width, 1, columns)
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'rgb_array'; Received: render_mode={render_mode!r}")
        self.rows, self.columns, self.paddle_width = rows, columns, paddle_width
        self.render_mode = render_mode
        self.observation_space = spaces.Box(0, 255, (FRAME_SIZE, FRAME_SIZE, 1), np.uint8)
        self.action_space = spaces.Discrete(len(ACTION_MEANINGS))
        # The grid cell each pixel shows: whole cells when the grid divides 84, near-equal ones otherwise.
        self._pixel_rows = np.arange(FRAME_SIZE) * rows // FRAME_SIZE
        self._pixel_columns = np.arange(FRAME_SIZE) * columns // FRAME_SIZE
        self.ball_row = self.ball_column = self.paddle = 0
        self._done = True

    @property
    def episode_length(self) -> int:
        """Steps in every episode: the ball's fall from the top row to the bottom one."""
        return self.rows - 1

    def get_action_meanings(self) -> list[str]:
        """What the actions do, by index, as ALE's environments say it."""
        return list(ACTION_MEANINGS)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Starts an episode: the ball on the top row in a random column, the paddle in the middle."""
        super().reset(seed=seed)
        self.ball_row = 0
        self.ball_column = int(self.np_random.integers(self.columns))
        self.paddle = (self.columns - self.paddle_width) // 2
        self._done = False
        return self._observation(), {}

    def step(self, action):
        """Moves the paddle (0 left, 1 stay, 2 right), then drops the ball one row."""
        if self._done:
            raise RuntimeError("Catch.step() after the episode ended; call reset() first")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be 0, 1 or 2; Received: action={action!r}")
        self.paddle = int(np.clip(self.paddle + int(action) - 1, 0, self.columns - self.paddle_width))
        self.ball_row += 1
        if self.ball_row < self.rows - 1:
            return self._observation(), 0.0, False, False, {}
        self._done = True
        caught = self.paddle <= self.ball_column < self.paddle + self.paddle_width
        return self._observation(), 1.0 if caught else -1.0, True, False, {"caught": caught}

    def render(self):
        """The current frame in colour, ``(84, 84, 3)`` uint8, when ``render_mode="rgb_array"``."""
        if self.render_mode != "rgb_array":
            return None
        grid = np.zeros((self.rows, self.columns, 3), np.uint8)
        grid[-1, self.paddle : self.paddle + self.paddle_width] = PADDLE_COLOUR
        grid[self.ball_row, self.ball_column] = BALL_COLOUR
        return self._to_pixels(grid)

    def _observation(self) -> np.ndarray:
        grid = np.zeros((self.rows, self.columns, 1), np.uint8)
        grid[-1, self.paddle : self.paddle + self.paddle_width] = 255
        grid[self.ball_row, self.ball_column] = 255
        return self._to_pixels(grid)

    def _to_pixels(self, grid: np.ndarray) -> np.ndarray:
        """A ``(rows, columns, c)`` grid scaled up to ``(84, 84, c)``, each cell a block of pixels."""
        return grid[self._pixel_rows[:, None], self._pixel_columns[None, :]]


def _check_size(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high}; Received: {name}={value!r}")
