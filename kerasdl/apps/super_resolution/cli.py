"""``kerasdl super_resolution`` (or ``kerasdl sr``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.super_resolution.task import SCALES, SuperResolution

CLI = AppCLI(
    SuperResolution,
    flags=[
        flag("--scale", type=int, choices=SCALES),
        flag("--channels", type=int, choices=(1, 3)),
        model_option("--blocks", option="num_blocks", type=positive_int, help="EDSR residual blocks (default: 8)"),
        model_option("--filters", option="filters", type=positive_int, help="EDSR width (default: 32)"),
        flag("--patch-size", type=positive_int),
    ],
)
