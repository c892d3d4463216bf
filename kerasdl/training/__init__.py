"""One training path for every app: strategy, XLA, mixed precision, callbacks, resume."""

from kerasdl.training.config import TrainConfig
from kerasdl.training.fit import FitResult, fit

__all__ = ["FitResult", "TrainConfig", "fit"]
