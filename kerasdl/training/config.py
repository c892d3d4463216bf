"""Training settings shared by every app, and the command-line flags that set them."""

from __future__ import annotations

import argparse
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

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser, **defaults) -> None:
        """Adds the shared training flags to an app's ``train`` sub-command."""
        d = dataclasses.replace(TrainConfig(), **defaults)
        g = parser.add_argument_group("training")
        g.add_argument("--epochs", type=int, default=d.epochs, help="number of epochs (default: %(default)s)")
        steps_help = "one pass over the training data" if d.steps_per_epoch is None else "%(default)s"
        g.add_argument(
            "--steps-per-epoch", type=int, default=d.steps_per_epoch, help=f"batches per epoch (default: {steps_help})"
        )
        g.add_argument(
            "--learning-rate", type=float, default=d.learning_rate, help="peak learning rate (default: %(default)s)"
        )
        g.add_argument(
            "--warmup-steps",
            type=int,
            default=d.warmup_steps,
            help="linear learning-rate warm-up steps before the cosine decay (default: %(default)s)",
        )
        xla = g.add_mutually_exclusive_group()
        xla.add_argument(
            "--xla",
            dest="jit_compile",
            action="store_true",
            default=d.jit_compile,
            help="compile with XLA (default: on with a GPU)",
        )
        xla.add_argument("--no-xla", dest="jit_compile", action="store_false", help="turn XLA compilation off")
        g.add_argument(
            "--mixed-precision",
            action="store_true",
            default=d.mixed_precision,
            help="mixed precision on GPU (bfloat16 where supported, else float16)",
        )
        g.add_argument("--seed", type=int, default=d.seed, help="random seed (default: %(default)s)")
        g.add_argument(
            "--deterministic",
            action="store_true",
            default=d.deterministic,
            help="deterministic TensorFlow ops: reruns give identical numbers (slower)",
        )
        g.add_argument("--patience", type=int, default=d.patience, help="early-stopping patience in epochs, 0 = off")
        g.add_argument("--tensorboard", action="store_true", default=d.tensorboard, help="write TensorBoard logs")
        g.add_argument(
            "--time-limit",
            type=float,
            default=d.time_limit,
            metavar="MINUTES",
            help="stop training after this many minutes",
        )
        g.add_argument(
            "--restart",
            dest="resume",
            action="store_false",
            default=d.resume,
            help="ignore an interrupted run in --run-dir and start afresh",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainConfig:
        """The config from parsed flags (those added by :meth:`add_arguments`)."""
        names = {f.name for f in dataclasses.fields(cls)} - {"verbose"}
        config = cls(**{n: getattr(args, n) for n in names})
        config.validate()
        return config

    def validate(self) -> None:
        """Raises ``UserInputError`` for values no training can use."""
        from kerasdl.errors import UserInputError

        for name in ("epochs", "steps_per_epoch", "batch_size"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UserInputError(f"--{name.replace('_', '-')} must be at least 1; got {getattr(self, name)}")
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
