"""Classification data: class folders, digits, Keras' datasets, the seeded split, tf.data pipelines."""

import json

import keras
import numpy as np
import pytest

from kerasdl.data import classification as cls
from kerasdl.errors import UserInputError
from kerasdl.files import write_json
from tests.helpers import write_image


def class_folder(root, spec, name="classes"):
    """``spec``: {class: [(h, w, mode, suffix), ...]} -> folder of class subfolders."""
    folder = root / name
    for c, images in spec.items():
        for i, (h, w, mode, suffix) in enumerate(images):
            write_image(folder / c / f"{c}{i}{suffix}", (h, w), mode, seed=i)
    return folder


MIXED = {
    "cat": [(20, 30, "RGB", ".png"), (9, 7, "L", ".jpg"), (16, 16, "RGBA", ".png")],
    "dog": [(12, 40, "P", ".png"), (25, 25, "I;16", ".png"), (8, 8, "RGB", ".bmp")],
}


def test_folder_of_mixed_modes_and_sizes(tmp_path):
    folder = class_folder(tmp_path, MIXED)
    (folder / "dog" / "notes.txt").write_text("ignored")
    images = cls.load_folder(folder, size=12, channels=3)
    assert images.class_names == ["cat", "dog"]
    assert images.x.shape == (6, 12, 12, 3) and images.x.dtype == np.float32
    assert images.y.tolist() == [0, 0, 0, 1, 1, 1]
    assert 0 <= images.x.min() and images.x.max() <= 255 and images.x.max() > 100
    assert [p.name for p in images.ids] == ["cat0.png", "cat1.jpg", "cat2.png", "dog0.png", "dog1.png", "dog2.bmp"]
    gray = cls.load_folder(folder, size=5, channels=1)
    assert gray.x.shape == (6, 5, 5, 1)
    assert cls.folder_channels(images.ids) == 3
    assert cls.folder_channels([images.ids[1], images.ids[4]]) == 1  # an L JPEG and a 16-bit PNG


def test_to_model_input_channels_and_scale():
    rgb = np.zeros((4, 6, 3), np.float32)
    rgb[..., 0] = 1.0  # pure red
    gray = cls.to_model_input(rgb, size=3, channels=1).numpy()
    assert gray.shape == (3, 3, 1)
    np.testing.assert_allclose(gray, 0.299 * 255, rtol=1e-5)
    white = cls.to_model_input(np.ones((5, 5, 1), np.float32), size=8, channels=3).numpy()
    assert white.shape == (8, 8, 3)
    np.testing.assert_allclose(white, 255.0, rtol=1e-6)


@pytest.mark.parametrize(
    "make, fragments",
    [
        (lambda root: root / "missing", ["no such folder", "missing"]),
        (
            lambda root: (root / "flat").mkdir() or write_image(root / "flat" / "a.png", (4, 4)).parent,
            ["has no class subfolders"],
        ),
        (lambda root: class_folder(root, {"only": [(4, 4, "RGB", ".png")]}), ["only one class subfolder (only)"]),
        (
            lambda root: (class_folder(root, {"a": [(4, 4, "RGB", ".png")]}) / "empty").mkdir() or root / "classes",
            ["class folder", "empty has no image files"],
        ),
    ],
    ids=["missing", "no-subfolders", "one-class", "empty-class"],
)
def test_bad_folders(tmp_path, make, fragments):
    folder = make(tmp_path)
    with pytest.raises(UserInputError) as err:
        cls.load_folder(folder, size=8, channels=1)
    for fragment in fragments:
        assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_corrupt_image_is_named(tmp_path):
    folder = class_folder(tmp_path, MIXED)
    (folder / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    with pytest.raises(UserInputError, match="broken.png"):
        cls.load_folder(folder, size=8, channels=3)


def test_stratified_split_is_seeded_disjoint_and_complete():
    labels = np.repeat([0, 1, 2], [10, 7, 3])
    first = cls.stratified_split(labels, seed=0)
    again = cls.stratified_split(labels, seed=0)
    other = cls.stratified_split(labels, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    train, val, test = first
    assert sorted(np.concatenate(first).tolist()) == list(range(20))
    for part in (val, test):
        assert set(labels[part]) == {0, 1, 2}  # every class in every part
    assert [int(np.sum(labels[train] == c)) for c in range(3)] == [6, 5, 1]
    with pytest.raises(UserInputError, match="class 1 has 2 images"):
        cls.stratified_split(np.array([0, 0, 0, 1, 1]))


def test_digits_split_is_fixed_and_written_out(tmp_path):
    split = cls.load_split(size=8, channels=1)  # neither folder nor dataset: digits
    assert split.source == "digits" and split.seed == cls.SPLIT_SEED
    assert (len(split.train), len(split.val), len(split.test)) == (1079, 359, 359)
    assert split.train.x.shape == (1079, 8, 8, 1) and split.train.x.max() == pytest.approx(255.0)
    record = json.loads(write_json(split.record(), tmp_path / "split.json").read_text())
    again = cls.load_split(dataset="digits", size=32, channels=3).record()
    assert record == again  # the same images whatever the input size
    assert sorted(record["train"] + record["val"] + record["test"]) == list(range(1797))
    assert record["class_names"] == [str(i) for i in range(10)]


def test_folder_split_records_files(tmp_path):
    folder = class_folder(tmp_path, {c: [(6, 6, "RGB", ".png")] * 5 for c in ("a", "b")})
    split = cls.load_split(data=folder, size=6, channels=3)
    record = split.record()
    assert (len(record["train"]), len(record["val"]), len(record["test"])) == (6, 2, 2)
    assert all(isinstance(f, str) and f.endswith(".png") for f in record["test"])
    small = class_folder(tmp_path, {"a": [(6, 6, "RGB", ".png")] * 3, "b": [(6, 6, "RGB", ".png")] * 2}, name="small")
    with pytest.raises(UserInputError, match="class 'b' has 2 images"):
        cls.load_split(data=small, size=6, channels=3)


def test_unknown_dataset():
    with pytest.raises(UserInputError, match="unknown dataset 'imagenet'"):
        cls.load_split(dataset="imagenet", size=8, channels=1)


def test_keras_dataset_not_cached(monkeypatch):
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/mnist.npz: None -- no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(UserInputError) as err:
        cls.load_split(dataset="mnist", size=28, channels=1)
    message = str(err.value)
    assert "cannot load dataset mnist" in message and "mnist.npz" in message and "\n" not in message


def test_keras_dataset_split(monkeypatch):
    rng = np.random.default_rng(0)
    fake = (
        (rng.integers(0, 256, (120, 28, 28), dtype=np.uint8), np.arange(120) % 10),
        (rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), np.arange(30) % 10),
    )
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda **kwargs: fake)
    split = cls.load_split(dataset="mnist", size=32, channels=3)
    assert (len(split.train), len(split.val), len(split.test)) == (100, 20, 30)  # Keras' test set kept whole
    assert split.train.x.shape == (100, 32, 32, 3) and split.test.ids[0] == "test:0"
    assert split.class_names == [str(i) for i in range(10)]
    native = cls.load_split(dataset="mnist", size=28, channels=1)
    np.testing.assert_array_equal(native.test.x[..., 0], fake[1][0])  # no resize: the pixels as stored


def test_training_pipeline_shapes_and_augmentation():
    images = cls.LabeledImages(
        np.full((6, 8, 8, 1), 200, np.float32), np.arange(6, dtype=np.int32) % 2, ["a", "b"], list(range(6))
    )
    plain = next(iter(cls.training_dataset(images, batch_size=4, augment=False)))
    assert plain[0].shape == (4, 8, 8, 1) and plain[1].shape == (4,)
    np.testing.assert_array_equal(plain[0].numpy(), 200)
    augmented = next(iter(cls.training_dataset(images, batch_size=4, augment=True, flip=True)))
    assert augmented[0].shape == (4, 8, 8, 1)
    assert [layer.__class__.__name__ for layer in cls.augmentation(flip=True).layers] == [
        "RandomTranslation",
        "RandomRotation",
        "RandomZoom",
        "RandomFlip",
    ]
    assert "RandomFlip" not in [layer.__class__.__name__ for layer in cls.augmentation().layers]
    batches = list(cls.evaluation_dataset(images, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 2]
