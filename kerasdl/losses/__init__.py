"""Losses that `.keras` files reference, serialisable so they load in safe mode (``keras.ops`` only)."""

from kerasdl.losses.likelihood import ReconstructionNLL, log_likelihood
from kerasdl.losses.masked_cross_entropy import MaskedCrossEntropy

__all__ = ["MaskedCrossEntropy", "ReconstructionNLL", "log_likelihood"]
