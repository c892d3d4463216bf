import numpy as np

from tests.app_testing import AppCase
from tests.apps.cases.classification import class_folder, corrupt, missing, text_as_image


def empty_folder(root):
    folder = root / "empty"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("no images here")
    return folder


def requests(root):
    """A conditional model's inputs: label:seed."""
    return ["circle:0", "square:1", "square:12345"]


def assert_same_image(ours, served):
    """The same image up to one grey level (the PNG's rounding of the same float)."""
    assert ours.shape == served.shape, (ours.shape, served.shape)
    assert int(np.max(np.abs(ours.astype(int) - served.astype(int)))) <= 1


CASE = AppCase(
    app="generation",
    init={"model": "cvae", "image_size": 8, "model_options": {"latent_dim": 2, "filters": (4,)}},
    train={"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "verbose": 0},
    flags=[
        "--model",
        "cvae",
        "--image-size",
        "8",
        "--latent-dim",
        "2",
        "--model-arg",
        "filters=(4,)",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "4",
    ],
    make_data=class_folder,
    make_inputs=requests,
    bad_data={
        "missing": (missing, "no such folder"),
        "empty": (empty_folder, "no image files"),
        "corrupt": (corrupt, "zz.png"),
        "wrong type": (text_as_image, "notes.png"),
    },
    compare=assert_same_image,
    evaluate={"samples": 4, "nll_samples": 3, "judge_steps": 2},
    evaluate_flags=("--samples", "4", "--nll-samples", "3", "--judge-steps", "2"),
    predict_flags=("--output-dir", "predicted"),
    quantize="dynamic",  # a conditional generator refuses int8: its class index rides in the quantized input
)
