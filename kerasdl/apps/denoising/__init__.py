"""Image denoising: train, evaluate against scikit-image's denoisers and BM3D, predict, export."""

from kerasdl.apps.denoising import commands
from kerasdl.registry import register_app


@register_app("denoising")
class DenoisingApp:
    """Image denoising (DnCNN, U-Net) measured against scikit-image's denoisers and BM3D."""

    aliases = ("denoise",)
    add_commands = staticmethod(commands.add_commands)
