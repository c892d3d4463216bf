"""Image denoising: train, evaluate against scikit-image's denoisers and BM3D, predict, export."""

from kerasdl.apps.denoising.task import Denoising

__all__ = ["Denoising"]
