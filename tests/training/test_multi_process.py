"""Training across processes, for real: two workers on loopback ports, a lost worker, a killed and resumed run.

Each job is ``tests/training/cluster_job.py`` in its own process (a multi-worker process
must create its strategy before TensorFlow starts; ``kill -9`` must not take pytest with it).
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start_job(run_dir, *args, log, tf_config=None, tmp=None) -> subprocess.Popen:
    """Starts ``cluster_job`` on ``run_dir`` (as a worker when ``tf_config`` is given); output goes to ``log``."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.training.cluster_job", str(run_dir), *map(str, args)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def start_cluster(run_dir, *args, logs, tmps=(None, None)) -> list[subprocess.Popen]:
    """Two workers on free loopback ports, each told its place by ``TF_CONFIG``, as on two machines."""
    addresses = [f"127.0.0.1:{port}" for port in free_ports(2)]
    return [
        start_job(
            run_dir,
            *args,
            "--out",
            run_dir.parent / f"worker{index}.npz",
            log=logs[index],
            tf_config={"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}},
            tmp=tmps[index],
        )
        for index in range(2)
    ]


def wait(process: subprocess.Popen, log, timeout: float) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"still running after {timeout} s:\n{pathlib.Path(log).read_text()[-3000:]}")


def wait_for(path: pathlib.Path, processes, timeout: float, logs) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        for process, log in zip(processes, logs):
            if process.poll() is not None:
                pytest.fail(f"a job ended early ({process.returncode}):\n{pathlib.Path(log).read_text()[-3000:]}")
        if time.monotonic() > deadline:
            for process in processes:
                process.kill()
            pytest.fail(f"{path.name} not written within {timeout} s")
        time.sleep(0.2)


def read_csv(path) -> dict[str, list[float]]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: [float(row[key]) for row in rows] for key in rows[0]}


def assert_same_weights(actual, expected, rtol):
    actual, expected = np.load(actual), np.load(expected)
    assert sorted(actual) == sorted(expected)
    for key in expected:
        scale = np.abs(expected[key]).max()
        np.testing.assert_allclose(actual[key], expected[key], rtol=rtol, atol=rtol * scale, err_msg=key)


def last_line(log) -> str:
    lines = [line for line in pathlib.Path(log).read_text().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.mark.slow
def test_two_workers_train_as_one_process(tmp_path):
    """Global batch 8 split 4 + 4 across two processes: the same losses and weights as one process."""
    from tests.training.cluster_job import main as run_job

    args = ["--epochs", 2, "--steps", 3, "--batch-size", 8]
    tmps = [tmp_path / "tmp0", tmp_path / "tmp1"]
    for folder in tmps:
        folder.mkdir()
    logs = [tmp_path / "worker0.log", tmp_path / "worker1.log"]
    workers = start_cluster(tmp_path / "cluster" / "run", *args, logs=logs, tmps=tmps)
    # Meanwhile, the reference: the same job in one process (this one; no TF_CONFIG here).
    run_job([str(tmp_path / "single" / "run"), *map(str, args), "--out", str(tmp_path / "single.npz")])
    for worker, log in zip(workers, logs):
        assert wait(worker, log, timeout=240) == 0, pathlib.Path(log).read_text()[-3000:]

    cluster_log = read_csv(tmp_path / "cluster" / "run" / "training_log.csv")
    single_log = read_csv(tmp_path / "single" / "run" / "training_log.csv")
    assert cluster_log["epoch"] == single_log["epoch"] == [0.0, 1.0]
    for key in ("loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"):
        np.testing.assert_allclose(cluster_log[key], single_log[key], rtol=1e-5, err_msg=key)
    assert_same_weights(tmp_path / "cluster" / "worker0.npz", tmp_path / "single.npz", rtol=1e-5)
    assert_same_weights(tmp_path / "cluster" / "worker1.npz", tmp_path / "cluster" / "worker0.npz", rtol=1e-6)
    # Worker 0 wrote the run; worker 1's temporary folder is gone.
    assert {p.name for p in (tmp_path / "cluster" / "run").iterdir()} == {
        "best.keras",
        "training_log.csv",
        "learning_curves.png",
    }
    assert not list(tmps[1].iterdir())


@pytest.mark.slow
def test_two_workers_killed_after_epoch_1_resume_from_the_chiefs_backup(tmp_path):
    """Both workers killed after epoch 1 and started again: worker 0's backup, sent to worker 1, continues the run."""
    from tests.training.cluster_job import main as run_job

    args = ["--epochs", 3, "--steps", 2, "--batch-size", 8]
    run_dir = tmp_path / "cluster" / "run"
    markers = [tmp_path / "paused0", tmp_path / "paused1"]
    logs = [tmp_path / "first0.log", tmp_path / "first1.log"]
    addresses = [f"127.0.0.1:{port}" for port in free_ports(2)]
    first = [
        start_job(
            run_dir,
            *args,
            "--pause-after-epoch",
            0,
            "--marker",
            markers[index],
            log=logs[index],
            tf_config={"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}},
        )
        for index in range(2)
    ]
    run_job([str(tmp_path / "single" / "run"), *map(str, args), "--out", str(tmp_path / "single.npz")])
    for marker in markers:
        wait_for(marker, first, timeout=150, logs=logs)
    for worker in first:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"] == 1

    logs = [tmp_path / "second0.log", tmp_path / "second1.log"]
    for worker, log in zip(start_cluster(run_dir, *args, logs=logs), logs):
        assert wait(worker, log, timeout=240) == 0, pathlib.Path(log).read_text()[-3000:]
        assert "resumed=True" in pathlib.Path(log).read_text()
    cluster_log = read_csv(run_dir / "training_log.csv")
    single_log = read_csv(tmp_path / "single" / "run" / "training_log.csv")
    assert cluster_log["epoch"] == single_log["epoch"] == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(cluster_log["loss"], single_log["loss"], rtol=1e-5)
    assert_same_weights(tmp_path / "cluster" / "worker0.npz", tmp_path / "single.npz", rtol=1e-5)
    assert_same_weights(tmp_path / "cluster" / "worker1.npz", tmp_path / "single.npz", rtol=1e-5)


@pytest.mark.slow
def test_a_lost_worker_stops_the_other_with_an_error(tmp_path):
    """Worker 1 is killed mid-run: worker 0 stops within the heartbeat timeout (10 s here), naming it."""
    logs = [tmp_path / "worker0.log", tmp_path / "worker1.log"]
    markers = [tmp_path / "started0", tmp_path / "started1"]
    addresses = [f"127.0.0.1:{port}" for port in free_ports(2)]
    workers = [
        start_job(
            tmp_path / "run",
            *("--epochs", 5, "--steps", 50, "--slow-steps", 0.5, "--marker", markers[index]),
            log=logs[index],
            tf_config={"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}},
        )
        for index in range(2)
    ]
    for marker in markers:  # both have finished a step together
        wait_for(marker, workers, timeout=150, logs=logs)
    workers[1].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    code = wait(workers[0], logs[0], timeout=120)
    seconds = time.monotonic() - killed
    message = last_line(logs[0])
    print(f"worker 0 exited with {code} {seconds:.1f} s after worker 1 was killed: {message}")
    assert code != 0
    assert seconds < 120
    assert f"lost contact with worker 1 ({addresses[1]})" in message
    assert message.startswith("kerasdl.training.distributed.WorkerLostError: multi-worker training stopped")


@pytest.mark.slow
def test_a_killed_deterministic_run_resumes_to_the_same_weights(tmp_path):
    """``kill -9`` after epoch 1's backup, then the same command: the weights of an uninterrupted run."""
    args = ["--epochs", 3, "--steps", 4, "--deterministic"]
    logs = {name: tmp_path / f"{name}.log" for name in ("whole", "killed", "resumed")}
    whole = start_job(tmp_path / "whole", *args, "--out", tmp_path / "whole.npz", log=logs["whole"])
    marker = tmp_path / "epoch1-done"
    killed = start_job(tmp_path / "run", *args, "--pause-after-epoch", 0, "--marker", marker, log=logs["killed"])
    wait_for(marker, [killed], timeout=150, logs=[logs["killed"]])  # epoch 1 is backed up; the job waits
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=30) == -signal.SIGKILL
    assert json.loads((tmp_path / "run" / "backup" / "training_metadata.json").read_text())["epoch"] == 1

    resumed = start_job(tmp_path / "run", *args, "--out", tmp_path / "resumed.npz", log=logs["resumed"])
    assert wait(resumed, logs["resumed"], timeout=150) == 0, logs["resumed"].read_text()[-3000:]
    assert wait(whole, logs["whole"], timeout=150) == 0, logs["whole"].read_text()[-3000:]
    assert "resumed=True" in logs["resumed"].read_text()
    resumed_log = read_csv(tmp_path / "run" / "training_log.csv")
    whole_log = read_csv(tmp_path / "whole" / "training_log.csv")
    assert resumed_log["epoch"] == whole_log["epoch"] == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(resumed_log["loss"], whole_log["loss"], rtol=1e-6)
    assert_same_weights(tmp_path / "resumed.npz", tmp_path / "whole.npz", rtol=1e-6)
