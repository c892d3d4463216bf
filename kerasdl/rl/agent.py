"""The deep Q-learning agent: acts epsilon-greedily, remembers, learns from replayed mini-batches.

The loop of Mnih et al. (2015): each environment step picks a random action with
probability epsilon (decayed linearly) and the greedy one otherwise, stores the transition
in the :class:`~kerasdl.rl.replay.ReplayMemory`, and every ``train_every`` steps runs
``gradient_steps`` updates of the :class:`~kerasdl.rl.learner.DeepQLearner` on uniform
mini-batches; every ``target_update_every`` steps the target network moves to the online one.

Why not ``model.fit``: acting and learning interleave step by step (the policy that
collects data is the network being trained), and ``fit`` reads its data through a pipeline
that runs ahead of the updates. So the loop is here, and each update is the learner's
compiled ``train_on_batch``. An epoch is ``steps_per_epoch`` environment steps; at its end
the greedy policy is evaluated, a row is logged and a checkpoint written (network, target
network, optimizer, counters, random states and, when it is small enough, the replay
memory). Episodes are cut at epoch ends (as a time limit: the value still bootstraps), so
every epoch starts from a seeded reset and a resumed run repeats the uninterrupted one.
"""

from __future__ import annotations

import csv
import dataclasses
import pathlib
import time

import keras
import numpy as np

from kerasdl.files import atomic_path, read_json, write_json
from kerasdl.rl.environments import make_environment
from kerasdl.rl.episodes import run_episodes
from kerasdl.rl.learner import DeepQLearner
from kerasdl.rl.replay import ReplayMemory

CHECKPOINT = "checkpoint"  # folder in the run folder: learner weights, agent state, replay memory
LOG_FILE = "training_log.csv"
EPISODES_FILE = "episodes.csv"


@dataclasses.dataclass(frozen=True)
class AgentSettings:
    """How the agent explores and learns (rl-baselines3-zoo's names in brackets).

    Attributes:
        gamma: discount factor.
        double: double DQN targets (van Hasselt et al. 2016).
        buffer_size: replay-memory slots [buffer_size].
        learning_starts: environment steps of random play before the first update [learning_starts].
        train_every: environment steps between rounds of updates [train_freq].
        gradient_steps: updates per round [gradient_steps].
        target_update_every: environment steps between target-network updates [target_update_interval].
        tau: 1 copies the network into the target; less is Polyak averaging (soft updates).
        exploration_steps: steps over which epsilon falls linearly from ``epsilon_start``
            to ``epsilon_end`` [exploration_fraction x n_timesteps].
        epsilon_start: the first steps' epsilon.
        epsilon_end: epsilon after the decay [exploration_final_eps].
        max_grad_norm: gradients are clipped to this global norm [max_grad_norm].
        huber_delta: the Huber loss's delta (the paper's error clipping at 1).
        eval_episodes: greedy episodes at the end of each epoch.
        eval_epsilon: epsilon of the evaluation policy (0: greedy; the Atari papers use 0.05).
        save_memory: keep the replay memory in checkpoints (None: when it takes under 512 MB).
    """

    gamma: float = 0.99
    double: bool = False
    buffer_size: int = 100_000
    learning_starts: int = 1_000
    train_every: int = 4
    gradient_steps: int = 1
    target_update_every: int = 1_000
    tau: float = 1.0
    exploration_steps: int = 10_000
    epsilon_start: float = 1.0
    epsilon_end: float = 0.05
    max_grad_norm: float = 10.0
    huber_delta: float = 1.0
    eval_episodes: int = 10
    eval_epsilon: float = 0.0
    save_memory: bool | None = None

    def validate(self) -> None:
        """Raises ``UserInputError`` for settings no agent can use (named as the flags are)."""
        from kerasdl.errors import UserInputError

        for name in ("epsilon_start", "epsilon_end", "eval_epsilon"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise UserInputError(f"--{name.replace('_', '-')} must be in [0, 1]; got {value}")
        if not 0.0 <= self.gamma <= 1.0:
            raise UserInputError(f"--gamma must be in [0, 1]; got {self.gamma}")
        if not 0.0 < self.tau <= 1.0:
            raise UserInputError(f"--tau must be in (0, 1]; got {self.tau}")
        for name in ("buffer_size", "train_every", "gradient_steps", "target_update_every", "eval_episodes"):
            if getattr(self, name) < 1:
                raise UserInputError(f"--{name.replace('_', '-')} must be at least 1; got {getattr(self, name)}")
        for name in ("learning_starts", "exploration_steps"):
            if getattr(self, name) < 0:
                raise UserInputError(f"--{name.replace('_', '-')} must be 0 or more; got {getattr(self, name)}")
        if not self.max_grad_norm > 0:
            raise UserInputError(f"--max-grad-norm must be positive; got {self.max_grad_norm}")

    def epsilon(self, step: int) -> float:
        """Epsilon at environment step ``step``: linear from ``epsilon_start`` to ``epsilon_end``."""
        if step >= self.exploration_steps:
            return self.epsilon_end
        return self.epsilon_start + (self.epsilon_end - self.epsilon_start) * step / self.exploration_steps


def greedy_actions(network, observations) -> np.ndarray:
    """The argmax-Q actions of a batch of observations (compiled forward pass)."""
    q_values = network.predict_on_batch(np.asarray(observations, np.float32))
    return np.argmax(np.asarray(q_values), axis=1)


class DeepQAgent:
    """Trains a Q-network on one environment by deep Q-learning.

    Args:
        env_id: a gymnasium id (``make_environment`` prepares it: frames stacked for pixels).
        build_network: ``build_network(input_shape, actions)`` -> an uncompiled Keras Q-network.
        settings: :class:`AgentSettings`.
        learning_rate: Adam's learning rate (constant, as in the DQN papers and rl-zoo).
        batch_size: transitions per update.
        seed: seeds Keras (the network's initial weights), NumPy (exploration, replay
            sampling) and the environment.
        jit_compile: compile the update with XLA.
    """

    def __init__(
        self,
        env_id: str,
        build_network,
        settings: AgentSettings,
        *,
        learning_rate: float = 1e-4,
        batch_size: int = 32,
        seed: int = 0,
        jit_compile: bool = False,
    ):
        settings.validate()
        self.env_id = env_id
        self.settings = settings
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.env = make_environment(env_id, seed=seed)
        space = self.env.observation_space
        self.actions = int(self.env.action_space.n)
        self.observation_shape = tuple(space.shape)
        pixels = space.dtype == np.uint8 and len(space.shape) == 3
        keras.utils.set_random_seed(self.seed)
        network = build_network(self.observation_shape, self.actions)
        self.learner = DeepQLearner(
            network, gamma=settings.gamma, double=settings.double, huber_delta=settings.huber_delta
        )
        self.learner.compile(
            optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=settings.max_grad_norm),
            jit_compile=jit_compile,
        )
        # Built now rather than at the first update: a checkpoint written before any update (an
        # epoch that ends before learning_starts) then holds the same variables as later ones.
        self.learner(np.zeros((1, *self.observation_shape), np.float32))
        self.learner.optimizer.build(self.learner.trainable_variables)
        self.memory = ReplayMemory(
            settings.buffer_size,
            self.observation_shape,
            "uint8" if pixels else "float32",
            frame_stack=self.observation_shape[-1] if pixels else 1,
        )
        self.rng = np.random.default_rng(self.seed)
        self.env_steps = 0
        self.updates = 0
        self.epoch = 0
        self.episodes = 0
        self.best_return = None

    @property
    def network(self):
        """The online Q-network."""
        return self.learner.network

    # ---------------------------------------------------------------- acting

    def act(self, observation, epsilon: float) -> int:
        """An epsilon-greedy action."""
        if self.rng.random() < epsilon:
            return int(self.rng.integers(self.actions))
        return int(greedy_actions(self.network, observation[None])[0])

    def evaluate(self, episodes: int, *, seed: int, epsilon: float | None = None) -> dict:
        """Mean and spread of the (epsilon-)greedy policy's return over ``episodes`` episodes."""
        epsilon = self.settings.eval_epsilon if epsilon is None else epsilon
        played = run_episodes(
            self.env_id,
            lambda obs: greedy_actions(self.network, obs),
            episodes,
            seed=seed,
            epsilon=epsilon,
            actions=self.actions,
        )
        returns = np.asarray(played["returns"])
        return {"mean": float(returns.mean()), "std": float(returns.std()), **played}

    # ---------------------------------------------------------------- learning

    def _learn(self) -> float:
        batch = self.memory.sample(self.batch_size, self.rng)
        observations = batch.pop("observation").astype(np.float32)
        batch["next_observation"] = batch["next_observation"].astype(np.float32)
        loss = self.learner.train_on_batch(observations, batch)
        self.updates += 1
        return float(loss)

    def _step(self, observation, losses: list) -> tuple:
        settings = self.settings
        action = self.act(observation, settings.epsilon(self.env_steps))
        next_observation, reward, terminated, truncated, info = self.env.step(action)
        self.memory.add(observation, action, reward, next_observation, terminated=terminated, truncated=truncated)
        self.env_steps += 1
        ready = self.env_steps > settings.learning_starts and len(self.memory) >= self.batch_size
        if ready and self.env_steps % settings.train_every == 0:
            losses.extend(self._learn() for _ in range(settings.gradient_steps))
        if self.env_steps % settings.target_update_every == 0:
            self.learner.sync_target(settings.tau)
        return next_observation, reward, terminated or truncated

    def train(
        self,
        run_dir,
        *,
        epochs: int,
        steps_per_epoch: int,
        time_limit: float | None = None,
        resume: bool = True,
        verbose: int = 1,
        on_best=None,
    ) -> dict:
        """Trains for ``epochs`` x ``steps_per_epoch`` environment steps, resuming a checkpoint in ``run_dir``.

        Args:
            run_dir: where the checkpoint, logs and episode returns go.
            epochs: evaluation points.
            steps_per_epoch: environment steps between them.
            time_limit: minutes; the epoch in progress ends early and the run stops.
            resume: continue from ``run_dir/checkpoint`` when it is there.
            verbose: 1 shows a progress bar in environment steps.
            on_best: called with the agent when an evaluation beats the best so far.

        Returns:
            ``{"resumed", "stopped_by_time_limit", "seconds"}``.
        """
        run_dir = pathlib.Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        resumed = resume and self.restore(run_dir)
        if not resumed:
            for name in (LOG_FILE, EPISODES_FILE):
                (run_dir / name).unlink(missing_ok=True)
        start = time.monotonic()
        deadline = start + 60 * time_limit if time_limit else None
        stopped = False
        while self.epoch < epochs and not stopped:
            epoch_start = time.monotonic()
            observation, _ = self.env.reset(seed=self.seed * 1_000_003 + self.epoch)
            losses, returns, episode_return, episode_steps = [], [], 0.0, 0
            bar = keras.utils.Progbar(steps_per_epoch, stateful_metrics=["return", "epsilon"]) if verbose else None
            for step in range(steps_per_epoch):
                observation, reward, done = self._step(observation, losses)
                episode_return += reward
                episode_steps += 1
                if done:
                    returns.append(episode_return)
                    self._log_episode(run_dir, episode_return, episode_steps)
                    observation, _ = self.env.reset()
                    episode_return, episode_steps = 0.0, 0
                if bar is not None and (step + 1) % 100 == 0:
                    recent = [("return", float(np.mean(returns[-100:])))] if returns else []
                    bar.update(step + 1, recent + [("epsilon", self.settings.epsilon(self.env_steps))])
                if deadline is not None and (step + 1) % 50 == 0 and time.monotonic() > deadline:
                    stopped = True
                    break
            self.memory.end_episode()  # the epoch's last episode is cut: the next epoch starts afresh
            self._end_epoch(run_dir, losses, returns, time.monotonic() - epoch_start, on_best, verbose)
        return {"resumed": bool(resumed), "stopped_by_time_limit": stopped, "seconds": time.monotonic() - start}

    def _log_episode(self, run_dir, episode_return, steps):
        self.episodes += 1
        row = {"episode": self.episodes, "env_steps": self.env_steps, "return": episode_return, "length": steps}
        _append_row(run_dir / EPISODES_FILE, row)

    def _end_epoch(self, run_dir, losses, returns, seconds, on_best, verbose):
        evaluation = self.evaluate(self.settings.eval_episodes, seed=10_000_019 + self.seed)
        self.epoch += 1
        row = {
            "epoch": self.epoch,
            "env_steps": self.env_steps,
            "episodes": self.episodes,
            "updates": self.updates,
            "epsilon": self.settings.epsilon(self.env_steps),
            "loss": float(np.mean(losses)) if losses else float("nan"),
            "train_return": float(np.mean(returns)) if returns else float("nan"),
            "eval_return": evaluation["mean"],
            "eval_return_std": evaluation["std"],
            "seconds": round(seconds, 2),
        }
        _append_row(run_dir / LOG_FILE, row)
        if verbose:
            print(
                f"epoch {self.epoch}: {self.env_steps} steps, greedy return "
                f"{evaluation['mean']:.1f} ± {evaluation['std']:.1f} over {self.settings.eval_episodes} episodes",
                flush=True,
            )
        if self.best_return is None or evaluation["mean"] > self.best_return:
            self.best_return = evaluation["mean"]
            if on_best is not None:
                on_best(self)
        self.checkpoint(run_dir)

    # ---------------------------------------------------------------- checkpoints

    def _keeps_memory(self) -> bool:
        keep = self.settings.save_memory
        return self.memory.nbytes < 512 * 2**20 if keep is None else keep

    def checkpoint(self, run_dir) -> None:
        """Writes the learner (both networks, optimizer), counters, random states, and maybe the memory."""
        folder = pathlib.Path(run_dir) / CHECKPOINT
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / "learner.weights.h5", suffix=".weights.h5") as temporary:
            self.learner.save_weights(temporary)
        if self._keeps_memory():
            self.memory.save(folder / "memory.npz")
        state = {
            "env_id": self.env_id,
            "epoch": self.epoch,
            "env_steps": self.env_steps,
            "updates": self.updates,
            "episodes": self.episodes,
            "best_return": self.best_return,
            "rng": self.rng.bit_generator.state,
            "memory": self._keeps_memory(),
        }
        write_json(state, folder / "state.json")  # last: it marks the checkpoint complete

    def restore(self, run_dir) -> bool:
        """Loads the checkpoint in ``run_dir`` if there is one; True if it did."""
        from kerasdl.errors import UserInputError

        folder = pathlib.Path(run_dir) / CHECKPOINT
        if not (folder / "state.json").is_file():
            return False
        state = read_json(folder / "state.json")
        if state.get("env_id") != self.env_id:
            raise UserInputError(
                f"{folder} holds a run on {state.get('env_id')}, not {self.env_id}; pass --restart or another --run-dir"
            )
        try:
            self.learner.load_weights(folder / "learner.weights.h5")
        except (OSError, ValueError, KeyError) as err:
            raise UserInputError(f"cannot resume from {folder}: {err}; pass --restart to start afresh") from None
        if state.get("memory") and (folder / "memory.npz").is_file():
            self.memory.load(folder / "memory.npz")
        self.epoch, self.env_steps = state["epoch"], state["env_steps"]
        self.updates, self.episodes, self.best_return = state["updates"], state["episodes"], state["best_return"]
        self.rng.bit_generator.state = state["rng"]
        _keep_rows(pathlib.Path(run_dir) / LOG_FILE, "epoch", self.epoch)  # rows written after the checkpoint
        _keep_rows(pathlib.Path(run_dir) / EPISODES_FILE, "episode", self.episodes)
        return True


def _keep_rows(path: pathlib.Path, key: str, last: int) -> None:
    """Drops the rows of a CSV log whose ``key`` is beyond ``last`` (written after the checkpoint)."""
    if not path.is_file():
        return
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows:
        return
    kept = [row for row in rows if int(row[key]) <= last]
    if len(kept) < len(rows):
        with atomic_path(path) as temporary, temporary.open("w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(kept)


def _append_row(path: pathlib.Path, row: dict) -> None:
    """Appends ``row`` to a CSV log, writing the header (``row``'s keys) when the file is new."""
    new = not path.exists()
    with path.open("a", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)
