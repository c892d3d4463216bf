"""``fit``: the one training path every app calls."""

from __future__ import annotations

import dataclasses
import pathlib
import shutil
import time
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from kerasdl.training import hardware
from kerasdl.training.callbacks import TimeLimit, standard_callbacks
from kerasdl.training.config import TrainConfig
from kerasdl.training.curves import plot_learning_curves, read_log


@dataclasses.dataclass
class FitResult:
    """What a training run produced.

    Attributes:
        model: the best model (lowest ``val_loss``; the last one without a monitor), reloaded from its ``.keras`` checkpoint.
        checkpoint: path of that checkpoint.
        history: the whole run's log ``{metric: [per-epoch values]}``, across resumes.
        learning_curve: PNG of the learning curves.
        seconds: wall-clock time of this invocation's ``fit``.
        resumed: whether an interrupted run was continued.
        stopped_by_time_limit: whether ``time_limit`` cut the run short.
        jit_compile: whether XLA was on.
    """

    model: keras.Model
    checkpoint: pathlib.Path
    history: dict[str, list[float]]
    learning_curve: pathlib.Path | None
    seconds: float
    resumed: bool
    stopped_by_time_limit: bool
    jit_compile: bool


def _prepare_run_dir(run_dir: pathlib.Path, resume: bool) -> bool:
    """Creates ``run_dir``; returns True when an interrupted run will be resumed."""
    run_dir.mkdir(parents=True, exist_ok=True)
    backup = run_dir / "backup"
    if resume and backup.exists():
        return True
    # A fresh run: earlier logs and checkpoints would mix with this one's.
    shutil.rmtree(backup, ignore_errors=True)
    for name in ("training_log.csv", "best.keras", "learning_curves.png"):
        (run_dir / name).unlink(missing_ok=True)
    return False


def learning_rate_schedule(config: TrainConfig):
    """Cosine decay to 1% of ``config.learning_rate`` over the run, after a linear warm-up if asked."""
    total = config.epochs * config.steps_per_epoch
    warmup = config.warmup_steps or 0
    if not warmup:
        return keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=total, alpha=0.01)
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=total - warmup, alpha=0.01, warmup_target=config.learning_rate, warmup_steps=warmup
    )


def fit(
    build_model: Callable[[], keras.Model],
    *,
    loss: Any,
    metrics: list | None,
    train_data,
    val_data,
    run_dir,
    config: TrainConfig,
    callbacks: list | None = None,
    optimizer: Callable[[Any], keras.optimizers.Optimizer] | None = None,
    monitor: str | None = "val_loss",
) -> FitResult:
    """Builds, compiles and trains a model with the project's standard setup.

    The model is built inside the strategy from :func:`hardware.select_strategy`, with the
    dtype policy set first (mixed precision on GPU when asked), Adam with cosine decay,
    XLA where it helps, seeds set, and the callbacks of :func:`standard_callbacks`. Run it
    again with the same ``run_dir`` after an interruption and it resumes from the last
    finished epoch.

    Args:
        build_model: a function returning a fresh, uncompiled ``keras.Model``.
        loss: the Keras loss.
        metrics: Keras metrics.
        train_data: a ``tf.data.Dataset`` (may be endless) of ``(x, y)`` batches.
        val_data: a finite ``tf.data.Dataset`` for validation.
        run_dir: folder for the checkpoint, backup, logs and figure.
        config: a :class:`TrainConfig`.
        callbacks: extra callbacks.
        optimizer: makes the optimizer from the learning-rate schedule (default: Adam with
            Keras' defaults); a GAN asks for DCGAN's ``beta_1=0.5``.
        monitor: the logged value that picks the best checkpoint; None keeps the last
            epoch (a GAN's losses do not rank its epochs).

    Returns:
        A :class:`FitResult`.
    """
    config.validate()
    if config.steps_per_epoch is None:
        raise ValueError("config.steps_per_epoch must be set before fit (e.g. one pass over the training data)")
    run_dir = pathlib.Path(run_dir)
    resumed = _prepare_run_dir(run_dir, config.resume)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    hardware.set_precision(config.mixed_precision)
    jit = hardware.resolve_jit_compile(config.jit_compile)
    strategy = hardware.select_strategy()
    with strategy.scope():
        model = build_model()
        schedule = learning_rate_schedule(config)
        model.compile(
            optimizer=(optimizer or keras.optimizers.Adam)(schedule), loss=loss, metrics=metrics, jit_compile=jit
        )
    all_callbacks = standard_callbacks(
        run_dir,
        patience=config.patience,
        tensorboard=config.tensorboard,
        time_limit=config.time_limit,
        monitor=monitor,
    ) + list(callbacks or [])
    start = time.monotonic()
    try:
        model.fit(
            train_data,
            validation_data=val_data,
            epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch,
            callbacks=all_callbacks,
            verbose=config.verbose,
            shuffle=False,  # datasets arrive shuffled; Keras would only warn that it cannot
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    seconds = time.monotonic() - start
    checkpoint = run_dir / "best.keras"
    best = keras.saving.load_model(checkpoint) if checkpoint.exists() else model
    stopped = any(isinstance(c, TimeLimit) and c.stopped for c in all_callbacks)
    return FitResult(
        model=best,
        checkpoint=checkpoint,
        history=read_log(run_dir / "training_log.csv"),
        learning_curve=plot_learning_curves(run_dir / "training_log.csv", run_dir / "learning_curves.png"),
        seconds=seconds,
        resumed=resumed,
        stopped_by_time_limit=stopped,
        jit_compile=jit,
    )
