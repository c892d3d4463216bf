"""Translation: sentence pairs in, a SavedModel that takes a sentence and returns its translation."""

from kerasdl.registry import register_app


@register_app("translation")
class TranslationApp:
    """Machine translation (Transformer, RNN with attention) scored with BLEU and chrF; string-in, string-out export."""

    aliases = ("translate",)

    @staticmethod
    def add_commands(subparsers):
        # Imported here, not above: the commands pull in TensorFlow, and the app's recipes and data
        # modules are also used without it (the recipe search runs Keras on JAX on a GPU machine).
        from kerasdl.apps.translation import commands

        return commands.add_commands(subparsers)
