from tests.app_testing import AppCase
from tests.apps.cases.images import BAD_IMAGE_FOLDERS, assert_images_close, image_folder, image_inputs

CASE = AppCase(
    app="denoising",
    init={"model_options": {"depth": 2, "filters": 4}},
    train={"noise": "gaussian:25", "epochs": 1, "steps_per_epoch": 2, "patch_size": 16, "batch_size": 4, "verbose": 0},
    flags=[
        "--depth",
        "2",
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
    evaluate={"baselines": "wavelet", "workers": 1},
    evaluate_flags=("--baselines", "wavelet", "--workers", "1"),
    predict_flags=("--output-dir", "predicted"),
)
