"""The captioning app's case for the shared harness: a tiny ``image,caption`` CSV, a tiny Show, Attend and Tell."""

from tests.app_testing import AppCase
from tests.apps.cases.images import image_inputs
from tests.helpers import write_image

CAPTIONS = {f"img{i}.png": [f"a dog number {i} runs", f"the dog {i} is running on grass"] for i in range(10)}


def caption_folder(root, *, name="captions"):
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["image,caption"] + [f"{image},{caption}" for image, captions in CAPTIONS.items() for caption in captions]
    (folder / "captions.txt").write_text("\n".join(rows) + "\n")
    for i, image in enumerate(CAPTIONS):
        write_image(folder / "images" / image, (24, 24), seed=i)
    return folder


def no_captions(root):
    folder = root / "empty"
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "captions.txt").write_text("image,caption\n")
    return folder


def corrupt_image(root):
    folder = caption_folder(root)
    (folder / "images" / "img3.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return folder


def image_as_captions(root):
    return write_image(root / "photo.png", (8, 8))


CASE = AppCase(
    app="captioning",
    init={"model_options": {"embed_dim": 8, "units": 16}},
    train={"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "image_size": 32, "min_count": 1, "verbose": 0},
    flags=[
        "--embed-dim",
        "8",
        "--units",
        "16",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "4",
        "--image-size",
        "32",
        "--min-count",
        "1",
    ],
    make_data=caption_folder,
    make_inputs=image_inputs,
    bad_data={
        "missing": (lambda root: root / "no_such_folder", "no_such_folder"),
        "empty": (no_captions, "holds no captions"),
        "corrupt": (corrupt_image, "img3.png"),
        "wrong type": (image_as_captions, "photo.png"),
    },
    predict_flags=("--output", "captions.json"),
    quantize=None,  # greedy BLEU-4 through LiteRT: tests/apps/test_captioning.py::test_quantized_litert_encoders_score_bleu4
)
