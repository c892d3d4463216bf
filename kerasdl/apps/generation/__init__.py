"""The generation app: VAEs and GANs that draw images (``kerasdl generate``)."""

from kerasdl.apps.generation.task import Generation

__all__ = ["Generation"]
