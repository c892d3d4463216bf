"""Translation: sentence pairs in, a SavedModel that takes a sentence and returns its translation.

:class:`Translation` (the task) loads on first use: ``recipes`` and ``data`` import without
TensorFlow or the shared app pipeline (the recipe search runs them on Keras with JAX).
"""

__all__ = ["Translation"]


def __getattr__(name):
    if name == "Translation":
        from kerasdl.apps.translation.task import Translation

        return Translation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
