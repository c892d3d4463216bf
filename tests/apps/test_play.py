"""The play app beyond the shared harness: TD targets, the target network, repeatable and resumable runs, bad input, record.

Every training here is a few hundred CartPole steps with an 8-unit network: the point is
the mechanics (seeds, checkpoints, files), not a good policy.
"""

import csv
import json

import keras
import numpy as np
import pytest
from PIL import Image

import kerasdl
from kerasdl.apps import Play
from kerasdl.errors import UserInputError
from kerasdl.rl.agent import CHECKPOINT, EPISODES_FILE, LOG_FILE, AgentSettings, DeepQAgent
from kerasdl.rl.learner import DeepQLearner, td_targets
from tests.app_testing import assert_rejected
from tests.helpers import quiet_cli

TINY_NETWORK = {"hidden_units": (8,)}
# A short schedule that learns from the start: updates every 4 steps, the target moves every 50.
SETTINGS = {
    "learning_starts": 40,
    "train_every": 4,
    "gradient_steps": 1,
    "target_update_every": 50,
    "exploration_steps": 200,
    "buffer_size": 500,
    "eval_episodes": 2,
}
TRAINING = {"steps_per_epoch": 150, "batch_size": 16, "seed": 3, "verbose": 0}


def q_network(input_shape=(4,), actions=2):
    return kerasdl.get_model("q_network", input_shape=input_shape, actions=actions, hidden_units=(8,))


def numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def read_rows(path, drop=()):
    with open(path, newline="") as file:
        return [{k: v for k, v in row.items() if k not in drop} for row in csv.DictReader(file)]


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def checkpoint_arrays(run_dir) -> dict:
    """Every array of a run's last checkpoint: both networks and the optimizer's state."""
    import h5py

    arrays = {}
    with h5py.File(run_dir / CHECKPOINT / "learner.weights.h5", "r") as file:
        file.visititems(lambda name, item: arrays.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return arrays


# ---------------------------------------------------------------- the TD target


def test_td_targets_by_hand():
    rewards = np.array([1.0, 0.5, -1.0], np.float32)
    terminated = np.array([0.0, 0.0, 1.0], np.float32)
    next_q_target = np.array([[1.0, 3.0], [2.0, -1.0], [5.0, 7.0]], np.float32)
    y = numpy(td_targets(rewards, terminated, next_q_target, gamma=0.9))
    # r + gamma * max_a Q_target(s', a); a terminal transition gets just r
    np.testing.assert_allclose(y, [1.0 + 0.9 * 3.0, 0.5 + 0.9 * 2.0, -1.0], rtol=1e-6)


def test_double_dqn_targets_pick_with_the_online_network_and_value_with_the_target():
    rewards = np.array([1.0, 0.5, -1.0], np.float32)
    terminated = np.array([0.0, 0.0, 1.0], np.float32)
    next_q_target = np.array([[1.0, 3.0], [2.0, -1.0], [5.0, 7.0]], np.float32)
    next_q_online = np.array([[9.0, 0.0], [0.0, 9.0], [0.0, 9.0]], np.float32)  # argmax 0, 1, 1
    y = numpy(td_targets(rewards, terminated, next_q_target, gamma=0.9, next_q_online=next_q_online))
    np.testing.assert_allclose(y, [1.0 + 0.9 * 1.0, 0.5 + 0.9 * -1.0, -1.0], rtol=1e-6)


# ---------------------------------------------------------------- the target network


def learner_batch(rng, n=16):
    y = {
        "action": rng.integers(0, 2, n).astype(np.int32),
        "reward": rng.normal(size=n).astype(np.float32),
        "next_observation": rng.normal(size=(n, 4)).astype(np.float32),
        "terminated": (rng.random(n) < 0.2).astype(np.float32),
    }
    return rng.normal(size=(n, 4)).astype(np.float32), y


def test_target_network_is_fixed_until_synced():
    keras.utils.set_random_seed(0)
    learner = DeepQLearner(q_network(), gamma=0.99)
    learner.compile(optimizer=keras.optimizers.Adam(1e-2))
    assert same_weights(learner.target_network.get_weights(), learner.network.get_weights())
    assert not learner.target_network.trainable_weights
    before = learner.target_network.get_weights()
    rng = np.random.default_rng(0)
    for _ in range(3):
        learner.train_on_batch(*learner_batch(rng))
    assert same_weights(learner.target_network.get_weights(), before)  # the target did not move
    assert not same_weights(learner.network.get_weights(), before)  # the online network did
    learner.sync_target()
    assert same_weights(learner.target_network.get_weights(), learner.network.get_weights())


def test_soft_update_averages():
    keras.utils.set_random_seed(0)
    learner = DeepQLearner(q_network())
    for variable in learner.target_network.weights:  # a target unlike the online network
        variable.assign(np.full(variable.shape, 2.0, np.float32))
    online, target = learner.network.get_weights(), learner.target_network.get_weights()
    learner.sync_target(tau=0.5)
    for new, a, b in zip(learner.target_network.get_weights(), online, target):
        np.testing.assert_allclose(new, 0.5 * a + 0.5 * b, rtol=1e-6)
    assert same_weights(learner.network.get_weights(), online)  # the online network is untouched


# ---------------------------------------------------------------- repeatable and resumable runs


def train_play(run_dir, **options):
    with quiet_cli():
        task = Play(env="CartPole-v1", model_options=TINY_NETWORK, run_dir=run_dir)
        task.train(**SETTINGS, **{**TRAINING, **options})
    return task


@pytest.mark.slow
def test_a_seeded_run_repeats_exactly(tmp_path):
    first = train_play(tmp_path / "a", epochs=2)
    second = train_play(tmp_path / "b", epochs=2)
    assert same_weights(first.model.get_weights(), second.model.get_weights())  # best.keras
    last, again = checkpoint_arrays(first.run_dir), checkpoint_arrays(second.run_dir)
    assert len(last) > 10 and last.keys() == again.keys()
    assert all(np.array_equal(last[name], again[name]) for name in last)
    # everything but the wall-clock seconds
    assert read_rows(first.run_dir / LOG_FILE, drop={"seconds"}) == read_rows(
        second.run_dir / LOG_FILE, drop={"seconds"}
    )
    assert (first.run_dir / EPISODES_FILE).read_text() == (second.run_dir / EPISODES_FILE).read_text()
    updates = [int(row["updates"]) for row in read_rows(first.run_dir / LOG_FILE)]
    assert updates[-1] > 0  # it learned, so the weights could have drifted apart


def make_agent(seed=3, **settings):
    settings = AgentSettings(**{**SETTINGS, **settings})
    return DeepQAgent(
        "CartPole-v1", lambda shape, actions: q_network(shape, actions), settings, batch_size=16, seed=seed
    )


@pytest.mark.slow
@pytest.mark.parametrize("learning_starts", [40, 200], ids=["learning", "first epoch without updates"])
def test_resumed_run_equals_the_uninterrupted_one(tmp_path, learning_starts):
    whole = make_agent(learning_starts=learning_starts)
    whole.train(tmp_path / "whole", epochs=2, steps_per_epoch=150, verbose=0)

    first = make_agent(learning_starts=learning_starts)
    first.train(tmp_path / "split", epochs=1, steps_per_epoch=150, verbose=0)
    assert (tmp_path / "split" / CHECKPOINT / "memory.npz").is_file()
    again = make_agent(learning_starts=learning_starts)  # a new process would start here
    result = again.train(tmp_path / "split", epochs=2, steps_per_epoch=150, verbose=0)

    assert result["resumed"] and again.epoch == 2 and again.env_steps == whole.env_steps == 300
    assert again.updates == whole.updates > 0 and again.episodes == whole.episodes
    assert same_weights(again.learner.network.get_weights(), whole.learner.network.get_weights())
    assert same_weights(again.learner.target_network.get_weights(), whole.learner.target_network.get_weights())
    assert read_rows(tmp_path / "split" / LOG_FILE, drop={"seconds"}) == read_rows(
        tmp_path / "whole" / LOG_FILE, drop={"seconds"}
    )
    assert (tmp_path / "split" / EPISODES_FILE).read_text() == (tmp_path / "whole" / EPISODES_FILE).read_text()


@pytest.mark.slow
def test_play_resumes_through_train(tmp_path):
    whole = train_play(tmp_path / "whole", epochs=2)
    train_play(tmp_path / "split", epochs=1)
    split = train_play(tmp_path / "split", epochs=2)  # resume is on by default
    assert read_rows(split.run_dir / LOG_FILE, drop={"seconds"}) == read_rows(
        whole.run_dir / LOG_FILE, drop={"seconds"}
    )
    assert same_weights(split.model.get_weights(), whole.model.get_weights())  # best.keras
    last, resumed = checkpoint_arrays(whole.run_dir), checkpoint_arrays(split.run_dir)
    assert last.keys() == resumed.keys() and all(np.array_equal(last[name], resumed[name]) for name in last)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--env", "NoSuchGame-v0"], "unknown environment 'NoSuchGame-v0'"),
        (["--env", "Pendulum-v1"], "discrete action space"),
        (["--steps-per-epoch", "-5"], "--steps-per-epoch must be at least 1"),
        (["--epsilon-end", "1.5"], "--epsilon-end"),
        (["--learning-starts", "-1"], "--learning-starts must be 0 or more"),
        (["--tau", "0"], "--tau must be in (0, 1]"),
        (["--data", "frames/"], "not from data"),
        (["--patience", "3"], "--patience does not apply to play"),
    ],
)
def test_bad_train_input_is_one_line(extra, fragment, cli, chdir_tmp):
    argv = ["play", "train", "--env", "CartPole-v1", "--epochs", "1", "--steps-per-epoch", "20", *extra]
    assert_rejected(cli, chdir_tmp, argv, fragment)


def test_bad_hidden_units_are_rejected_before_the_run_folder(cli, chdir_tmp):
    assert_rejected(cli, chdir_tmp, ["play", "train", "--hidden-units", "0"], "--hidden-units")


# ---------------------------------------------------------------- a trained run: record, predict, export


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("play")
    task = train_play(root / "run", epochs=1)
    return {"root": root, "task": task}


@pytest.mark.slow
def test_record_writes_an_animated_gif(trained, tmp_path):
    with quiet_cli():
        report = trained["task"].record(tmp_path / "cartpole.gif", episodes=2, fps=20)
    path = report.files["episode"]
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames > 1
    assert len(report.returns) == 2 and all(r >= 1 for r in report.returns)
    assert not [p for p in tmp_path.iterdir() if "tmp" in p.name]


@pytest.mark.slow
def test_record_through_the_cli(trained, cli, chdir_tmp):
    run_dir = trained["task"].run_dir
    code, out, err = cli(["play", "record", "--run-dir", run_dir, "--output", "episode.gif", "--episodes", "1"])
    assert code == 0, err
    with Image.open(chdir_tmp / "episode.gif") as gif:
        assert gif.n_frames > 1
    assert_rejected(cli, chdir_tmp, ["play", "record", "--run-dir", run_dir, "--output", "x.txt"], ".gif or .mp4")


@pytest.mark.slow
def test_served_model_takes_the_same_actions_as_predict(trained, tmp_path):
    task = trained["task"]
    states = np.random.default_rng(0).normal(0, 0.5, (6, 4)).astype(np.float32)
    np.save(tmp_path / "states.npy", states)
    ours = task.predict([tmp_path / "states.npy", "0.01,-0.02,0.03,0.04"])
    with quiet_cli():
        exported = task.export(tmp_path / "models", tflite=False)
    served = kerasdl.load(exported.path)([str(tmp_path / "states.npy"), "0.01,-0.02,0.03,0.04"])
    assert len(ours) == len(served) == 7
    assert [p["action"] for p in ours] == [s["action"] for s in served]
    for p, s in zip(ours, served):
        np.testing.assert_allclose(s["q_values"], p["q_values"], rtol=1e-4, atol=1e-4)
    assert exported.metadata["env"] == "CartPole-v1" and exported.metadata["observation_shape"] == [4]


@pytest.mark.slow
def test_quantized_litert_variants_are_scored_by_their_mean_return(trained, tmp_path):
    task = trained["task"]
    with quiet_cli():
        exported = task.export(tmp_path / "models", quantize="dynamic,int8", max_loss=float("inf"))
    litert = exported.metadata["litert"]
    assert litert["metric"] == "mean_return" and litert["unit"] == "return" and litert["higher_is_better"]
    assert "10 episodes" in litert["data"] and "CartPole-v1" in litert["data"]
    keras_return = litert["keras"]["mean_return"]
    assert set(litert["variants"]) == {"none", "dynamic", "int8"}
    for entry in litert["variants"].values():
        assert (exported.path / entry["file"]).is_file()
        assert 1 <= entry["mean_return"] <= 500  # CartPole: a reward per step, 500 steps at most
        assert entry["loss"] == pytest.approx(keras_return - entry["mean_return"], abs=1e-3)
    # the float file takes the Keras model's actions in the same seeded episodes
    assert litert["variants"]["none"]["mean_return"] == pytest.approx(keras_return, rel=1e-6)
    assert litert["variants"]["int8"]["float_ops"] == []  # two Dense layers: all int8
    # the Keras value is evaluate's measure: its mean return over the same (first 10) episodes
    with quiet_cli():
        report = task.evaluate(episodes=10, baseline=False, output=tmp_path / "evaluation.json")
    assert report.metrics[task.model_name]["mean"] == pytest.approx(keras_return, rel=1e-6)


def test_python_api_rejects_bad_settings_before_the_run_folder(tmp_path):
    from kerasdl.errors import UserInputError

    task = Play(env="CartPole-v1", model_options=TINY_NETWORK, run_dir=tmp_path / "run")
    with pytest.raises(UserInputError, match="--epsilon-end must be in"):
        task.train(epsilon_end=1.5, epochs=1, steps_per_epoch=10)
    with pytest.raises(UserInputError, match="--gamma must be in"):
        task.train(gamma=2.0, epochs=1, steps_per_epoch=10)
    with pytest.raises(UserInputError, match="no trained model"):
        task.record(tmp_path / "x.gif")
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_evaluation_reports_the_baselines_whole_budget(trained, monkeypatch, tmp_path):
    from kerasdl.rl import baselines

    history = [{"env_steps": 5, "total_env_steps": 5}, {"env_steps": 7, "total_env_steps": 12}]
    fake = baselines.LinearPolicy(np.array([[0.0, 0.0], [0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]), np.zeros(2))
    monkeypatch.setattr(baselines, "cross_entropy_method", lambda env_id, seed: (fake, history))
    with quiet_cli():
        report = trained["task"].evaluate(episodes=2, output=tmp_path / "evaluation.json")
    assert report.metrics["cem"]["env_steps"] == 12  # all generations' steps, not the last one's
    assert {trained["task"].model_name, "random", "cem"} <= set(report.metrics)
    assert "CEM (linear)" in report.table and "12" in report.table


def test_a_cluster_is_refused_in_one_line(cli, chdir_tmp, monkeypatch):
    cluster = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    with pytest.raises(UserInputError, match="play trains in one process"):
        Play(env="CartPole-v1", run_dir=chdir_tmp / "run").train(epochs=1, steps_per_epoch=10)
    assert_rejected(cli, chdir_tmp, ["play", "train", "--epochs", "1"], "play trains in one process")
