"""Apps as Python objects: each trains on data, scores itself beside a classical baseline, and exports.

Every app is a :class:`~kerasdl.apps.task.Task` with the same verbs::

    from kerasdl.apps import SuperResolution
    sr = SuperResolution(scale=3)
    sr.train("photos/", epochs=5)
    print(sr.evaluate("Set5/").headline)
    sr.export("saved_models")

The ``kerasdl <app> ...`` command line is generated from these classes. Importing
``kerasdl.apps`` loads no app (nor TensorFlow); ``kerasdl.apps.SuperResolution`` and the others
load their package on first use, and the registry imports the packages named here.
"""

import importlib

APP_PACKAGES = (
    "super_resolution",
    "classification",
    "denoising",
    "sentiment",
    "translation",
    "captioning",
    "generation",
    "play",
    "stylize",
    "img2img",
    "segment",
    "detect",
    "textgen",
    "embeddings",
)
TASKS = {
    "SuperResolution": "super_resolution",
    "Classification": "classification",
    "Denoising": "denoising",
    "Sentiment": "sentiment",
    "Translation": "translation",
    "Captioning": "captioning",
    "Generation": "generation",
    "Play": "play",
    "Stylize": "stylize",
    "ImageTranslation": "img2img",
    "Segmentation": "segment",
    "Detection": "detect",
    "TextGeneration": "textgen",
    "Embeddings": "embeddings",
}

__all__ = ["APP_PACKAGES", "TASKS", "load", *TASKS]


def __getattr__(name):
    if name in TASKS:
        return getattr(importlib.import_module(f"kerasdl.apps.{TASKS[name]}"), name)
    if name == "load":
        from kerasdl.apps.served import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
