"""Small reusable layers, serialisable so `.keras` files load in safe mode."""

from kerasdl.layers.bicubic_upsampling import BicubicUpsampling
from kerasdl.layers.pixel_shuffle import PixelShuffle

__all__ = ["BicubicUpsampling", "PixelShuffle"]
