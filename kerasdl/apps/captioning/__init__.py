"""Image captioning: train, evaluate with BLEU beside a retrieval baseline, predict, export."""

from kerasdl.apps.captioning import commands
from kerasdl.registry import register_app


@register_app("captioning")
class CaptioningApp:
    """Image captioning (Show, Attend and Tell; a Transformer captioner) vs nearest-neighbour retrieval."""

    aliases = ("caption",)
    add_commands = staticmethod(commands.add_commands)
