"""``kerasdl stylize``: neural style transfer, optimised (Gatys et al.) or feed-forward (Johnson et al.)."""

from kerasdl.apps.stylize.task import Stylize

__all__ = ["Stylize"]
