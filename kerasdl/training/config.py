"""Training settings shared by every app (the command line makes its flags from them: ``kerasdl.apps.cli``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class TrainConfig:
    """How to train: schedule, hardware switches, callbacks.

    Attributes:
        epochs: number of epochs.
        steps_per_epoch: batches per epoch (datasets may be endless); ``None`` until the app
            knows its data: then it sets one pass over the training set before ``fit``.
        learning_rate: peak Adam learning rate, cosine-decayed to 1% by the end of the run.
        warmup_steps: steps of linear warm-up from 0 to ``learning_rate`` before the decay
            (Goyal et al. 2017; Transformers trained with Adam need it at larger rates).
        jit_compile: XLA on (True), off (False), or None: on when a GPU is present.
        mixed_precision: mixed-precision compute on GPU: bfloat16 on compute capability 8.0+,
            else float16 with loss scaling (ignored on CPU, with a warning).
        batch_size: examples per training batch (the app batches its data; ``fit`` takes
            batched datasets).
        steps_per_execution: training steps run in one call of the compiled step (Keras'
            ``steps_per_execution``): more saves Python's per-step overhead for small models,
            callbacks then run every this many steps; ``steps_per_epoch`` must be a multiple.
            Training across workers runs one step at a time.
        seed: seeds Python, NumPy, TensorFlow and Keras.
        deterministic: also make TensorFlow's ops deterministic, so a rerun with the same
            seed gives the same numbers (slower; multithreaded CPU kernels otherwise differ
            in their last bits from run to run).
        patience: early-stopping patience in epochs on ``val_loss``; 0 turns it off.
        tensorboard: also write TensorBoard logs to ``<run_dir>/tensorboard``.
        time_limit: stop after this many minutes (the epoch in progress ends early).
        resume: continue an interrupted run found in ``run_dir``; False starts afresh.
        verbose: Keras progress-bar mode (1 = bars).
    """

    epochs: int = 10
    steps_per_epoch: int | None = 100
    learning_rate: float = 1e-3
    warmup_steps: int = 0
    batch_size: int = 32
    steps_per_execution: int = 1
    jit_compile: bool | None = None
    mixed_precision: bool = False
    seed: int = 0
    deterministic: bool = False
    patience: int = 0
    tensorboard: bool = False
    time_limit: float | None = None
    resume: bool = True
    verbose: int | str = 1

    @classmethod
    def field_names(cls) -> set[str]:
        """The names of the settings, as keyword arguments take them."""
        return {f.name for f in dataclasses.fields(cls)}

    def validate(self) -> None:
        """Raises ``UserInputError`` for values no training can use."""
        from kerasdl.errors import UserInputError

        for name in ("epochs", "steps_per_epoch", "batch_size", "steps_per_execution"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UserInputError(f"--{name.replace('_', '-')} must be at least 1; got {getattr(self, name)}")
        if self.steps_per_epoch is not None and self.steps_per_epoch % self.steps_per_execution:
            raise UserInputError(
                f"--steps-per-epoch ({self.steps_per_epoch}) must be a multiple of --steps-per-execution "
                f"({self.steps_per_execution})"
            )
        if not self.learning_rate > 0:
            raise UserInputError(f"--learning-rate must be positive; got {self.learning_rate}")
        if self.warmup_steps is not None and self.warmup_steps < 0:
            raise UserInputError(f"--warmup-steps must be 0 (none) or more; got {self.warmup_steps}")
        if (
            self.warmup_steps
            and self.steps_per_epoch is not None
            and self.warmup_steps >= self.epochs * self.steps_per_epoch
        ):
            raise UserInputError(
                f"--warmup-steps ({self.warmup_steps}) must be fewer than the run's "
                f"{self.epochs * self.steps_per_epoch} steps (epochs x steps per epoch)"
            )
        if self.time_limit is not None and not self.time_limit > 0:
            raise UserInputError(f"--time-limit must be positive minutes; got {self.time_limit}")
        if self.patience < 0:
            raise UserInputError(f"--patience must be 0 (off) or more; got {self.patience}")
