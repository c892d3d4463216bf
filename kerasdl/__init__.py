"""kerasdl: classic deep-learning applications as Keras 3 builders and end-to-end apps.

Builders are plain Keras functional-API functions collected in a registry::

    import kerasdl
    model = kerasdl.get_model("espcn", scale=3)
    kerasdl.list_models("edsr*")
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

__all__ = ["__version__", "get_model", "list_models", "register_model"]
