"""``kerasdl segment`` (or ``kerasdl segmentation``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.annotated_images import DATASETS
from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.segment.task import BASELINES, RECIPES, Segmentation


def _show(item, result) -> str:
    """A prediction's line: the files written, or the classes found."""
    if isinstance(result, dict):
        return f"{item} -> {result['mask']} (overlay: {result['overlay']})"
    return f"{item} -> mask {result.shape[1]}x{result.shape[0]}"


CLI = AppCLI(
    Segmentation,
    flags=[
        flag("--data", group="data"),
        flag("--dataset", choices=DATASETS, group="data"),
        flag("--dataset-file", metavar="MNIST_NPZ"),
        flag("--patch-size", type=positive_int),
        model_option(
            "--depth",
            option="depth",
            type=positive_int,
            help=f"U-Net levels (default: {RECIPES['unet'].options['depth']})",
        ),
        model_option(
            "--filters",
            option="filters",
            type=positive_int,
            help=f"the U-Net's first width (default: {RECIPES['unet'].options['filters']})",
        ),
        flag("--baseline", choices=BASELINES),
    ],
    show_prediction=_show,
)
