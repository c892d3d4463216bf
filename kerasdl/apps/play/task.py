"""``Play``: a deep Q-network that learns to act in a gymnasium environment, scored beside classical policies."""

from __future__ import annotations

import dataclasses
import pathlib
import time

from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import EvaluationReport, Predictions, SampleReport, TrainReport
from kerasdl.apps.task import MODEL_FILE, SUMMARY_FILE, TASK_FILE, Scores, ServingSpec, Task
from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path, write_json

DEFAULT_ENV = "CartPole-v1"
RECIPES = {
    "dqn": Recipe("dqn", summary="DQN (Mnih 2015): the Nature network on frames, an MLP on state vectors (default)"),
    "double-dqn": Recipe("dqn", settings={"double": True}, summary="double DQN targets (van Hasselt 2016)"),
    "dueling-dqn": Recipe(
        "dqn",
        options={"dueling": True},
        settings={"double": True},
        summary="dueling network (Wang 2016) with double DQN targets",
    ),
}
NOT_USED = {"patience": 0, "warmup_steps": 0}  # TrainConfig settings a Q-learning run has no use for
# Quantized LiteRT variants are scored on evaluate's first episodes (its default reset seeds), each cut
# at a step cap so that an Atari game stays quick; int8 is calibrated on other episodes' observations.
QUALITY_EPISODES = 10
QUALITY_SEED = 1_000_000
QUALITY_MAX_STEPS = 1_000
QUALITY_RELATIVE_LOSS = 0.05
QUALITY_STANDARD_ERRORS = 2.0
CALIBRATION_EPISODES = 4
CALIBRATION_SEED = 2_000_000
CALIBRATION_EPSILON = 0.1
PARITY_OBSERVATIONS = 8


class Play(Task):
    """Deep Q-learning (DQN) on a gymnasium environment, scored beside a random and a cross-entropy-method policy.

    The agent of Mnih et al. (2015): epsilon-greedy exploration, an experience-replay memory,
    a target network, the Huber loss; options for double DQN and the dueling network. It
    learns from a state-vector task with an MLP (CartPole, LunarLander) or from stacked
    84x84 frames with the Nature network (Catch, Atari). Training runs ``epochs x
    steps_per_epoch`` environment steps and keeps the network whose greedy evaluation was best.

    Example:
        >>> agent = Play(env="CartPole-v1")
        >>> agent.train(epochs=20, steps_per_epoch=2500)       # doctest: +SKIP
        >>> print(agent.evaluate(episodes=100).table)          # doctest: +SKIP
        >>> agent.record("cartpole.gif")                       # doctest: +SKIP

    Args:
        model: ``"dqn"`` (default), ``"double-dqn"`` or ``"dueling-dqn"``.
        env: a gymnasium id (``"CartPole-v1"``, ``"LunarLander-v3"``, ``"kerasdl/Catch-v0"``,
            ``"ALE/Breakout-v5"``); the hyperparameters are rl-baselines3-zoo's for it where it
            has them.
        model_options: builder options over the recipe's (``hidden_units``, ``dueling``).
        run_dir: where training writes (default ``runs/play``).
    """

    name = "play"
    aliases = ("rl",)
    recipes = RECIPES
    default_model = "dqn"
    multi_worker = False  # the agent's loop runs in one process

    def __init__(self, model=None, *, env: str = DEFAULT_ENV, model_options=None, run_dir=None):
        if not isinstance(env, str) or not env.strip():
            raise UserInputError(f"--env must name a gymnasium environment; got {env!r}")
        self.env = env
        super().__init__(model, model_options=model_options, run_dir=run_dir)

    def _init_arguments(self) -> dict:
        return {**super()._init_arguments(), "env": self.env}

    # ------------------------------------------------------------ environment and network

    def _info(self):
        from kerasdl.rl.environments import environment_info

        return environment_info(self.env)  # makes the environment: an unusable id is one line here

    def _builder(self, info) -> str:
        return "dqn" if info.pixels else "q_network"

    def _network_builder(self, info):
        from kerasdl.registry import get_model

        builder = self._builder(info)

        def build(input_shape, actions):
            try:
                return get_model(builder, input_shape=input_shape, actions=actions, **self.recipe.options)
            except (TypeError, ValueError) as err:
                raise UserInputError(f"{builder} for {self.env}: {err}") from None

        return build

    def _check_model(self, model, source) -> None:
        shape = tuple(model.input_shape[1:])
        observation = tuple(self.state.get("observation_shape") or shape)
        if model.output_shape[-1] != self.state.get("actions", model.output_shape[-1]) or shape != observation:
            raise UserInputError(f"{source} does not take {self.env}'s observations to its actions")

    @property
    def action_meanings(self) -> list[str]:
        return list(self.state.get("action_meanings") or [])

    # ------------------------------------------------------------ train

    def train(
        self,
        data=None,
        *,
        gamma: float | None = None,
        double: bool | None = None,
        buffer_size: int | None = None,
        learning_starts: int | None = None,
        train_every: int | None = None,
        gradient_steps: int | None = None,
        target_update_every: int | None = None,
        tau: float | None = None,
        exploration_steps: int | None = None,
        epsilon_start: float | None = None,
        epsilon_end: float | None = None,
        eval_episodes: int | None = None,
        save_memory: bool | None = None,
        **training,
    ) -> TrainReport:
        """Trains by deep Q-learning for ``epochs x steps_per_epoch`` environment steps.

        Each epoch ends with a greedy evaluation; the best network is kept as ``best.keras``.
        A run killed part-way resumes from its last epoch (network, target network,
        optimizer, step counter, epsilon and, when under 512 MB, the replay memory).
        Unset values come from the environment's preset (rl-baselines3-zoo where it has one).

        Args:
            data: not used (the agent collects its own data); must be None.
            gamma: discount factor.
            double: double DQN targets.
            buffer_size: replay-memory slots.
            learning_starts: steps of random play before learning.
            train_every: environment steps between rounds of updates.
            gradient_steps: updates per round.
            target_update_every: environment steps between target-network updates.
            tau: 1 copies the network into the target; less averages (soft updates).
            exploration_steps: steps over which epsilon decays linearly.
            epsilon_start: epsilon at the start.
            epsilon_end: epsilon after the decay.
            eval_episodes: greedy episodes at each epoch's end.
            save_memory: keep the replay memory in checkpoints (default: when under 512 MB).
            **training: :class:`~kerasdl.training.TrainConfig` settings: ``epochs``,
                ``steps_per_epoch`` (environment steps), ``learning_rate`` (constant),
                ``batch_size``, ``seed``, ``jit_compile`` (default on), ``deterministic``,
                ``time_limit``, ``resume``, ``verbose``.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        from kerasdl.apps.play.presets import preset_for
        from kerasdl.data.images import check_writable_dir
        from kerasdl.rl.agent import AgentSettings

        if data is not None:
            raise UserInputError(f"play learns from its environment, not from data; got data={data!r} (use --env)")
        from kerasdl.training.hardware import read_tf_config

        if read_tf_config().get("cluster"):
            raise UserInputError(
                "play trains in one process; unset TF_CONFIG (multi-worker training is for the other apps)"
            )
        for name, default in NOT_USED.items():
            if training.get(name) not in (None, default):
                raise UserInputError(f"--{name.replace('_', '-')} does not apply to play")
        info = self._info()
        preset = preset_for(self.env, pixels=info.pixels)
        config = dataclasses.replace(self.recipe, training={**preset.training, **self.recipe.training}).train_config(
            **training
        )
        config.validate()
        given = {
            "gamma": gamma,
            "double": double,
            "buffer_size": buffer_size,
            "learning_starts": learning_starts,
            "train_every": train_every,
            "gradient_steps": gradient_steps,
            "target_update_every": target_update_every,
            "tau": tau,
            "exploration_steps": exploration_steps,
            "epsilon_start": epsilon_start,
            "epsilon_end": epsilon_end,
            "eval_episodes": eval_episodes,
            "save_memory": save_memory,
        }
        chosen = {**preset.settings, **self.recipe.settings, **{k: v for k, v in given.items() if v is not None}}
        settings = AgentSettings(**chosen)
        settings.validate()
        build = self._network_builder(info)
        build(info.observation_shape, info.actions)  # a bad builder option fails before the run folder appears
        run_dir = check_writable_dir(self.run_dir)
        return self._train_agent(run_dir, info, preset, settings, config, build)

    def _train_agent(self, run_dir, info, preset, settings, config, build) -> TrainReport:
        import keras

        from kerasdl.apps.play.figures import plot_learning_curve
        from kerasdl.rl.agent import CHECKPOINT, EPISODES_FILE, LOG_FILE, DeepQAgent
        from kerasdl.training.curves import read_log

        if not config.resume:
            import shutil

            shutil.rmtree(run_dir / CHECKPOINT, ignore_errors=True)
        if config.deterministic and keras.config.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()
        self.state = {
            "env": self.env,
            "builder": self._builder(info),
            "observation_shape": list(info.observation_shape),
            "observation_dtype": info.observation_dtype,
            "actions": info.actions,
            "action_meanings": info.action_meanings,
            "pixels": info.pixels,
            "reward_threshold": info.reward_threshold,
            "preset": preset.source,
            "settings": dataclasses.asdict(settings),
        }
        write_json({"app": self.name, "init": self._init_arguments(), "state": self.state}, run_dir / TASK_FILE)
        jit = True if config.jit_compile is None else bool(config.jit_compile)
        agent = DeepQAgent(
            self.env,
            build,
            settings,
            learning_rate=config.learning_rate,
            batch_size=config.batch_size,
            seed=config.seed,
            jit_compile=jit,
        )
        total = config.epochs * config.steps_per_epoch
        if config.verbose:
            megabytes = agent.memory.nbytes / 2**20
            print(
                f"Training {self.model_name} ({self._builder(info)}, {agent.network.count_params():,} parameters) "
                f"on {self.env} for {total:,} steps ({config.epochs} epochs x {config.steps_per_epoch:,}); "
                f"replay memory {settings.buffer_size:,} slots, {megabytes:,.1f} MB; hyperparameters: {preset.source}",
                flush=True,
            )
        checkpoint = run_dir / MODEL_FILE

        def keep_best(trained):
            with atomic_path(checkpoint, suffix=".keras") as temporary:
                trained.network.save(temporary)

        result = agent.train(
            run_dir,
            epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch,
            time_limit=config.time_limit,
            resume=config.resume,
            verbose=config.verbose if isinstance(config.verbose, int) else 1,
            on_best=keep_best,
        )
        if not checkpoint.is_file():  # stopped before the first evaluation
            keep_best(agent)
        from kerasdl.saving import load_model

        self.model, self._metrics = load_model(checkpoint), None
        curve = plot_learning_curve(
            run_dir / EPISODES_FILE,
            run_dir / LOG_FILE,
            run_dir / "learning_curves.png",
            title=f"{self.model_name} on {self.env}",
            threshold=info.reward_threshold,
        )
        history = read_log(run_dir / LOG_FILE)
        summary = {
            "app": self.name,
            "model": self.model_name,
            "builder": self._builder(info),
            "model_options": self.recipe.options,
            "env": self.env,
            "preset": preset.source,
            "agent_settings": dataclasses.asdict(settings),
            "train_config": dataclasses.asdict(config),
            "env_steps": agent.env_steps,
            "updates": agent.updates,
            "episodes": agent.episodes,
            "best_eval_return": agent.best_return,
            "train_seconds": round(result["seconds"], 1),
            "epochs_run": agent.epoch,
            "stopped_by_time_limit": result["stopped_by_time_limit"],
            "replay_memory_bytes": agent.memory.nbytes,
            "jit_compile": jit,
            "parameters": self.model.count_params(),
            "keras": keras.__version__,
            "backend": keras.config.backend(),
        }
        write_json(summary, run_dir / SUMMARY_FILE)
        files = {
            "best model": checkpoint,
            "training log": run_dir / LOG_FILE,
            "episodes": run_dir / EPISODES_FILE,
            "learning curves": curve,
            "record": run_dir / TASK_FILE,
            "summary": run_dir / SUMMARY_FILE,
        }
        return self._announce(
            TrainReport(
                app=self.name,
                model=self.model_name,
                builder=self._builder(info),
                parameters=summary["parameters"],
                seconds=result["seconds"],
                epochs_run=agent.epoch,
                resumed=result["resumed"],
                stopped_by_time_limit=result["stopped_by_time_limit"],
                jit_compile=jit,
                train_config=summary["train_config"],
                history=history,
                files=files,
            )
        )

    # ------------------------------------------------------------ evaluate

    def _policy(self):
        from kerasdl.rl.agent import greedy_actions

        model = self._require_model()
        return lambda observations: greedy_actions(model, observations)

    def evaluate(
        self,
        data=None,
        *,
        episodes: int = 100,
        seed: int = 1_000_000,
        epsilon: float | None = None,
        baseline: bool = True,
        output=None,
        figure=None,
    ) -> EvaluationReport:
        """The greedy policy's mean ± std return over ``episodes`` episodes, beside a random and a CEM policy.

        The classical baseline is the cross-entropy method (Szita & Lőrincz 2006) on a linear
        policy, trained here within its fixed budget of environment steps.

        Args:
            data: not used; must be None.
            episodes: evaluation episodes per policy (seeded resets, the same for all).
            seed: the first episode's reset seed (training used other seeds).
            epsilon: probability of a random action per step (default: the run's evaluation
                epsilon: 0, greedy, except 0.05 for Atari as in the DQN papers, whose games
                otherwise wait forever for a FIRE).
            baseline: also train and score the cross-entropy method.
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the returns figure (default ``<run_dir>/returns.png``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.play.figures import plot_policy_returns
        from kerasdl.rl.baselines import cross_entropy_method, evaluate_policy, random_policy
        from kerasdl.rl.episodes import run_episodes

        if data is not None:
            raise UserInputError(f"play evaluates in its environment, not on data; got data={data!r}")
        if episodes < 1:
            raise UserInputError(f"--episodes must be at least 1; got {episodes}")
        policy = self._policy()
        actions = int(self.model.output_shape[-1])
        if epsilon is None:
            epsilon = float((self.state.get("settings") or {}).get("eval_epsilon", 0.0))
        if not 0.0 <= epsilon <= 1.0:
            raise UserInputError(f"--epsilon must be in [0, 1]; got {epsilon}")
        start = time.monotonic()
        ours = run_episodes(self.env, policy, episodes, seed=seed, epsilon=epsilon, actions=actions)
        seconds = time.monotonic() - start
        random_returns = evaluate_policy(self.env, random_policy(actions, seed), episodes, seed=seed)["returns"]
        results = {self.model_name: ours["returns"], "random": random_returns}
        ours_summary, random_summary = _summary(ours["returns"]), _summary(random_returns)
        rows = [(self.model_name, ours_summary, None), ("random", random_summary, None)]
        metrics = {
            "env": self.env,
            "episodes": episodes,
            "seed": seed,
            "epsilon": epsilon,
            self.model_name: {**ours_summary, "seconds": round(seconds, 2)},
            "random": random_summary,
        }
        caught = [info.get("caught") for info in ours["infos"] if info and "caught" in info]
        if caught:
            metrics["catch_rate"] = sum(bool(c) for c in caught) / len(caught)
        if baseline:
            cem, history = cross_entropy_method(self.env, seed=seed)
            cem_returns = evaluate_policy(self.env, cem, episodes, seed=seed)["returns"]
            results["CEM (linear)"] = cem_returns
            budget = history[-1]["total_env_steps"] if history else 0  # every generation's, not the last one's
            cem_summary = _summary(cem_returns)
            metrics["cem"] = {**cem_summary, "env_steps": budget}
            rows.append(("CEM (linear)", cem_summary, budget))
        threshold = self.state.get("reward_threshold")
        metrics["reward_threshold"] = threshold
        metrics["solved"] = None if threshold is None else metrics[self.model_name]["mean"] >= threshold
        table = _table(rows, episodes)
        headline = f"{self.env}: {self.model_name} {metrics[self.model_name]['mean']:.1f} vs random " + (
            f"{metrics['random']['mean']:.1f}"
            + (f", CEM {metrics['cem']['mean']:.1f}" if baseline else "")
            + f" (mean return over {episodes} episodes)"
        )
        out_dir = pathlib.Path(output).parent if output else self.run_dir
        return self._report(
            Scores(
                metrics=metrics,
                headline=headline,
                table=table,
                figures={
                    "returns": (
                        "returns.png",
                        lambda path: plot_policy_returns(results, path, title=f"{self.env}: {episodes} episodes"),
                    )
                },
            ),
            output=output,
            figure=figure or out_dir / "returns.png",
        )

    # ------------------------------------------------------------ predict and record

    def predict(self, inputs, *, output=None) -> Predictions:
        """The greedy action and Q-values for observations.

        Args:
            inputs: ``.npy`` files (one observation or a batch), or for state-vector tasks
                comma-separated numbers (``"0.01,-0.02,0.03,0.04"``); or arrays.
            output: also write the predictions as ``.csv`` or ``.json``.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions` of ``{"action", "action_name", "q_values"}``.
        """
        import numpy as np

        from kerasdl.apps.play.observations import read_observations
        from kerasdl.apps.tables import check_table_path, write_rows

        check_table_path(output)
        model = self._require_model()
        names, observations = read_observations(inputs, tuple(model.input_shape[1:]))
        q_values = np.asarray(model.predict_on_batch(observations.astype(np.float32)))
        meanings = self.action_meanings or [str(a) for a in range(q_values.shape[1])]
        results = [
            {"action": int(np.argmax(q)), "action_name": meanings[int(np.argmax(q))], "q_values": q.tolist()}
            for q in q_values
        ]
        if output:
            write_rows([{"input": n, **r} for n, r in zip(names, results)], output)
        return Predictions(results, inputs=names)

    def record(
        self, output=None, *, episodes: int = 1, seed: int = 0, epsilon: float = 0.0, fps: int = 30
    ) -> SampleReport:
        """Plays episodes with the greedy policy and writes the environment's frames as a GIF or MP4.

        Args:
            output: ``.gif`` or ``.mp4`` (default ``<run_dir>/episode.gif``).
            episodes: how many episodes, one after the other.
            seed: the first episode's reset seed.
            epsilon: probability of a random action per step (0: greedy).
            fps: frames per second.

        Returns:
            A :class:`~kerasdl.apps.reports.SampleReport` with the animation and its returns.
        """
        import numpy as np

        from kerasdl.apps.play.recording import check_animation_path, write_animation
        from kerasdl.quiet import native_stderr_silenced
        from kerasdl.rl.agent import greedy_actions
        from kerasdl.rl.environments import make_environment

        path = check_animation_path(output or self.run_dir / "episode.gif")
        if episodes < 1:
            raise UserInputError(f"--episodes must be at least 1; got {episodes}")
        if not 0.0 <= epsilon <= 1.0:
            raise UserInputError(f"--epsilon must be in [0, 1]; got {epsilon}")
        model = self._require_model()
        rng = np.random.default_rng(seed)
        env = make_environment(self.env, seed=seed, render_mode="rgb_array")
        frames, returns = [], []
        for episode in range(episodes):
            observation, _ = env.reset(seed=seed + episode)
            # pygame's first render probes audio and video; on a headless machine it prints "error: ...".
            with native_stderr_silenced():
                frames.append(env.render())
            total, done = 0.0, False
            while not done:
                if rng.random() < epsilon:
                    action = int(rng.integers(env.action_space.n))
                else:
                    action = int(greedy_actions(model, observation[None])[0])
                observation, reward, terminated, truncated, _ = env.step(action)
                total += reward
                done = terminated or truncated
                frames.append(env.render())
            returns.append(total)
        env.close()
        write_animation(frames, path, fps=fps)
        report = SampleReport(app=self.name, files={"episode": path})
        report.returns = returns
        return self._announce(report)

    # ------------------------------------------------------------ export

    def _serving(self) -> ServingSpec:
        import numpy as np
        import tensorflow as tf

        from kerasdl.export import Endpoint
        from kerasdl.rl.environments import make_environment

        model = self._require_model()
        shape = tuple(int(d) for d in model.input_shape[1:])
        env = make_environment(self.env, seed=0)
        samples = []
        for seed in range(3):
            observation, _ = env.reset(seed=seed)
            for _ in range(seed * 3):
                observation, *_ = env.step(env.action_space.sample())
            samples.append(observation)
        env.close()
        sample = np.stack(samples).astype(np.float32)

        def decide(observation):
            q_values = model(observation, training=False)
            return {"action": tf.argmax(q_values, axis=1), "q_values": q_values}

        spec = tf.TensorSpec([None, *shape], tf.float32, name="observation")
        dims = "x".join(str(d) for d in shape)
        return ServingSpec(
            model=model,
            float_input=spec,
            sample_inputs=sample,
            endpoints=[Endpoint("serving_default", decide, [spec], [sample])],
            usage={
                "serving_default": f"observation: [batch, {dims}] float32 -> action: [batch] int64 (greedy), "
                f"q_values: [batch, {model.output_shape[-1]}] float32",
                "serving_float": f"observation: [batch, {dims}] float32 -> output: Q-values",
            },
            metadata={
                "env": self.env,
                "observation_shape": list(shape),
                "observation_dtype": self.state.get("observation_dtype"),
                "action_meanings": self.action_meanings,
            },
        )

    def _litert_quality(self):
        """The mean return over evaluate's first 10 episodes, playing with the LiteRT file's Q-values.

        The metric is ``evaluate``'s: the policy takes the argmax of the file's Q-values (one
        batched call for the episodes still running, as ``evaluate`` does), with the run's
        evaluation epsilon, in the episodes reset with seeds 1,000,000 to 1,000,009. Each
        episode is cut at 1,000 steps, which CartPole (500) never reaches but keeps an Atari
        game quick; below that cap the Keras value is the mean of ``evaluate(episodes=10)``.
        The episodes, and the exploration's random actions, are the same for every file, so a
        difference comes from the file alone; but a policy is a chain of argmaxes, so one
        action flipped near a tie of two Q-values can change the rest of an episode.

        The default ``max_loss`` is the larger of 5% of the Keras model's |mean return| and twice
        the standard error of a difference of two 10-episode means, 2 x sqrt(2) x std / sqrt(10)
        with the std of the Keras returns: once a flipped action sends the episodes their own way,
        an equally good policy's mean differs by that much, and falls by more than twice it once
        in 40 times; 5% holds when every episode returns the same (a solved CartPole's 500s).
        A return is in the environment's own units, so no fixed number would do across games.
        The Keras episodes are played once here for it.

        int8 is calibrated on up to 200 observations, 25 drawn (a seeded reservoir) from each of 8
        other episodes: 4 played by the Keras model with 10% random actions, the states a policy
        visits, and 4 by random actions, whose states go further (a falling pole): an activation
        range calibrated on greedy play alone clips the Q-values of such states. The parity check
        runs on 8 observations of the Keras model's scored episodes (a seeded sample): a state
        beyond every calibration episode (the export's samples take random steps from the
        start, and one of them spins the pole faster than 4 random episodes did) can miss by
        more than int8's 20% tolerance although the policy never goes there; the return judges
        the states it does visit.
        """
        import numpy as np

        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality
        from kerasdl.rl.agent import greedy_actions
        from kerasdl.rl.environments import make_environment
        from kerasdl.rl.episodes import run_episodes

        model = self._require_model()
        actions = int(model.output_shape[-1])
        epsilon = float((self.state.get("settings") or {}).get("eval_epsilon", 0.0))

        def returns(predict, seen=None) -> np.ndarray:
            played = run_episodes(
                self.env,
                lambda observations: np.argmax(predict(np.asarray(observations, np.float32)), axis=1),
                QUALITY_EPISODES,
                seed=QUALITY_SEED,
                epsilon=epsilon,
                actions=actions,
                max_steps=QUALITY_MAX_STEPS,
                seen=seen,
            )
            return np.asarray(played["returns"])

        def score(predict) -> float:
            return float(np.mean(returns(predict)))

        visited = _Reservoir(PARITY_OBSERVATIONS, seed=QUALITY_SEED)
        keras_returns = returns(
            lambda x: np.asarray(model.predict_on_batch(x)), seen=lambda observations, _: visited.extend(observations)
        )
        # the standard error of a difference of two means of len(seeds) independent episodes
        standard_error = float(np.std(keras_returns) * np.sqrt(2 / len(keras_returns)))
        max_loss = round(
            max(QUALITY_STANDARD_ERRORS * standard_error, QUALITY_RELATIVE_LOSS * abs(float(np.mean(keras_returns)))),
            4,
        )

        def collect(first_seed, exploration, decide) -> list:
            """``CALIBRATION_SAMPLES / 8`` observations of each of ``CALIBRATION_EPISODES`` episodes."""
            kept = [
                _Reservoir(CALIBRATION_SAMPLES // (2 * CALIBRATION_EPISODES), seed=first_seed + i)
                for i in range(CALIBRATION_EPISODES)
            ]

            def keep(observations, alive):
                for observation, i in zip(observations, alive):
                    kept[i].extend([observation])

            run_episodes(
                self.env,
                decide,
                CALIBRATION_EPISODES,
                seed=first_seed,
                epsilon=exploration,
                actions=actions,
                max_steps=QUALITY_MAX_STEPS,
                seen=keep,
            )
            return [observation for reservoir in kept for observation in reservoir.items]

        pool: list = []

        def representative():
            if not pool:
                pool.extend(collect(CALIBRATION_SEED, CALIBRATION_EPSILON, lambda o: greedy_actions(model, o)))
                pool.extend(collect(CALIBRATION_SEED + CALIBRATION_EPISODES, 1.0, lambda o: np.zeros(len(o), int)))
            return (observation[None] for observation in pool)

        env = make_environment(self.env, seed=0)
        try:
            first = np.asarray(env.reset(seed=0)[0], np.float32)[None]
        finally:
            env.close()
        return LiteRTQuality(
            metric="mean_return",
            data=(
                f"{self.env}, {QUALITY_EPISODES} episodes (reset seeds {QUALITY_SEED}-{QUALITY_SEED + QUALITY_EPISODES - 1}, "
                "evaluate's first), "
                f"epsilon {epsilon:g}, at most {QUALITY_MAX_STEPS} steps each"
            ),
            score=score,
            representative=representative,
            latency_input=first,
            max_loss=max_loss,
            unit="return",
            parity_inputs=np.stack(visited.items),
            calibration=f"{CALIBRATION_SAMPLES} observations of {2 * CALIBRATION_EPISODES} episodes: half played by "
            f"the model at epsilon {CALIBRATION_EPSILON:g}, half random",
        )

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s argument from what ``predict`` takes (the shape is read from the files)."""
        import tensorflow as tf

        from kerasdl.apps.play.observations import read_observations

        _, observations = read_observations(inputs, None)
        return {"observation": tf.constant(observations, tf.float32)}

    @staticmethod
    def serving_outputs(outputs) -> list:
        actions, q_values = outputs["action"].numpy(), outputs["q_values"].numpy()
        return [{"action": int(a), "q_values": q.tolist()} for a, q in zip(actions, q_values)]


class _Reservoir:
    """A seeded uniform sample of at most ``size`` of the observations it is given (Vitter's algorithm R), as float32."""

    def __init__(self, size: int, *, seed: int):
        import numpy as np

        self.size, self.items, self.seen = size, [], 0
        self._rng = np.random.default_rng(seed)

    def extend(self, observations) -> None:
        import numpy as np

        for observation in observations:
            if len(self.items) < self.size:
                self.items.append(np.array(observation, np.float32))
            else:
                slot = int(self._rng.integers(self.seen + 1))
                if slot < self.size:
                    self.items[slot] = np.array(observation, np.float32)
            self.seen += 1


def _summary(returns) -> dict:
    import numpy as np

    values = np.asarray(returns, float)
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def _table(rows, episodes: int) -> str:
    lines = [f"{'policy':<16} {'mean':>9} {'std':>8} {'min':>8} {'max':>8}  training steps", "-" * 68]
    for name, stats, budget in rows:
        steps = "" if budget is None else f"{budget:,}"
        lines.append(
            f"{name:<16} {stats['mean']:>9.1f} {stats['std']:>8.1f} {stats['min']:>8.1f} {stats['max']:>8.1f}  {steps}"
        )
    lines.append(f"(return per episode over {episodes} episodes)")
    return "\n".join(lines)
