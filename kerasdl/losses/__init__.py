"""Losses that `.keras` files reference, serialisable so they load in safe mode (``keras.ops`` only)."""

from kerasdl.losses.likelihood import ReconstructionNLL, log_likelihood
from kerasdl.losses.masked_cross_entropy import MaskedCrossEntropy
from kerasdl.losses.style import PerceptualStyleLoss

__all__ = ["MaskedCrossEntropy", "PerceptualStyleLoss", "ReconstructionNLL", "log_likelihood"]
