"""``kerasdl generation`` (or ``kerasdl generate``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.generation.task import Generation
from kerasdl.data.generation import DATASETS


def _shown(item, result) -> str:
    shape = getattr(result, "shape", None)
    return f"{item} -> {'x'.join(str(d) for d in shape)} image" if shape is not None else f"{item} -> {result}"


CLI = AppCLI(
    Generation,
    flags=[
        flag("--data", group="data", help="a folder of images, or of class subfolders"),
        flag("--dataset", choices=DATASETS, group="data"),
        flag("--dataset-file", group="data"),
        flag("--split-seed", type=int),
        flag("--image-size", type=positive_int),
        flag("--channels", type=int, choices=(1, 3)),
        model_option("--latent-dim", option="latent_dim", type=positive_int, help="size of the latent space"),
        flag("--samples", type=positive_int),
        flag("--nll-samples", type=int),
        flag("--judge-steps", type=positive_int),
        flag("--no-baseline", dest="baseline", action="store_false", help="skip the Gaussian mixture"),
        flag("inputs", nargs="+", help="seeds, or label:seed for a conditional model (7:0 draws a 7)"),
        flag("--output-dir", verbs=("predict",), default="{run_dir}/predictions", help="where the images go"),
        flag("--output-dir", verbs=("sample",), default="{run_dir}", help="where the figures go"),
        flag("--columns", type=positive_int),
        flag("--rows", type=positive_int),
        flag("--steps", type=positive_int),
        flag("--seed", type=int, verbs=("sample",)),
    ],
    extra_verbs=("sample",),
    show_prediction=_shown,
)
