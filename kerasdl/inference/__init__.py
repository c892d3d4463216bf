"""Running trained models on inputs of any size."""

from kerasdl.inference.tiling import predict_tiled

__all__ = ["predict_tiled"]
