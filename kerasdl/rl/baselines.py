"""Classical baselines reported beside DQN: a random policy and a linear policy found by the cross-entropy method.

A deep Q-network's return means little alone: the random policy says what no learning gets,
and a linear policy searched by the cross-entropy method (CEM; Szita & Lőrincz, 2006,
"Learning Tetris using the noisy cross-entropy method") says what a few hundred parameters and
no gradients get. CEM keeps a Gaussian over the policy's parameters, samples a population,
keeps the best fifth (the elite), refits the Gaussian's mean and standard deviation to the
elite and adds extra noise that falls to nothing over the run, so the search does not
collapse onto an early elite.

The linear policy acts by ``argmax(features(observation) @ weights + bias)``. Vector states
are its features as they are. Frames are not: a linear policy over DQN's 84x84x4 stacks has
28,224 x actions weights, far too many for CEM, which needs a population several times the
number of parameters to estimate where the elite lies. So :func:`policy_features` keeps the
newest frame of a stack, average-pools it to 12x12 and scales it to [0, 1]: 144 features, on
which Catch's ball and paddle are each one cell (its grid is 12x12).

NumPy only: nothing here imports Keras or TensorFlow (:func:`evaluate_policy` reaches
:func:`kerasdl.rl.episodes.run_episodes`).
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from kerasdl.rl.environments import CATCH, make_environment
from kerasdl.rl.episodes import play_side_by_side, run_episodes

POOLED_GRID = 12  # pooled frames are 12x12: 144 features, one per cell of Catch's grid


@dataclasses.dataclass(frozen=True)
class CEMBudget:
    """How much search :func:`cross_entropy_method` does by default on one environment.

    Attributes:
        iterations: generations.
        population: candidates per generation.
        episodes_per_candidate: episodes each candidate plays per generation (its score is their mean).
        extra_std: the extra noise's standard deviation at the first generation; it falls
            linearly to 0 at the last.
    """

    iterations: int
    population: int
    episodes_per_candidate: int
    extra_std: float

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


# Budgets that finish in under a minute on one CPU core. Env steps and seconds measured with
# seed 0 (steps vary with the seed: episodes last as long as the policies keep them going):
#   CartPole-v1       ~250k env steps, ~2 s (40 x 1 episodes x 20 generations; episodes end at 500)
#   LunarLander-v3    ~1.3M env steps, ~45 s (50 x 4 x 35; up to 1,000 steps an episode)
#   kerasdl/Catch-v0  352k env steps, ~45 s (50 x 8 x 80; 11 steps an episode, ~100 us a step)
CEM_BUDGETS = {
    "CartPole-v1": CEMBudget(iterations=20, population=40, episodes_per_candidate=1, extra_std=0.5),
    "LunarLander-v3": CEMBudget(iterations=35, population=50, episodes_per_candidate=4, extra_std=0.5),
    CATCH: CEMBudget(iterations=80, population=50, episodes_per_candidate=8, extra_std=1.0),
}
DEFAULT_BUDGET = CEMBudget(iterations=30, population=50, episodes_per_candidate=2, extra_std=0.5)


def default_budget(env_id: str) -> CEMBudget:
    """The search :func:`cross_entropy_method` does on ``env_id`` unless told otherwise.

    Args:
        env_id: a gymnasium id; ids without a measured budget get :data:`DEFAULT_BUDGET`.

    Returns:
        A :class:`CEMBudget`.

    Example:
        >>> default_budget("CartPole-v1").population
        40
    """
    return CEM_BUDGETS.get(env_id, DEFAULT_BUDGET)


def random_policy(actions: int, seed: int):
    """A batched policy that picks uniformly random actions, seeded.

    Args:
        actions: the number of actions.
        seed: seeds the policy's own generator; two policies with one seed act alike.

    Returns:
        ``policy(observations) -> [n]`` int actions in ``[0, actions)``.

    Example:
        >>> policy = random_policy(3, seed=0)
        >>> policy(np.zeros((5, 4), np.float32)).shape
        (5,)
    """
    if isinstance(actions, bool) or not isinstance(actions, (int, np.integer)) or actions < 1:
        raise ValueError(f"actions must be a positive int; Received: actions={actions!r}")
    rng = np.random.default_rng(seed)

    def policy(observations):
        return rng.integers(0, actions, len(observations))

    return policy


def policy_features(observations, *, grid: int = POOLED_GRID) -> np.ndarray:
    """What a linear policy sees: vector states as they are, frame stacks as a small pooled frame.

    A batch of vector states ``[n, d]`` comes back as float32 ``[n, d]``. A batch of frame
    stacks ``[n, h, w, k]`` (uint8, newest frame last, as
    :func:`~kerasdl.rl.environments.make_environment` stacks them) comes back as the newest
    frame average-pooled to ``grid x grid`` cells and scaled to [0, 1], float32
    ``[n, grid * grid]`` (row-major): 144 features instead of 28,224 pixels, few enough for
    CEM to search (see the module docstring).

    Args:
        observations: ``[n, d]`` states or ``[n, h, w, k]`` frames, ``h`` and ``w`` multiples of ``grid``.
        grid: the pooled frame's side.

    Returns:
        float32 ``[n, features]``.

    Example:
        >>> policy_features(np.zeros((2, 84, 84, 4), np.uint8)).shape
        (2, 144)
    """
    observations = np.asarray(observations)
    if observations.ndim == 2:
        return observations.astype(np.float32, copy=False)
    if observations.ndim != 4:
        raise ValueError(
            "observations must be a batch of states [n, d] or of frame stacks [n, h, w, k]; "
            f"Received: shape={observations.shape}"
        )
    n, height, width, _ = observations.shape
    if height % grid or width % grid:
        raise ValueError(f"frames must divide into {grid}x{grid} cells; Received: frame shape=({height}, {width})")
    # Average pooling as two matrix products, rows then columns (three times faster than a
    # mean over a reshaped view on big batches); the 1/255 is folded into the row pooling.
    pool_rows = _pooling_matrix(grid, height) / np.float32(255.0)
    pool_columns = _pooling_matrix(grid, width)
    pooled = pool_rows @ observations[..., -1].astype(np.float32) @ pool_columns.T
    return pooled.reshape(n, grid * grid)


def _pooling_matrix(grid: int, size: int) -> np.ndarray:
    """``[grid, size]``: row ``i`` averages the ``size // grid`` pixels of cell ``i``."""
    cell = size // grid
    return np.kron(np.eye(grid, dtype=np.float32), np.full((1, cell), 1.0 / cell, np.float32))


@dataclasses.dataclass
class LinearPolicy:
    """Acts by ``argmax(policy_features(observations) @ weights + bias)``, a batch at a time.

    Attributes:
        weights: ``[features, actions]``.
        bias: ``[actions]``.
        grid: the side of the pooled frame pixel observations are reduced to (see
            :func:`policy_features`; unused for vector states).

    Example:
        >>> policy = LinearPolicy(np.array([[1.0, -1.0]]), np.zeros(2))
        >>> policy(np.array([[2.0], [-3.0]], np.float32))
        array([0, 1])
    """

    weights: np.ndarray
    bias: np.ndarray
    grid: int = POOLED_GRID

    def __post_init__(self):
        self.weights = np.asarray(self.weights, np.float64)
        self.bias = np.asarray(self.bias, np.float64)
        if self.weights.ndim != 2 or self.bias.shape != (self.weights.shape[1],):
            raise ValueError(
                "weights must be [features, actions] and bias [actions]; "
                f"Received: weights.shape={self.weights.shape}, bias.shape={self.bias.shape}"
            )

    @property
    def actions(self) -> int:
        return int(self.weights.shape[1])

    def __call__(self, observations) -> np.ndarray:
        features = policy_features(observations, grid=self.grid)
        if features.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"this policy takes {self.weights.shape[0]} features; Received: {features.shape[1]} "
                f"from observations of shape {np.shape(observations)}"
            )
        return np.argmax(features @ self.weights + self.bias, axis=1)

    def to_json(self) -> dict:
        return {"weights": self.weights.tolist(), "bias": self.bias.tolist(), "grid": self.grid}

    @classmethod
    def from_json(cls, data: dict) -> LinearPolicy:
        return cls(np.asarray(data["weights"]), np.asarray(data["bias"]), grid=int(data.get("grid", POOLED_GRID)))


def evaluate_policy(env_id: str, policy, episodes: int, *, seed: int) -> dict:
    """Mean and spread of a batched policy's return over ``episodes`` episodes played side by side.

    Args:
        env_id: the environment (made by :func:`~kerasdl.rl.environments.make_environment`).
        policy: ``policy(observations) -> actions`` on a batch.
        episodes: how many.
        seed: episode ``i`` starts from ``reset(seed=seed + i)``.

    Returns:
        ``{"mean", "std", "returns"}``.

    Example:
        >>> evaluate_policy("CartPole-v1", random_policy(2, seed=0), 10, seed=0)["mean"] > 0
        True
    """

    returns = np.asarray(run_episodes(env_id, policy, episodes, seed=seed)["returns"], np.float64)
    return {"mean": float(returns.mean()), "std": float(returns.std()), "returns": returns.tolist()}


def cross_entropy_method(
    env_id: str,
    *,
    seed: int = 0,
    iterations: int | None = None,
    population: int | None = None,
    elite_fraction: float = 0.2,
    episodes_per_candidate: int | None = None,
    initial_std: float = 1.0,
    extra_std: float | None = None,
    verbose: int = 0,
) -> tuple[LinearPolicy, list[dict]]:
    """A linear policy found by the noisy cross-entropy method (Szita & Lőrincz, 2006).

    Each generation samples ``population`` parameter vectors from a diagonal Gaussian, plays
    ``episodes_per_candidate`` episodes with each (all ``population x episodes_per_candidate``
    of them side by side, one batched decision per step), keeps the ``elite_fraction`` with
    the highest mean return and refits the Gaussian to them: the mean to theirs, the variance
    to theirs plus ``extra_std(t)**2``, an extra noise falling linearly from ``extra_std`` at
    the first generation to 0 at the last (the paper's ``Z_t = max(5 - t/10, 0)`` in spirit).
    All candidates of a generation start from the same seeded states, so they are ranked on
    the same episodes. One seed gives one result.

    Args:
        env_id: a gymnasium id with discrete actions (vector or frame observations).
        seed: seeds the parameter sampling and the episodes.
        iterations: generations (None: :func:`default_budget`'s).
        population: candidates per generation (None: the budget's).
        elite_fraction: the share of each generation kept to refit the Gaussian.
        episodes_per_candidate: episodes per candidate and generation (None: the budget's).
        initial_std: the Gaussian's first standard deviation (its mean starts at 0).
        extra_std: the first generation's extra noise (None: the budget's).
        verbose: 1 prints a line per generation.

    Returns:
        ``(policy, history)``: the final mean as a :class:`LinearPolicy`, and a row per
        generation: ``iteration``, ``elite_return`` (the elite's mean), ``population_return``,
        ``best_return``, ``std`` (the Gaussian's mean standard deviation after the refit),
        ``env_steps`` (this generation's) and ``total_env_steps``.

    Example:
        >>> policy, history = cross_entropy_method("CartPole-v1", iterations=2, population=8)
        >>> len(history), policy.weights.shape
        (2, (4, 2))
    """
    budget = default_budget(env_id)
    iterations = budget.iterations if iterations is None else iterations
    population = budget.population if population is None else population
    episodes_per_candidate = budget.episodes_per_candidate if episodes_per_candidate is None else episodes_per_candidate
    extra_std = budget.extra_std if extra_std is None else extra_std
    for name, value in (
        ("iterations", iterations),
        ("population", population),
        ("episodes_per_candidate", episodes_per_candidate),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int; Received: {name}={value!r}")
    if not 0.0 < elite_fraction <= 1.0:
        raise ValueError(f"elite_fraction must be in (0, 1]; Received: elite_fraction={elite_fraction!r}")
    if not initial_std > 0 or not extra_std >= 0:
        raise ValueError(
            f"initial_std must be positive and extra_std not negative; Received: {initial_std=}, {extra_std=}"
        )

    envs = [make_environment(env_id, seed=seed + i) for i in range(population * episodes_per_candidate)]
    try:
        first, _ = envs[0].reset(seed=seed)
        features = policy_features(first[None]).shape[1]
        actions = int(envs[0].action_space.n)
        size = features * actions + actions
        rng = np.random.default_rng(seed)
        mean, std = np.zeros(size), np.full(size, float(initial_std))
        elite = max(1, math.ceil(elite_fraction * population))
        candidate_of = np.repeat(np.arange(population), episodes_per_candidate)
        history, total = [], 0
        for t in range(iterations):
            start = time.monotonic()
            thetas = mean + std * rng.standard_normal((population, size))
            weights = thetas[:, : features * actions].reshape(population, features, actions)
            bias = thetas[:, features * actions :]

            def act(observations, alive, weights=weights, bias=bias):
                mine = candidate_of[alive]
                scores = np.einsum("nf,nfa->na", policy_features(observations), weights[mine]) + bias[mine]
                return np.argmax(scores, axis=1)

            seeds = [seed * 1_000_003 + t * episodes_per_candidate + j for j in range(episodes_per_candidate)]
            played = play_side_by_side(envs, act, seeds * population)
            returns, steps = played["returns"], int(played["lengths"].sum())
            scores = returns.reshape(population, episodes_per_candidate).mean(axis=1)
            best = np.argsort(-scores, kind="stable")[:elite]
            noise = extra_std * (1.0 - t / max(iterations - 1, 1))
            mean = thetas[best].mean(axis=0)
            std = np.sqrt(thetas[best].var(axis=0) + noise**2)
            total += steps
            history.append(
                {
                    "iteration": t + 1,
                    "elite_return": float(scores[best].mean()),
                    "population_return": float(scores.mean()),
                    "best_return": float(scores[best[0]]),
                    "std": float(std.mean()),
                    "env_steps": int(steps),
                    "total_env_steps": int(total),
                }
            )
            if verbose:
                row = history[-1]
                print(
                    f"CEM {t + 1}/{iterations}: elite {row['elite_return']:.1f}, population "
                    f"{row['population_return']:.1f}, {steps} steps, {time.monotonic() - start:.1f}s",
                    flush=True,
                )
    finally:
        for env in envs:
            env.close()
    policy = LinearPolicy(mean[: features * actions].reshape(features, actions), mean[features * actions :])
    return policy, history
