"""Evaluation metrics built on tf.image, scikit-learn and keras-hub.

The exports load on first use: ``psnr`` needs TensorFlow and ``MaskedAccuracy`` only Keras,
so importing this package (or one submodule of it) loads neither.
"""

import importlib

_EXPORTS = {
    "MaskedAccuracy": "kerasdl.metrics.masked_accuracy",
    "psnr": "kerasdl.metrics.image_quality",
}
SUBMODULES = tuple(sorted(set(_EXPORTS.values())))  # every module that registers a serialisable metric

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_EXPORTS})
