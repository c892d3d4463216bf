"""Image classification: train a vision builder, evaluate against scikit-learn, predict, export."""

from kerasdl.apps.classification.task import Classification

__all__ = ["Classification"]
