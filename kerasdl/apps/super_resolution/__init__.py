"""Single-image super-resolution: train, evaluate against bicubic, predict, export."""

from kerasdl.apps.super_resolution import commands
from kerasdl.registry import register_app


@register_app("super_resolution")
class SuperResolutionApp:
    """Single-image super-resolution (SRCNN, ESPCN, EDSR) measured against bicubic."""

    aliases = ("sr",)
    add_commands = staticmethod(commands.add_commands)
