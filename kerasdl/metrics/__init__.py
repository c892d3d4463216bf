"""Evaluation metrics built on tf.image, scikit-learn and keras-hub.

The exports load on first use: ``psnr`` needs TensorFlow and ``MaskedAccuracy`` only Keras,
so importing this package (or one submodule of it) loads neither. The generative-model
measures (``importance_sampled_nll``, ``frechet_distance``, ``GaussianMixtureBaseline``) need
SciPy and scikit-learn and register no serialisable object; nor does ``niqe`` (NumPy and
SciPy, kerasdl.metrics.perceptual).
"""

import importlib

_EXPORTS = {
    "GaussianMixtureBaseline": "kerasdl.metrics.generative",
    "MaskedAccuracy": "kerasdl.metrics.masked_accuracy",
    "frechet_distance": "kerasdl.metrics.generative",
    "importance_sampled_nll": "kerasdl.metrics.generative",
    "niqe": "kerasdl.metrics.perceptual",
    "psnr": "kerasdl.metrics.image_quality",
}
# Plain functions and classes: nothing to load a model with.
_UNREGISTERED = {"kerasdl.metrics.generative", "kerasdl.metrics.perceptual"}
SUBMODULES = tuple(sorted(set(_EXPORTS.values()) - _UNREGISTERED))  # every module that registers a serialisable metric

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_EXPORTS})
