"""Image classification: train a vision builder, evaluate against scikit-learn, predict, export."""

from kerasdl.apps.classification import commands
from kerasdl.registry import register_app


@register_app("classify")
class ClassificationApp:
    """Image classification (LeNet-5, ResNet, ...) measured against a scikit-learn baseline."""

    aliases = ()
    add_commands = staticmethod(commands.add_commands)
