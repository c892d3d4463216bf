"""``fit``: outputs, config checks, resuming an interrupted run, hardware choices."""

import csv
import dataclasses
import json
import socket

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.data.sr_patches import training_dataset, validation_dataset
from kerasdl.errors import UserInputError
from kerasdl.metrics.image_quality import psnr
from kerasdl.models.restoration import edsr
from kerasdl.training import FitResult, TrainConfig, distributed, fit, hardware
from kerasdl.training.curves import plot_learning_curves, read_log
from kerasdl.training.fit import _backed_up_epochs, _endless, _skip_batches, learning_rate_schedule
from tests.helpers import files_under, synthetic_pixels


class Interrupt(Exception):
    """Stands for a crash or a killed job in the middle of training."""


class CrashAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Interrupt(f"simulated crash after epoch {epoch}")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    images = [synthetic_pixels(20, 24, 1, rng).astype(np.float32) for _ in range(2)]
    return {
        "train_data": training_dataset(images, scale=2, lr_patch_size=4, batch_size=2, seed=0),
        "val_data": validation_dataset(images, scale=2, lr_patch_size=4, batch_size=2, count=4),
    }


def tiny_model():
    return edsr(scale=2, channels=1, num_blocks=1, filters=4, bicubic_skip=True)


def train(run_dir, data, callbacks=None, **config):
    config = TrainConfig(**{"epochs": 1, "steps_per_epoch": 2, "verbose": 0, **config})
    return fit(
        tiny_model,
        loss="mean_absolute_error",
        metrics=[psnr],
        run_dir=run_dir,
        config=config,
        callbacks=callbacks,
        **data,
    )


def logged_epochs(run_dir):
    with (run_dir / "training_log.csv").open(newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


@pytest.mark.slow
def test_fit_writes_checkpoint_log_and_curves(tmp_path, data):
    run_dir = tmp_path / "run"
    result = train(run_dir, data, epochs=2)
    assert isinstance(result, FitResult)
    assert {"best.keras", "training_log.csv", "learning_curves.png"} <= files_under(run_dir)
    assert not (run_dir / "backup").exists()  # removed once training finished
    assert not [f for f in files_under(run_dir) if f.endswith(".tmp")]
    assert result.checkpoint == run_dir / "best.keras"
    assert result.learning_curve == run_dir / "learning_curves.png"
    assert (run_dir / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.resumed is False and result.stopped_by_time_limit is False and result.jit_compile is False
    assert result.seconds > 0
    assert logged_epochs(run_dir) == [0, 1]
    assert result.history["epoch"] == [0, 1]
    assert {"loss", "psnr", "val_loss", "val_psnr"} <= set(result.history)
    assert all(np.isfinite(result.history["val_loss"]))
    # The returned model is the best checkpoint, reloaded (safe mode) and usable.
    assert isinstance(result.model, keras.Model)
    best = keras.saving.load_model(run_dir / "best.keras", safe_mode=True)
    x = np.random.default_rng(0).random((1, 5, 6, 1), dtype=np.float32)
    np.testing.assert_allclose(result.model(x).numpy(), best(x).numpy(), atol=1e-6)
    assert result.model(x).shape == (1, 10, 12, 1)
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("epochs", 0, "--epochs must be at least 1; got 0"),
        ("steps_per_epoch", -1, "--steps-per-epoch must be at least 1; got -1"),
        ("learning_rate", 0.0, "--learning-rate must be positive; got 0.0"),
        ("learning_rate", float("nan"), "--learning-rate must be positive; got nan"),
        ("time_limit", 0.0, "--time-limit must be positive minutes; got 0.0"),
        ("patience", -2, "--patience must be 0 .* got -2"),
        ("steps_per_execution", 0, "--steps-per-execution must be at least 1; got 0"),
        ("steps_per_execution", 3, r"--steps-per-epoch \(2\) must be a multiple of --steps-per-execution \(3\)"),
    ],
)
def test_train_config_validate(field, value, message, tmp_path, data):
    config = dataclasses.replace(TrainConfig(steps_per_epoch=2), **{field: value})
    with pytest.raises(UserInputError, match=message):
        config.validate()
    with pytest.raises(UserInputError, match=message):  # fit checks before touching run_dir
        train(tmp_path / "never", data, **{field: value})
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_steps_per_execution_runs_the_same_steps(tmp_path, data):
    result = train(tmp_path / "run", data, epochs=2, steps_per_epoch=4, steps_per_execution=2)
    assert int(result.model.optimizer.iterations) == 8  # 2 epochs x 4 steps, 2 per call
    assert result.history["epoch"] == [0, 1]


def test_train_config_defaults_are_valid():
    TrainConfig().validate()
    TrainConfig(time_limit=0.5, patience=3).validate()


@pytest.mark.slow
def test_resume_after_a_crash(tmp_path, data):
    run_dir = tmp_path / "run"
    with pytest.raises(Interrupt):
        train(run_dir, data, epochs=4, steps_per_epoch=1, callbacks=[CrashAtEpochEnd(1)])  # dies after epoch 2 of 4
    assert (run_dir / "backup").is_dir()  # BackupAndRestore left its state behind
    assert logged_epochs(run_dir) == [0, 1]
    assert (run_dir / "best.keras").is_file()

    result = train(run_dir, data, epochs=4, steps_per_epoch=1)
    assert result.resumed is True
    assert logged_epochs(run_dir) == [0, 1, 2, 3]  # each epoch exactly once, across both runs
    assert result.history["epoch"] == [0, 1, 2, 3]
    assert not (run_dir / "backup").exists()
    assert {"best.keras", "training_log.csv", "learning_curves.png"} <= files_under(run_dir)
    # The best checkpoint is the epoch with the lowest val_loss over the whole run.
    best = keras.saving.load_model(run_dir / "best.keras", safe_mode=True)
    val_loss = best.evaluate(data["val_data"], verbose=0, return_dict=True)["loss"]
    assert val_loss == pytest.approx(min(result.history["val_loss"]), rel=1e-4)


@pytest.mark.slow
def test_resume_false_starts_afresh(tmp_path, data):
    run_dir = tmp_path / "run"
    with pytest.raises(Interrupt):
        train(run_dir, data, epochs=4, steps_per_epoch=1, callbacks=[CrashAtEpochEnd(2)])
    assert logged_epochs(run_dir) == [0, 1, 2] and (run_dir / "backup").is_dir()

    result = train(run_dir, data, epochs=2, steps_per_epoch=1, resume=False)
    assert result.resumed is False
    assert logged_epochs(run_dir) == [0, 1]  # the interrupted run's rows are gone
    assert not (run_dir / "backup").exists()


@pytest.mark.slow
def test_a_finished_run_is_not_resumed(tmp_path, data):
    run_dir = tmp_path / "run"
    train(run_dir, data, epochs=1)
    again = train(run_dir, data, epochs=2)
    assert again.resumed is False
    assert logged_epochs(run_dir) == [0, 1]


@pytest.mark.slow
@pytest.mark.parametrize("deterministic", [False, True])
def test_deterministic_switches_on_op_determinism(monkeypatch, tmp_path, data, deterministic):
    # The switch is process-wide and cannot be undone, so the call is recorded, not made.
    calls = []
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: calls.append(True))
    train(tmp_path / "run", data, deterministic=deterministic)
    assert calls == ([True] if deterministic else [])


def test_learning_curves_from_log(tmp_path):
    log = tmp_path / "log.csv"
    assert read_log(log) == {} and plot_learning_curves(log, tmp_path / "c.png") is None
    log.write_text("epoch,loss,val_loss,learning_rate\n0,0.5,0.6,0.001\n1,0.4,,0.001\n")
    parsed = read_log(log)
    assert parsed["epoch"] == [0.0, 1.0] and parsed["loss"] == [0.5, 0.4]
    assert parsed["val_loss"][0] == 0.6 and np.isnan(parsed["val_loss"][1])
    assert plot_learning_curves(log, tmp_path / "c.png") == tmp_path / "c.png"
    assert files_under(tmp_path) == {"log.csv", "c.png"}


# ---------------------------------------------------------------- hardware


def test_resolve_jit_compile():
    assert hardware.gpus() == []  # these tests run on CPU
    assert hardware.resolve_jit_compile(None) is False
    assert hardware.resolve_jit_compile(True) is True
    assert hardware.resolve_jit_compile(False) is False


def test_resolve_jit_compile_with_a_gpu(monkeypatch):
    monkeypatch.setattr(hardware, "gpus", lambda: ["/physical_device:GPU:0"])
    assert hardware.resolve_jit_compile(None) is True
    assert hardware.resolve_jit_compile(False) is False


@pytest.mark.parametrize(
    "capabilities, policy",
    [
        ([(9, 0)], "mixed_bfloat16"),  # H100/H200
        ([(8, 0), (8, 6)], "mixed_bfloat16"),  # A100 + RTX 30xx
        ([(7, 0)], "mixed_float16"),  # V100: no bfloat16 tensor cores
        ([(9, 0), (7, 5)], "mixed_float16"),  # mixed machine: the weakest GPU decides
        ([None], "mixed_float16"),  # capability unknown
    ],
)
def test_mixed_policy_follows_the_gpus(monkeypatch, capabilities, policy):
    devices = [f"/physical_device:GPU:{i}" for i in range(len(capabilities))]
    details = dict(zip(devices, capabilities))
    monkeypatch.setattr(
        tf.config.experimental,
        "get_device_details",
        lambda d: {} if details[d] is None else {"compute_capability": details[d]},
    )
    assert hardware.mixed_policy(devices) == policy
    monkeypatch.setattr(hardware, "gpus", lambda: devices)
    try:
        assert hardware.set_precision(True) == policy
        assert keras.mixed_precision.global_policy().name == policy
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_learning_rate_schedule_warms_up_then_decays():
    config = TrainConfig(epochs=2, steps_per_epoch=50, learning_rate=1e-3, warmup_steps=10)
    schedule = learning_rate_schedule(config)
    rates = [float(schedule(step)) for step in (0, 5, 10, 55, 100)]
    assert rates[0] == pytest.approx(0.0, abs=1e-9)
    assert rates[1] == pytest.approx(5e-4, rel=1e-5)  # linear warm-up
    assert rates[2] == pytest.approx(1e-3, rel=1e-5)  # the peak
    assert 1e-5 < rates[3] < 1e-3 and rates[3] == pytest.approx(5.05e-4, rel=1e-3)  # cosine half-way
    assert rates[4] == pytest.approx(1e-5, rel=1e-4)  # 1% at the end of the run
    plain = learning_rate_schedule(dataclasses.replace(config, warmup_steps=0))
    assert float(plain(0)) == pytest.approx(1e-3) and float(plain(100)) == pytest.approx(1e-5, rel=1e-4)


@pytest.mark.parametrize("warmup, message", [(-1, "0 \\(none\\) or more"), (100, "fewer than the run's 100 steps")])
def test_bad_warmup_steps(warmup, message):
    with pytest.raises(UserInputError, match=message):
        TrainConfig(epochs=2, steps_per_epoch=50, warmup_steps=warmup).validate()


def test_set_precision_on_cpu():
    try:
        with pytest.warns(UserWarning, match="needs a GPU"):
            assert hardware.set_precision(True) == "float32"
        assert keras.mixed_precision.global_policy().name == "float32"
        assert hardware.set_precision(False) == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_select_strategy_default():
    strategy = hardware.select_strategy()
    assert strategy is tf.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1
    assert hardware.worker_index() == 0


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_select_strategy_multi_worker_from_tf_config(monkeypatch):
    tf_config = {"cluster": {"worker": [f"localhost:{free_port()}"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    # TensorFlow already runs in this process: too late to join a cluster, and the error says what to do.
    with pytest.raises(RuntimeError, match=r"call kerasdl.training.start_workers\(\) first thing"):
        hardware.select_strategy()
    # Once start_workers() has created the strategy, fit uses it. A stand-in: a real one would
    # start a gRPC server and switch this process into collective mode for every later test.
    sentinel = object()
    monkeypatch.setattr(distributed, "_strategy", sentinel)
    assert hardware.select_strategy() is sentinel
    assert distributed.start_workers() is sentinel  # created once
    assert distributed.is_multi_worker(sentinel) and not distributed.is_multi_worker(tf.distribute.get_strategy())
    assert hardware.worker_index() == 0

    tf_config["task"]["index"] = 3
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert hardware.worker_index() == 3

    monkeypatch.setenv("TF_CONFIG", json.dumps({"task": {"type": "worker", "index": 0}}))  # no cluster
    assert hardware.select_strategy() is tf.distribute.get_strategy()


def test_start_workers_without_a_cluster_does_nothing():
    assert distributed.start_workers() is None
    assert distributed.cluster() is None


def test_a_lost_worker_is_named_in_one_line(monkeypatch):
    tf_config = {"cluster": {"worker": ["host0:2222", "host1:2222"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    # What TensorFlow's coordination service reports on worker 0 when worker 1 stops sending heartbeats.
    error = tf.errors.UnavailableError(
        None,
        None,
        "Error reported from /job:worker/task:1: The following tasks are unhealthy (stopped sending heartbeats):\n"
        "/job:worker/replica:0/task:1\nThe tasks have crashed.",
    )
    message = str(distributed._lost_worker(error))
    assert "lost contact with worker 1 (host1:2222) (UnavailableError)" in message
    assert "restart every worker with the same command" in message and "\n" not in message
    tf_config["task"]["index"] = 1
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    message = str(distributed._lost_worker(tf.errors.UnavailableError(None, None, "from /job:worker/replica:0/task:0")))
    assert "lost contact with worker 0 (host0:2222)" in message


def test_the_data_stream_continues_where_a_run_stopped():
    endless = tf.data.Dataset.range(100).repeat()
    assert _endless(endless) is endless
    assert [int(x) for x in _skip_batches(endless, 6).take(3)] == [6, 7, 8]
    assert _skip_batches(endless, 0) is endless
    finite = tf.data.Dataset.range(4)  # a finite dataset becomes one stream across epochs
    assert [int(x) for x in _skip_batches(_endless(finite), 6).take(4)] == [2, 3, 0, 1]


def test_backed_up_epochs(tmp_path):
    assert _backed_up_epochs(tmp_path) == 0
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "training_metadata.json").write_text('{"epoch": 3, "batch": 0}')
    assert _backed_up_epochs(tmp_path) == 3
    (tmp_path / "backup" / "training_metadata.json").write_text("{trunc")
    assert _backed_up_epochs(tmp_path) == 0


def test_select_strategy_several_gpus(monkeypatch):
    class Mirrored:
        pass

    monkeypatch.setattr(hardware, "gpus", lambda: ["gpu0", "gpu1"])
    monkeypatch.setattr(tf.distribute, "MirroredStrategy", Mirrored)
    assert isinstance(hardware.select_strategy(), Mirrored)


def test_importing_the_figure_modules_keeps_the_matplotlib_backend():
    import importlib

    import matplotlib

    import kerasdl.apps.super_resolution.figures as figures
    import kerasdl.training.curves as curves

    previous = matplotlib.get_backend()
    try:
        matplotlib.use("svg")
        importlib.reload(curves)
        importlib.reload(figures)
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(previous)


def test_the_training_step_is_traced_once(tmp_path, data, monkeypatch):
    # Keras creates the optimizer's and metrics' variables inside the first trace unless they
    # exist already, and tf.function then traces the step again: twice the tracing time.
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    traces = []
    step = TensorFlowTrainer.train_step

    def counted(self, batch):
        traces.append(1)
        return step(self, batch)

    monkeypatch.setattr(TensorFlowTrainer, "train_step", counted)
    train(tmp_path / "run", data, epochs=2)
    assert len(traces) == 1
