"""Image restoration builders: super-resolution (and, later, denoising)."""

from kerasdl.models.restoration.super_resolution import SUPPORTED_SCALES, edsr, espcn, srcnn

__all__ = ["SUPPORTED_SCALES", "edsr", "espcn", "srcnn"]
