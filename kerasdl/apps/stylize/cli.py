"""``kerasdl stylize`` (or ``kerasdl style_transfer``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, model_option, non_negative_float, positive_int
from kerasdl.apps.stylize.task import OPTIMIZERS, Stylize

CLI = AppCLI(
    Stylize,
    flags=[
        flag("--style", help="the style image (default: a texture kerasdl draws)"),
        flag("--backbone"),
        flag("--feature-weights", metavar="WEIGHTS"),
        flag("--style-layers", metavar="LAYERS"),
        flag("--content-layer", metavar="LAYER"),
        flag("--content-weight", type=non_negative_float),
        flag("--style-weight", type=non_negative_float),
        flag("--tv-weight", type=non_negative_float),
        model_option("--filters", option="filters", type=positive_int, help="width of the first convolution"),
        model_option("--residual-blocks", option="residual_blocks", type=int, help="residual blocks"),
        flag("--image-size", type=positive_int),
        flag("--tflite-size", type=positive_int),
        flag("--evaluations", type=positive_int),
        flag("--no-baseline", dest="baseline", action="store_false", help="skip the optimised images"),
        flag("inputs", nargs="+", help="content image files or folders (recursive)"),
        flag("--output-dir", verbs=("predict",), default="{run_dir}/predictions", help="where the output images go"),
        flag("--output-dir", verbs=("optimize",), default="{run_dir}/optimized", help="where the images go"),
        flag("--iterations", type=positive_int),
        flag("--optimizer", choices=OPTIMIZERS),
        flag("--learning-rate", type=float, verbs=("optimize",), fixed_help=True, help="Adam's step (default: 0.02)"),
        flag("--every", type=positive_int),
    ],
    extra_verbs=("optimize",),
)
