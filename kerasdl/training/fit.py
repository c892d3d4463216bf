"""``fit``: the one training path every app calls."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from kerasdl.training import distributed, hardware
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


def _backed_up_epochs(run_dir: pathlib.Path) -> int:
    """The epochs finished by the interrupted run whose ``BackupAndRestore`` state is in ``run_dir``."""
    try:
        return int(json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _endless(dataset):
    """``dataset`` repeated when it is finite, so every epoch is ``steps_per_epoch`` batches of one stream."""
    if isinstance(dataset, tf.data.Dataset) and int(dataset.cardinality()) >= 0:
        return dataset.repeat()
    return dataset


def _skip_batches(dataset, count: int):
    """``dataset`` from its batch ``count`` on: where an interrupted run's stream stopped.

    ``Model.fit`` draws every epoch's batches from one iterator, so after ``initial_epoch``
    epochs the run has consumed ``initial_epoch * steps_per_epoch`` batches; a resumed run
    starts there instead of at the stream's beginning. The skipped batches are produced (and
    dropped) by the pipeline, which replays its seeded shuffles, crops and noise: with
    ``deterministic`` a resumed run ends with the weights of an uninterrupted one.
    """
    return dataset.skip(count) if count and isinstance(dataset, tf.data.Dataset) else dataset


def _build_state(model: keras.Model, batch_spec) -> None:
    """Creates the optimizer's and metrics' variables now, before ``fit`` traces the training step.

    With no distribution strategy set, Keras creates them inside the first trace, and
    ``tf.function`` then traces the step a second time, without variable creation: twice the
    Python tracing of every model (the tiny YOLO's 2-step training took 43 s, 22 s built
    first). Under a strategy Keras builds them first itself, from a batch's shapes: this
    calls that same build with the dataset's ``element_spec``. Where it cannot run (a model
    whose ``call`` does not take the batch's inputs), the optimizer alone is built, as
    Keras would, over the trainable variables.
    """
    try:
        model._symbolic_build(data_batch=batch_spec)
    except (AttributeError, RuntimeError, TypeError, ValueError):
        if model.optimizer is not None and not model.optimizer.built and model.built and model.trainable_variables:
            model.optimizer.build(model.trainable_variables)


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
    finished epoch, its data stream positioned after the batches already trained on.

    When ``TF_CONFIG`` describes a cluster (and :func:`kerasdl.training.start_workers` ran
    at start-up), every worker calls ``fit`` alike and the model trains across them with
    :func:`kerasdl.training.distributed.train_across_workers`; worker 0 writes ``run_dir``,
    the others a temporary folder, removed at the end.

    Args:
        build_model: a function returning a fresh, uncompiled ``keras.Model``.
        loss: the Keras loss.
        metrics: Keras metrics.
        train_data: a ``tf.data.Dataset`` of ``(x, y)`` batches, endless (a finite one is
            repeated); across workers, each global batch is split among them.
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
    strategy = hardware.select_strategy()
    across_workers = distributed.is_multi_worker(strategy)
    chief = not across_workers or distributed.is_chief(strategy)
    # Only the chief writes the run; the other workers' logs and checkpoints go to a
    # temporary folder, removed at the end.
    log_dir = run_dir if chief else pathlib.Path(tempfile.mkdtemp(prefix="kerasdl-worker-"))
    try:
        resumed = _prepare_run_dir(log_dir, config.resume)
        initial_epoch = _backed_up_epochs(log_dir) if resumed else 0
        keras.utils.set_random_seed(config.seed)
        if config.deterministic:
            tf.config.experimental.enable_op_determinism()
        hardware.set_precision(config.mixed_precision)
        jit = hardware.resolve_jit_compile(config.jit_compile)
        if across_workers and jit:
            # TensorFlow cannot compile the step's cross-worker all-reduce with XLA ("Collectives
            # are not yet implemented for CPU devices when compiling with XLA").
            if config.jit_compile:
                warnings.warn("multi-worker training runs without XLA (--xla ignored)", stacklevel=2)
            jit = False
        with strategy.scope():
            model = build_model()
            schedule = learning_rate_schedule(config)
            model.compile(
                optimizer=(optimizer or keras.optimizers.Adam)(schedule),
                loss=loss,
                metrics=metrics,
                jit_compile=jit,
                steps_per_execution=config.steps_per_execution,
            )
            _build_state(model, train_data.element_spec)
        all_callbacks = standard_callbacks(
            log_dir,
            patience=config.patience,
            tensorboard=config.tensorboard,
            time_limit=config.time_limit,
            monitor=monitor,
        ) + list(callbacks or [])
        train_data = _endless(train_data)
        start = time.monotonic()
        try:
            if across_workers:
                initial_epoch = distributed.train_across_workers(
                    model,
                    strategy=strategy,
                    train_data=train_data,
                    val_data=val_data,
                    epochs=config.epochs,
                    steps_per_epoch=config.steps_per_epoch,
                    initial_epoch=initial_epoch,
                    callbacks=all_callbacks,
                    verbose=config.verbose,
                    jit_compile=jit,
                )
                resumed = initial_epoch > 0
            else:
                model.fit(
                    _skip_batches(train_data, initial_epoch * config.steps_per_epoch),
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
        best_path = log_dir / "best.keras"
        best = keras.saving.load_model(best_path) if best_path.exists() else model
        history = read_log(log_dir / "training_log.csv")
        curve = plot_learning_curves(run_dir / "training_log.csv", run_dir / "learning_curves.png") if chief else None
    finally:
        if not chief:
            shutil.rmtree(log_dir, ignore_errors=True)
    checkpoint = run_dir / "best.keras"
    stopped = any(isinstance(c, TimeLimit) and c.stopped for c in all_callbacks)
    return FitResult(
        model=best,
        checkpoint=checkpoint,
        history=history,
        learning_curve=curve,
        seconds=seconds,
        resumed=resumed,
        stopped_by_time_limit=stopped,
        jit_compile=jit,
    )
