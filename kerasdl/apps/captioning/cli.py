"""``kerasdl captioning`` (or ``kerasdl caption``): the flags only this app has; help comes from the task's docs."""

import argparse

from kerasdl.apps.captioning.task import BY_DATA, ENCODER, MAX_BEAM_WIDTH, RECIPES, Captioning
from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int


def _beam_width(value):
    width = positive_int(value)
    if width > MAX_BEAM_WIDTH:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BEAM_WIDTH}, got {value!r}")
    return width


def _by_data(key) -> str:
    return f"{BY_DATA['scenes'][key]} for the scenes, {BY_DATA['files'][key]} for image files"


CLI = AppCLI(
    Captioning,
    flags=[
        flag("--images"),
        flag("--split-lists"),
        flag("--scenes", type=positive_int),
        flag("--split-seed", type=int),
        model_option(
            "--encoder",
            option="encoder",
            help="small_cnn, a registered vision builder (resnet18, mobilenet_v2, vgg11 ...) or a "
            f"keras.applications name (default: {ENCODER['encoder']})",
        ),
        model_option(
            "--encoder-weights",
            option="encoder_weights",
            help="imagenet or a weights file for the encoder (default: random initialisation)",
        ),
        model_option("--freeze-encoder", option="train_encoder", const=False, help="keep the encoder's weights fixed"),
        flag("--image-size", type=positive_int),
        flag("--max-tokens", type=positive_int),
        flag("--min-count", type=positive_int),
        model_option(
            "--embed-dim",
            option="embed_dim",
            type=positive_int,
            help=f"word embedding / model width (default: {ENCODER['embed_dim']})",
        ),
        model_option(
            "--units",
            option="units",
            type=positive_int,
            help=f"LSTM width (show_attend_tell) (default: {RECIPES['show_attend_tell'].options['units']})",
        ),
        model_option("--dropout", option="dropout", type=float, help=f"dropout rate (default: {_by_data('dropout')})"),
        flag("--epochs", type=int, help=f"number of epochs (default: {_by_data('epochs')})"),
        flag("--beam-width", type=_beam_width),
        flag(
            "--no-baseline", dest="baseline", action="store_false", help="skip the nearest-neighbour retrieval baseline"
        ),
        flag("--output", verbs=("predict",)),
    ],
    show_prediction=lambda item, caption: f"{item}: {caption}",
)
