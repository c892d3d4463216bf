"""The callbacks every training run gets."""

from __future__ import annotations

import json
import math
import pathlib
import time
import zipfile

import keras

from kerasdl.errors import UserInputError, first_line
from kerasdl.files import atomic_path
from kerasdl.training.curves import read_log


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras' ``BackupAndRestore``, its files written under temporary names and renamed into place.

    Keras writes ``latest.weights.h5`` in place, so a run killed during the write leaves a
    truncated backup that the next run cannot resume from. Here the previous backup stays
    whole until the new one is complete (weights first, then the epoch count: a kill between
    the two renames repeats one epoch, never skips one). A backup that still cannot be read
    (damaged on disk, or left by another model) is a one-line ``UserInputError``.
    """

    def _save_model(self):
        if self.double_checkpoint:  # Keras' own copying of the previous files; not used here
            return super()._save_model()
        with atomic_path(self._weights_path, suffix=".weights.h5") as tmp:
            self.model.save_weights(str(tmp), overwrite=True)
        with atomic_path(self._training_metadata_path) as tmp:
            tmp.write_text(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def _load_model(self):
        try:
            super()._load_model()
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as err:
            if not self.model.built:  # Keras' own error for an unbuilt model: not about the file
                raise
            reason = first_line(err)
            raise UserInputError(
                f"the backup of the interrupted run in {self.backup_dir} is damaged or does not fit this model "
                f"({reason}); pass --restart (resume=False) to start afresh"
            ) from None


class TimeLimit(keras.callbacks.Callback):
    """Stops training so that it ends within ``minutes``; the epoch in progress ends early.

    It stops after the batch past which one more batch and the validation that closes the
    epoch (both timed on their last run) would cross the limit, so a run with a limit of
    20 minutes trains for at most about 20 minutes, not 20 plus a batch and a validation.
    """

    def __init__(self, minutes: float):
        super().__init__()
        self.seconds = minutes * 60.0
        self.stopped = False
        self._validation_seconds = 0.0

    def on_train_begin(self, logs=None):
        self._start = self._last = time.monotonic()

    def on_test_begin(self, logs=None):
        self._test_start = time.monotonic()

    def on_test_end(self, logs=None):
        self._validation_seconds = time.monotonic() - self._test_start

    def on_epoch_begin(self, epoch, logs=None):
        self._last = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        batch_seconds, self._last = now - self._last, now
        if now - self._start + batch_seconds + self._validation_seconds > self.seconds:
            self.stopped = True
            self.model.stop_training = True


def standard_callbacks(
    run_dir: pathlib.Path,
    *,
    patience: int,
    tensorboard: bool,
    time_limit: float | None,
    monitor: str | None = "val_loss",
):
    """Best checkpoint, BackupAndRestore, CSV log, and optional early stopping/TensorBoard/time limit.

    On a resumed run the checkpoint threshold is the best ``monitor`` value already logged,
    so a worse epoch after the restart does not overwrite the best model. With ``monitor=None``
    (a model with no validation loss to rank epochs by, such as a GAN) the checkpoint is the
    last finished epoch and early stopping is off.
    """
    log_path = run_dir / "training_log.csv"
    if monitor is None:
        checkpoint = keras.callbacks.ModelCheckpoint(str(run_dir / "best.keras"), save_best_only=False)
    else:
        best_so_far = [v for v in read_log(log_path).get(monitor, []) if not math.isnan(v)]
        checkpoint = keras.callbacks.ModelCheckpoint(
            str(run_dir / "best.keras"),
            monitor=monitor,
            save_best_only=True,
            initial_value_threshold=min(best_so_far) if best_so_far else None,
        )
    callbacks = [
        AtomicBackupAndRestore(str(run_dir / "backup")),
        checkpoint,
        keras.callbacks.CSVLogger(str(log_path), append=True),
    ]
    if patience and monitor is not None:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=patience))
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard")))
    if time_limit:
        callbacks.append(TimeLimit(time_limit))
    return callbacks
