"""Image-to-image translation: pix2pix, CycleGAN and the L1-only U-Net; train, evaluate beside baselines, predict, export."""

from kerasdl.apps.img2img.task import ImageTranslation

__all__ = ["ImageTranslation"]
