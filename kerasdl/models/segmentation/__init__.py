"""Segmentation builders: U-Net (also the denoising app's default network)."""

from kerasdl.models.segmentation.unet import unet

__all__ = ["unet"]
