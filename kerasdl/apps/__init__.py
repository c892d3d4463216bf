"""Apps: each wires data, a model from the registry, training, evaluation and export.

The registry imports the packages named here when an app is first asked for; importing
``kerasdl.apps`` itself loads none of them (nor TensorFlow), so an app's TensorFlow-free
modules (say ``kerasdl.apps.translation.recipes``) import on a machine without it.
"""

APP_PACKAGES = ("super_resolution", "classification", "denoising", "sentiment", "translation", "captioning")
