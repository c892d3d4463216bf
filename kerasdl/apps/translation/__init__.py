"""Translation: sentence pairs in, a SavedModel that takes a sentence and returns its translation."""

from kerasdl.apps.translation import commands
from kerasdl.registry import register_app


@register_app("translation")
class TranslationApp:
    """Machine translation (Transformer, RNN with attention) scored with BLEU and chrF; string-in, string-out export."""

    aliases = ("translate",)
    add_commands = staticmethod(commands.add_commands)
