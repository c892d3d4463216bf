"""Image restoration builders: super-resolution and denoising."""

from kerasdl.models.restoration.denoising import dncnn
from kerasdl.models.restoration.super_resolution import (
    SUPPORTED_SCALES,
    edsr,
    espcn,
    srcnn,
    srgan_discriminator,
    srresnet,
)

__all__ = ["SUPPORTED_SCALES", "dncnn", "edsr", "espcn", "srcnn", "srgan_discriminator", "srresnet"]
