from tests.app_testing import AppCase, assert_same_label
from tests.apps.cases.images import image_inputs
from tests.helpers import write_image


def class_folder(root, classes=("circle", "square"), per_class=5):
    folder = root / "shapes"
    for c, name in enumerate(classes):
        for i in range(per_class):
            write_image(folder / name / f"{name}{i}.png", (12 + i, 14), "RGB" if i % 2 else "L", seed=10 * c + i)
    return folder


def missing(root):
    return root / "nowhere"


def flat_folder(root):
    write_image(root / "flat" / "a.png", (8, 8))
    return root / "flat"


def corrupt(root):
    folder = class_folder(root)
    (folder / "square" / "zz.png").write_bytes((folder / "circle" / "circle0.png").read_bytes()[:60])
    return folder


def text_as_image(root):
    folder = class_folder(root)
    (folder / "square" / "notes.png").write_text("I am a text file")
    return folder


CASE = AppCase(
    app="classification",
    init={"model": "mlp", "input_size": 12},
    train={"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "verbose": 0},
    flags=["--model", "mlp", "--input-size", "12", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "4"],
    make_data=class_folder,
    make_inputs=image_inputs,
    bad_data={
        "missing": (missing, "no such folder"),
        "empty": (flat_folder, "has no class subfolders"),
        "corrupt": (corrupt, "zz.png"),
        "wrong type": (text_as_image, "notes.png"),
    },
    compare=assert_same_label,
    predict_flags=("--output", "predicted.csv"),
)
