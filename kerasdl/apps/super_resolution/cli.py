"""``kerasdl super_resolution`` (or ``kerasdl sr``): the flags only this app has; help comes from the task's docs."""

import argparse

from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.super_resolution.task import CONTENT_LOSSES, SCALES, SuperResolution


def non_negative_int(value):
    """argparse type: an integer >= 0, else a one-line usage error."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value!r}")
    return number


CLI = AppCLI(
    SuperResolution,
    flags=[
        flag("--scale", type=int, choices=SCALES),
        flag("--channels", type=int, choices=(1, 3)),
        model_option(
            "--blocks", option="num_blocks", type=positive_int, help="EDSR or SRResNet residual blocks (default: 8)"
        ),
        model_option("--filters", option="filters", type=positive_int, help="EDSR or SRResNet width (default: 32)"),
        flag("--patch-size", type=positive_int),
        flag("--pretrain-steps", type=non_negative_int),
        flag("--generator", metavar="RUN_OR_KERAS_FILE"),
        flag("--content-loss", choices=CONTENT_LOSSES),
        flag("--vgg-weights", metavar="FILE"),
    ],
)
