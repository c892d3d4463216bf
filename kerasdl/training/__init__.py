"""One training path for every app: strategy, XLA, mixed precision, callbacks, resume.

``TrainConfig`` imports without TensorFlow (the command line reads its fields to make
flags); ``fit`` and ``FitResult`` load TensorFlow when first used.
"""

from kerasdl.training.config import TrainConfig

__all__ = ["FitResult", "TrainConfig", "fit"]


def __getattr__(name):
    if name in ("fit", "FitResult"):
        import importlib

        module = importlib.import_module("kerasdl.training.fit")
        # Importing the submodule set this package's ``fit`` to the module: the function wins.
        globals().update(fit=module.fit, FitResult=module.FitResult)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
