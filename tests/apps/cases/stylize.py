"""The style app in the shared harness: a tiny stylizer on 32-pixel crops, the default VGG-19 features."""

from tests.app_testing import AppCase
from tests.apps.cases.images import BAD_IMAGE_FOLDERS, assert_images_close, image_folder, image_inputs

CASE = AppCase(
    app="stylize",
    init={"model_options": {"filters": 4, "residual_blocks": 1}},
    train={"image_size": 32, "epochs": 1, "steps_per_epoch": 2, "batch_size": 2, "verbose": 0},
    flags=[
        "--filters",
        "4",
        "--residual-blocks",
        "1",
        "--image-size",
        "32",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "2",
    ],
    make_data=image_folder,
    make_inputs=image_inputs,
    bad_data=BAD_IMAGE_FOLDERS,
    compare=assert_images_close,
    evaluate={"evaluations": 3, "image_size": 32},
    evaluate_flags=("--evaluations", "3", "--image-size", "32"),
    predict_flags=("--output-dir", "predicted"),
)
