"""kerasdl: classic deep-learning applications as Keras 3 builders and end-to-end apps.

Builders are plain Keras functional-API functions collected in a registry::

    import kerasdl
    model = kerasdl.get_model("espcn", scale=3)
    kerasdl.list_models("edsr*")
    model = kerasdl.load_model("runs/denoising/best.keras")  # any .keras file kerasdl wrote

Apps are Python objects (``kerasdl.apps``), and what they export loads as a callable::

    sr = kerasdl.apps.SuperResolution(scale=3)
    sr.run("photos/")                                        # train, evaluate, export
    upscale = kerasdl.load("saved_models/super_resolution/1")
    image = upscale("small.png")[0]
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) hides the output users
# came for; keep warnings and errors. A user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"

from kerasdl.registry import (
    get_model,  # noqa: E402
    list_models,  # noqa: E402
    register_model,  # noqa: E402
)

__all__ = ["__version__", "apps", "get_model", "list_models", "load", "load_model", "register_model"]


def __getattr__(name):
    # Loaded on first use, so that `import kerasdl` stays free of Keras and TensorFlow.
    if name == "load_model":
        from kerasdl.saving import load_model

        return load_model
    if name == "load":
        from kerasdl.apps.served import load

        return load
    if name == "apps":
        import importlib

        return importlib.import_module("kerasdl.apps")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
