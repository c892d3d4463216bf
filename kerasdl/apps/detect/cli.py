"""``kerasdl detect`` (or ``kerasdl detection``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.annotated_images import DATASETS
from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.detect.task import RECIPES, SIZES, Detection


def _show(item, result) -> str:
    """A prediction's line: the objects found (and the figure written)."""
    found = ", ".join(f"{name} {score:.2f}" for name, score in zip(result["class_names"], result["scores"]))
    line = f"{item} -> {len(result['scores'])} objects" + (f": {found}" if found else "")
    return line + (f" ({result['figure']})" if "figure" in result else "")


def _probability(value):
    """argparse type: a number in [0, 1]."""
    import argparse

    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {value!r}")
    return number


CLI = AppCLI(
    Detection,
    flags=[
        flag("--data", group="data"),
        flag("--dataset", choices=DATASETS, group="data"),
        flag("--dataset-file", metavar="MNIST_NPZ"),
        flag("--image-size", type=positive_int),
        flag("--confidence", type=_probability),
        model_option(
            "--size",
            option="size",
            choices=SIZES,
            help=f"YOLOv8's width and depth scale (default: {RECIPES['yolo'].options['size']})",
        ),
    ],
    show_prediction=_show,
)
