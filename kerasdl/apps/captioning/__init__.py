"""Image captioning: train, evaluate with BLEU beside a retrieval baseline, predict, export."""

from kerasdl.apps.captioning.task import Captioning

__all__ = ["Captioning"]
