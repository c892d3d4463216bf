"""One training path for every app: strategy, XLA, mixed precision, callbacks, resume.

``TrainConfig`` imports without TensorFlow (the command line reads its fields to make
flags); ``fit``, ``FitResult`` and ``start_workers`` load TensorFlow when first used.

A multi-worker run (``TF_CONFIG`` describes a cluster) calls ``start_workers()`` first
thing, before anything else uses TensorFlow; ``fit`` then trains across the workers.
"""

from kerasdl.training.config import TrainConfig

__all__ = ["FitResult", "TrainConfig", "fit", "start_workers"]


def __getattr__(name):
    if name in ("fit", "FitResult"):
        import importlib

        module = importlib.import_module("kerasdl.training.fit")
        # Importing the submodule set this package's ``fit`` to the module: the function wins.
        globals().update(fit=module.fit, FitResult=module.FitResult)
        return globals()[name]
    if name == "start_workers":
        from kerasdl.training.distributed import start_workers

        return start_workers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
