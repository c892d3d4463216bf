"""Single-image super-resolution: train, evaluate against bicubic, predict, export."""

from kerasdl.apps.super_resolution.task import SuperResolution

__all__ = ["SuperResolution"]
