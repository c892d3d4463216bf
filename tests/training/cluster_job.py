"""A tiny training job that the multi-worker and resume tests start as separate processes.

``python -m tests.training.cluster_job RUN_DIR [options]`` trains a small model through
``kerasdl.training.fit`` and saves the final weights as ``RUN_DIR/final.npz`` (plus, with
``--out``, wherever asked). With ``TF_CONFIG`` set it joins that cluster first, as any
program must (:func:`kerasdl.training.start_workers`).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

_START = time.monotonic()

import kerasdl  # noqa: E402, F401  (quiet TensorFlow, TensorFlow backend)
import kerasdl.training  # noqa: E402

# Joining the cluster comes before anything else touches TensorFlow.
kerasdl.training.start_workers(timeout_seconds=60, heartbeat_seconds=10)
_JOINED = time.monotonic()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasdl.training import TrainConfig, fit  # noqa: E402


def regression_data(batch_size: int, seed: int):
    """Shuffled, repeated batches of a noisy linear map: ``tf.data`` with reshuffling, as the apps build."""
    rng = np.random.default_rng(123)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    y = (x @ rng.normal(size=(6, 2)) + 0.1 * rng.normal(size=(96, 2))).astype(np.float32)
    train = tf.data.Dataset.from_tensor_slices((x[:80], y[:80]))
    train = train.shuffle(80, seed=seed, reshuffle_each_iteration=True).repeat().batch(batch_size)
    val = tf.data.Dataset.from_tensor_slices((x[80:], y[80:])).batch(5)  # 16 examples: a partial last batch
    return train, val


def regression_model():
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(16, activation="tanh", kernel_regularizer=keras.regularizers.L2(1e-2))(inputs)
    hidden = keras.layers.ActivityRegularization(l2=1e-3)(hidden)  # a loss added by a layer
    return keras.Model(inputs, keras.layers.Dense(2)(hidden))


def patch_data(batch_size: int, seed: int):
    """The super-resolution app's pipeline: random crops from a NumPy generator."""
    from kerasdl.data.sr_patches import training_dataset, validation_dataset

    rng = np.random.default_rng(0)
    images = [np.clip(rng.normal(0.5, 0.2, (20, 24, 1)), 0, 1).astype(np.float32) for _ in range(2)]
    return (
        training_dataset(images, scale=2, lr_patch_size=4, batch_size=batch_size, seed=seed),
        validation_dataset(images, scale=2, lr_patch_size=4, batch_size=batch_size, count=6),
    )


def patch_model():
    from kerasdl.models.restoration import edsr

    return edsr(scale=2, channels=1, num_blocks=1, filters=4, bicubic_skip=True)


class PauseAfterEpoch(keras.callbacks.Callback):
    """After epoch ``epoch`` (its backup written: BackupAndRestore runs first), says so in a file and waits to be killed."""

    def __init__(self, epoch: int, marker: pathlib.Path):
        super().__init__()
        self.epoch, self.marker = epoch, marker

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.marker.write_text(str(epoch))
            time.sleep(600)


class SlowSteps(keras.callbacks.Callback):
    """Marks the first finished step in a file, then slows the steps down (a crash test needs time)."""

    def __init__(self, marker: pathlib.Path, seconds: float):
        super().__init__()
        self.marker, self.seconds = marker, seconds

    def on_train_batch_end(self, batch, logs=None):
        if not self.marker.exists():
            self.marker.write_text("started")
        time.sleep(self.seconds)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=pathlib.Path)
    parser.add_argument("--data", choices=("regression", "patches"), default="regression")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--deterministic", action="store_true")
    parser.add_argument("--xla", action="store_true")
    parser.add_argument("--pause-after-epoch", type=int, default=None)
    parser.add_argument("--slow-steps", type=float, default=None, help="seconds of sleep after each step")
    parser.add_argument("--marker", type=pathlib.Path, default=None)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)

    make_data, build_model = (
        (regression_data, regression_model) if args.data == "regression" else (patch_data, patch_model)
    )
    # tf.data's shuffle seeds combine with TensorFlow's global seed as it stands when the
    # dataset is made: set it first, so this process (or pytest's) shuffles like any other.
    keras.utils.set_random_seed(0)
    train_data, val_data = make_data(args.batch_size, seed=0)
    callbacks = []
    if args.pause_after_epoch is not None:
        callbacks.append(PauseAfterEpoch(args.pause_after_epoch, args.marker))
    if args.slow_steps is not None:
        callbacks.append(SlowSteps(args.marker, args.slow_steps))
    config = TrainConfig(
        epochs=args.epochs,
        steps_per_epoch=args.steps,
        batch_size=args.batch_size,
        learning_rate=1e-2,
        deterministic=args.deterministic,
        jit_compile=args.xla,
        verbose=0,
    )
    result = fit(
        build_model,
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
        train_data=train_data,
        val_data=val_data,
        run_dir=args.run_dir,
        config=config,
        callbacks=callbacks,
        monitor=None,  # the checkpoint (and result.model) is the last epoch's
    )
    final = {f"w{i}": w for i, w in enumerate(result.model.get_weights())}
    for path in [args.out] if args.out else []:
        np.savez(path, **final)
    print(
        f"resumed={result.resumed} epochs={result.history.get('epoch')} loss={result.history.get('loss')} "
        f"started in {_JOINED - _START:.1f} s, trained in {result.seconds:.1f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
