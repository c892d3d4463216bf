"""Running trained models on inputs of any size."""

from kerasdl.inference.tiling import TiledOutput, predict_tiled, receptive_radius

__all__ = ["TiledOutput", "predict_tiled", "receptive_radius"]
