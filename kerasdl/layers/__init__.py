"""Small reusable layers, serialisable so `.keras` files load in safe mode."""

from kerasdl.layers.bicubic_upsampling import BicubicUpsampling
from kerasdl.layers.lenet import ConnectionTableConv2D, TrainableSubsampling, scaled_tanh
from kerasdl.layers.local_response_normalization import LocalResponseNormalization
from kerasdl.layers.pixel_shuffle import PixelShuffle

__all__ = [
    "BicubicUpsampling",
    "ConnectionTableConv2D",
    "LocalResponseNormalization",
    "PixelShuffle",
    "TrainableSubsampling",
    "scaled_tanh",
]
