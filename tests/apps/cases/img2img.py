from tests.app_testing import AppCase
from tests.apps.cases.images import BAD_IMAGE_FOLDERS, assert_images_close, image_folder, image_inputs

# image_folder's images (even widths) read as pix2pix pairs: A the left half, B the right.
CASE = AppCase(
    app="img2img",
    init={"model_options": {"filters": 4}},
    train={"epochs": 1, "steps_per_epoch": 2, "patch_size": 16, "batch_size": 4, "verbose": 0},
    flags=[
        "--filters",
        "4",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--patch-size",
        "16",
        "--batch-size",
        "4",
    ],
    make_data=image_folder,
    make_inputs=image_inputs,
    bad_data=BAD_IMAGE_FOLDERS,
    compare=assert_images_close,
    predict_flags=("--output-dir", "predicted"),
)
