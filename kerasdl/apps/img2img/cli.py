"""``kerasdl img2img``: the flags only this app has; help comes from the task's docs."""

import argparse

from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.img2img.task import DIRECTIONS, ImageTranslation


class _Folders(argparse.Action):
    """``--data DIR`` (side-by-side pairs, or a folder holding A/ and B/) or ``--data DIR_A DIR_B``."""

    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) > 2:
            raise argparse.ArgumentError(self, f"takes one folder, or two (A and B); got {len(values)}")
        setattr(namespace, self.dest, values[0] if len(values) == 1 else tuple(values))


def _folders(name, **kwargs):
    """A data flag taking one folder or two (A and B)."""
    return flag(name, nargs="+", action=_Folders, metavar="DIR", **kwargs)


CLI = AppCLI(
    ImageTranslation,
    flags=[
        _folders("--data"),
        _folders("--val-data"),
        _folders(
            "--test-data",
            help="test data for the evaluation, in a layout --data takes; default: the run's held-out pairs",
        ),
        flag("--direction", choices=DIRECTIONS),
        flag("--channels", type=int, choices=(1, 3)),
        flag("--patch-size", type=positive_int),
        model_option(
            "--filters", option="filters", type=positive_int, help="the generators' first width (default: 16)"
        ),
    ],
)
