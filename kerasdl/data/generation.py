"""Images to learn a generative model from: MNIST, scikit-learn's digits, folders, ``.npz`` files.

Every source becomes a :class:`GenerationData`: float32 pixels in [0, 1] with integer labels
(one class, ``"images"``, for a folder of unlabelled images), split into training,
validation and test parts. A test set that comes with the data (MNIST's 10,000 digits) is
kept as it is and never trained on.
"""

from __future__ import annotations

import dataclasses
import pathlib

import numpy as np

from kerasdl.errors import UserInputError

DATASETS = ("digits", "mnist")
UNLABELLED = "images"  # the one class of a folder without class subfolders


@dataclasses.dataclass
class GenerationData:
    """Images in [0, 1] with labels, in three parts.

    Attributes:
        train, val, test: float32 ``(n, h, w, c)`` pixels in [0, 1].
        train_labels, val_labels, test_labels: int32 ``(n,)`` class indices.
        class_names: one name per class (``["images"]`` for unlabelled data).
        source: what was read (a folder, ``"digits"``, ``"mnist"``, a file).
    """

    train: np.ndarray
    train_labels: np.ndarray
    val: np.ndarray
    val_labels: np.ndarray
    test: np.ndarray
    test_labels: np.ndarray
    class_names: list[str]
    source: str

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(int(d) for d in self.train.shape[1:])

    @property
    def labelled(self) -> bool:
        """Whether the images have classes a conditional model can learn (at least two)."""
        return len(self.class_names) >= 2

    def describe(self) -> str:
        h, w, c = self.image_shape
        classes = f"{len(self.class_names)} classes" if self.labelled else "unlabelled"
        return (
            f"{len(self.train)} training images ({len(self.val)} validation, {len(self.test)} test) "
            f"of {self.source}, {h}x{w}x{c}, {classes}"
        )


def _folder_images(path: pathlib.Path, *, size: int | None, channels: int | None):
    """A folder of class subfolders, or of images (one class); ``(x, y, names)`` with x on 0-255."""
    from kerasdl.data.classification import class_folders, folder_channels, load_folder, to_model_input
    from kerasdl.data.images import find_images, load_image

    if not path.is_dir():
        raise UserInputError(f"no such folder: {path}")
    if any(p.is_dir() and not p.name.startswith(".") for p in path.iterdir()):
        _, per_class = class_folders(path)
        files = [f for class_files in per_class for f in class_files]
        images = load_folder(path, size=size or _first_side(files), channels=channels or folder_channels(files))
        return images.x, images.y, images.class_names
    files = find_images(path)  # raises when there are none
    size, channels = size or _first_side(files), channels or folder_channels(files)
    x = np.stack([to_model_input(load_image(f), size=size, channels=channels).numpy() for f in files])
    return x, np.zeros(len(x), np.int32), [UNLABELLED]


def _first_side(files) -> int:
    """The shorter side of the first image (the others are resized to squares of it)."""
    from kerasdl.data.images import load_image

    h, w = load_image(files[0]).shape[:2]
    return int(min(h, w))


def _split(x, y, names, *, seed: int, source: str) -> GenerationData:
    from kerasdl.data.classification import stratified_split

    if len(x) < 3:
        raise UserInputError(f"{source} has {len(x)} images; a training, validation and test part need at least 3")
    try:
        train, val, test = stratified_split(y, fractions=(0.8, 0.1, 0.1), seed=seed)
    except UserInputError as err:
        raise UserInputError(f"{source}: {err}") from None
    return GenerationData(x[train], y[train], x[val], y[val], x[test], y[test], list(names), source)


def _with_own_test(x_train, y_train, x_test, y_test, names, *, seed: int, source: str) -> GenerationData:
    """Data with its own test set: a tenth of the training part is held out for validation."""
    from kerasdl.data.classification import stratified_split

    train, val = stratified_split(y_train, fractions=(0.9, 0.1), seed=seed)
    return GenerationData(
        x_train[train], y_train[train], x_train[val], y_train[val], x_test, y_test, list(names), source
    )


def _pixels(x, *, size, channels) -> np.ndarray:
    """uint8 or 0-255 arrays ``(n, h, w[, c])`` to float32 ``(n, size, size, channels)`` in [0, 1]."""
    from kerasdl.data.classification import _resize_batch

    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    x = x.astype(np.float32)
    size = size or int(x.shape[1])
    channels = channels or int(x.shape[-1])
    return _resize_batch(x, size=size, channels=channels) / 255.0


def load_generation_data(
    *, data=None, dataset=None, dataset_file=None, size: int | None = None, channels: int | None = None, seed: int = 0
) -> GenerationData:
    """The images a generative model learns from, split 80/10/10 (or around the data's own test set).

    Args:
        data: a folder of class subfolders (conditional models learn the classes) or of images.
        dataset: ``"digits"`` (scikit-learn's 8x8 digits, the default) or ``"mnist"`` (Keras' cache).
        dataset_file: an ``.npz`` with ``x_train, y_train, x_test, y_test`` (as MNIST's), read directly.
        size: the side images are resized to (default: the data's own).
        channels: 1 or 3 (default: the data's own).
        seed: the split's seed.

    Raises:
        UserInputError: no such folder or file, no images, a damaged file, too few images.
    """
    from kerasdl.data.classification import CLASS_NAMES, load_keras_dataset, read_npz_dataset

    given = [name for name, value in (("data", data), ("dataset", dataset), ("dataset_file", dataset_file)) if value]
    if len(given) > 1:
        raise UserInputError(f"give one of data, dataset and dataset_file, not {' and '.join(given)}")
    if data is not None:
        x, y, names = _folder_images(pathlib.Path(data), size=size, channels=channels)
        return _split(x / 255.0, y, names, seed=seed, source=str(data))
    if dataset_file is not None:
        (x_train, y_train), (x_test, y_test) = read_npz_dataset(dataset_file)
        classes = int(max(y_train.max(), y_test.max())) + 1
        names, source = [str(i) for i in range(classes)], str(dataset_file)
    else:
        dataset = dataset or "digits"
        if dataset not in DATASETS:
            raise UserInputError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
        if dataset == "digits":
            from sklearn.datasets import load_digits

            digits = load_digits()
            x = _pixels(digits.images * (255.0 / 16.0), size=size, channels=channels)
            return _split(x, digits.target.astype(np.int32), CLASS_NAMES["digits"], seed=seed, source="digits")
        (x_train, y_train), (x_test, y_test) = load_keras_dataset(dataset)
        names, source = CLASS_NAMES[dataset], dataset
    return _with_own_test(
        _pixels(x_train, size=size, channels=channels),
        np.asarray(y_train).reshape(-1).astype(np.int32),
        _pixels(x_test, size=size, channels=channels),
        np.asarray(y_test).reshape(-1).astype(np.int32),
        names,
        seed=seed,
        source=source,
    )


def binarize(images: np.ndarray, *, seed: int) -> np.ndarray:
    """Dynamic binarisation (Salakhutdinov & Murray 2008): each pixel is 1 with its grey level's probability."""
    rng = np.random.default_rng(seed)
    return (rng.random(images.shape, dtype=np.float32) < images).astype(np.float32)


def training_dataset(images, labels=None, *, batch_size: int, seed: int, target: str, binary: bool = False):
    """An endless, shuffled ``tf.data`` pipeline of training batches.

    Args:
        images: float32 ``(n, h, w, c)`` in [0, 1].
        labels: int ``(n,)`` class indices, for conditional models; None otherwise.
        batch_size: images per batch.
        seed: the shuffle's (and binarisation's) seed.
        target: ``"reconstruction"`` (an autoencoder: ``(x, x)`` or ``((x, label), x)``) or
            ``"none"`` (a GAN: ``x`` or ``(x, label)``).
        binary: binarise each batch afresh (a Bernoulli decoder's data).
    """
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(
        (images,) if labels is None else (images, np.asarray(labels, np.int32).reshape(-1, 1))
    )
    ds = ds.shuffle(min(len(images), 60000), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(batch_size, drop_remainder=len(images) >= batch_size)
    rng = tf.random.Generator.from_seed(seed)

    def arrange(*batch):
        x = batch[0]
        if binary:
            x = tf.cast(rng.uniform(tf.shape(x)) < x, tf.float32)
        inputs = x if labels is None else (x, batch[1])
        return (inputs, x) if target == "reconstruction" else inputs

    return ds.map(arrange, num_parallel_calls=1).prefetch(2)


def evaluation_dataset(images, labels=None, *, batch_size: int, target: str, binary: bool = False, seed: int = 0):
    """A finite ``tf.data`` pipeline of ``images`` (binarised once, with ``seed``, when ``binary``)."""
    import tensorflow as tf

    x = binarize(images, seed=seed) if binary else images
    inputs = x if labels is None else (x, np.asarray(labels, np.int32).reshape(-1, 1))
    parts = (inputs, x) if target == "reconstruction" else (inputs,)
    return tf.data.Dataset.from_tensor_slices(parts).batch(batch_size)
