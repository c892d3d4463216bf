"""``kerasdl denoising`` (or ``kerasdl denoise``): the flags only this app has; help comes from the task's docs."""

import argparse

from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.denoising.task import RECIPES, Denoising, baseline_methods, noise_model
from kerasdl.errors import UserInputError


def _checked(parse):
    """An argparse type from a parser that raises ``UserInputError``."""

    def check(value):
        try:
            return parse(value)
        except UserInputError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return check


def _widths(option: str) -> str:
    return ", ".join(f"{name} {recipe.options[option]}" for name, recipe in RECIPES.items())


CLI = AppCLI(
    Denoising,
    flags=[
        flag("--noise", type=_checked(noise_model), group="noise"),
        flag(
            "--sigma",
            dest="noise",
            type=_checked(lambda v: noise_model(f"gaussian:{v}")),
            metavar="SIGMA",
            group="noise",
            help="shorthand for --noise gaussian:SIGMA",
        ),
        flag("--sigma", dest="sigma", type=_checked(lambda v: noise_model(f"gaussian:{v}").low), metavar="SIGMA"),
        model_option(
            "--depth",
            option="depth",
            type=positive_int,
            help=f"DnCNN layers or U-Net levels (default: {_widths('depth')})",
        ),
        model_option("--filters", option="filters", type=positive_int, help=f"width (default: {_widths('filters')})"),
        flag("--channels", type=int, choices=(1, 3)),
        flag("--patch-size", type=positive_int),
        flag("--baselines", type=_checked(baseline_methods), metavar="METHODS"),
        flag("--noise-seed", type=int),
        flag("--workers", type=positive_int),
    ],
)
