"""Image-to-image GANs: Pix2Pix, CycleGAN and SRGAN, their networks and their training schemes."""

from kerasdl.models.image_translation.cyclegan import ReflectionPadding2D, cyclegan_generator
from kerasdl.models.image_translation.pix2pix import (
    RECEPTIVE_FIELDS,
    patchgan_discriminator,
    patchgan_receptive_field,
    pix2pix_generator,
)
from kerasdl.models.image_translation.training import (
    CONTENT_LOSSES,
    SRGAN,
    CycleGAN,
    ImageAdversarialNetwork,
    Pix2Pix,
    cyclegan,
    pix2pix,
    srgan,
    vgg_content_extractor,
)

__all__ = [
    "CONTENT_LOSSES",
    "RECEPTIVE_FIELDS",
    "SRGAN",
    "CycleGAN",
    "ImageAdversarialNetwork",
    "Pix2Pix",
    "ReflectionPadding2D",
    "cyclegan",
    "cyclegan_generator",
    "patchgan_discriminator",
    "patchgan_receptive_field",
    "pix2pix",
    "pix2pix_generator",
    "srgan",
    "vgg_content_extractor",
]
