"""Image-classification data: class folders, scikit-learn's digits, Keras' datasets, seeded splits.

Every loader returns a :class:`LabeledImages`: pixels as float32 ``(n, size, size, channels)``
on the 0-255 scale (models rescale inside, so they take raw pixels), integer labels and the
class names. :func:`split` holds out a fixed, seeded, stratified validation and test part.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib

import numpy as np

from kerasdl.errors import UserInputError

DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10")
SPLIT_SEED = 0
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)  # train, validation, test
# Where keras.datasets.<name>.load_data() looks before it tries to download (under $KERAS_HOME).
KERAS_FILES = {
    "mnist": "mnist.npz",
    "fashion_mnist": "fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz",
    "cifar10": "cifar-10-batches-py-target/cifar-10-batches-py/ (extracted cifar-10-python.tar.gz)",
}
CLASS_NAMES = {
    "digits": [str(i) for i in range(10)],
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": [
        "t-shirt",
        "trouser",
        "pullover",
        "dress",
        "coat",
        "sandal",
        "shirt",
        "sneaker",
        "bag",
        "ankle boot",
    ],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
}


@dataclasses.dataclass
class LabeledImages:
    """Images with labels.

    Attributes:
        x: float32 ``(n, height, width, channels)`` pixels on the 0-255 scale.
        y: int32 ``(n,)`` class indices.
        class_names: one name per class index.
        ids: per image, what identifies it in the source (a file path or an index).
    """

    x: np.ndarray
    y: np.ndarray
    class_names: list[str]
    ids: list

    def subset(self, index) -> LabeledImages:
        index = np.asarray(index, dtype=np.int64)
        return LabeledImages(self.x[index], self.y[index], self.class_names, [self.ids[i] for i in index])

    def __len__(self) -> int:
        return len(self.y)


@dataclasses.dataclass
class Split:
    """Train, validation and test parts of one labelled source, and how they were made.

    The parts are :class:`LabeledImages` here; ``kerasdl.data.text.TextSplit`` holds texts.
    """

    train: LabeledImages
    val: LabeledImages
    test: LabeledImages
    source: str
    seed: int

    @property
    def class_names(self) -> list[str]:
        return self.train.class_names

    def record(self) -> dict:
        """The split as JSON: the source, the seed and each part's file names or indices."""
        return {
            "source": self.source,
            "seed": self.seed,
            "class_names": self.class_names,
            **{
                part: [str(i) if isinstance(i, pathlib.Path) else i for i in getattr(self, part).ids]
                for part in ("train", "val", "test")
            },
        }


# ---------------------------------------------------------------- preparing pixels


def to_model_input(image, *, size, channels):
    """One image ``(h, w, 1|3)`` in [0, 1] to the model's input: ``(size, size, channels)`` on 0-255.

    Grayscale uses ITU-R BT.601 luma; resizing is bilinear with antialiasing. The same
    TensorFlow ops run in the Python loaders and inside the exported serving signature, so
    both see the same pixels.
    """
    import tensorflow as tf

    from kerasdl.data.color import rgb_to_ycbcr

    image = tf.convert_to_tensor(image, tf.float32)
    if channels == 1 and image.shape[-1] != 1:
        image = rgb_to_ycbcr(image[..., :3])[..., :1]
    elif channels == 3 and image.shape[-1] == 1:
        image = tf.repeat(image, 3, axis=-1)
    image = tf.image.resize(image, (size, size), method="bilinear", antialias=True)
    return tf.clip_by_value(image, 0.0, 1.0) * 255.0


def _resize_batch(x, *, size, channels, batch=2048):
    """Arrays ``(n, h, w, c)`` on 0-255 to ``(n, size, size, channels)`` float32 on 0-255."""
    import tensorflow as tf

    if x.shape[1:] == (size, size, channels):
        return x.astype(np.float32)
    out = [
        to_model_input(tf.convert_to_tensor(x[i : i + batch], tf.float32) / 255.0, size=size, channels=channels).numpy()
        for i in range(0, len(x), batch)
    ]
    return np.concatenate(out).astype(np.float32)


# ---------------------------------------------------------------- sources


def class_folders(path) -> tuple[list[str], list[list[pathlib.Path]]]:
    """The class names (sorted subfolder names) and each class's image files.

    Raises:
        UserInputError: the folder is missing, has no class subfolders, or a class has no images.
    """
    from kerasdl.data.images import find_images

    path = pathlib.Path(path)
    if not path.is_dir():
        raise UserInputError(f"no such folder: {path}" if not path.exists() else f"not a folder: {path}")
    classes = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise UserInputError(
            f"folder {path} has no class subfolders; put each class's images in <folder>/<class name>/"
        )
    if len(classes) < 2:
        raise UserInputError(
            f"folder {path} has only one class subfolder ({classes[0].name}); classification needs two or more"
        )
    files = []
    for folder in classes:
        try:
            files.append(find_images(folder))
        except UserInputError:
            raise UserInputError(f"class folder {folder} has no image files") from None
    return [c.name for c in classes], files


def folder_channels(files) -> int:
    """3 if any of the images is in colour, else 1; reads only the files' headers.

    A file PIL cannot open counts as grayscale here; loading it later names it in the error.
    """
    from PIL import Image

    for f in files:
        try:
            with Image.open(f) as img:
                mode, palette = img.mode, img.palette
        except Exception:  # noqa: BLE001 - reported by load_image
            continue
        gray = mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F") or (
            mode == "P" and palette is not None and palette.mode == "L"
        )
        if not gray:
            return 3
    return 1


def load_folder(path, *, size: int, channels: int) -> LabeledImages:
    """Every image of a folder with one subfolder per class, at the model's input size.

    Args:
        path: the folder; ``<path>/<class name>/*.png|jpg|...`` (searched recursively).
        size: the side the images are resized to.
        channels: 1 (grayscale) or 3 (RGB).

    Raises:
        UserInputError: see :func:`class_folders`; also a corrupt or unreadable image, named.
    """
    from kerasdl.data.images import load_image

    names, files = class_folders(path)
    xs, ys, ids = [], [], []
    for label, class_files in enumerate(files):
        for f in class_files:
            xs.append(to_model_input(load_image(f), size=size, channels=channels).numpy())
            ys.append(label)
            ids.append(f)
    return LabeledImages(np.stack(xs).astype(np.float32), np.asarray(ys, np.int32), names, ids)


def load_digits_images(*, size: int, channels: int) -> LabeledImages:
    """scikit-learn's 1,797 8x8 handwritten digits (shipped with it), pixels scaled 0-16 -> 0-255."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.images[..., None].astype(np.float32) * (255.0 / 16.0)
    x = _resize_batch(x, size=size, channels=channels)
    return LabeledImages(x, digits.target.astype(np.int32), CLASS_NAMES["digits"], list(range(len(x))))


def keras_home() -> pathlib.Path:
    """Keras' cache root: ``$KERAS_HOME`` or ``~/.keras``."""
    return pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras"))


def load_keras_dataset(name: str, *, path=None):
    """``keras.datasets.<name>.load_data()`` with a one-line error when it is not cached.

    Args:
        name: ``"mnist"``, ``"fashion_mnist"`` or ``"cifar10"``.
        path: for MNIST, an ``mnist.npz`` file to read instead of Keras' cache.

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` with ``x`` as ``(n, h, w, c)`` uint8.

    Raises:
        UserInputError: the files are not in Keras' cache and cannot be downloaded.
    """
    import keras

    if name not in KERAS_FILES:
        raise UserInputError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    module = getattr(keras.datasets, name)
    try:
        # Keras takes ``path`` as a name under its cache and checks the download's hash, so a
        # file of the user's is read here directly (the arrays Keras' mnist.npz holds).
        (x_train, y_train), (x_test, y_test) = read_npz_dataset(path) if path else module.load_data()
    except UserInputError:
        raise
    except Exception as err:  # noqa: BLE001 - keras raises many types for a failed download
        where = path or keras_home() / "datasets" / KERAS_FILES[name]
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:160]
        raise UserInputError(
            f"cannot load dataset {name} (not cached and no download: {first}); put the file at {where}"
        ) from None
    add_axis = (lambda x: x[..., None]) if x_train.ndim == 3 else (lambda x: x)
    return (add_axis(x_train), np.asarray(y_train).reshape(-1)), (add_axis(x_test), np.asarray(y_test).reshape(-1))


NPZ_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz_dataset(path):
    """``((x_train, y_train), (x_test, y_test))`` from an ``.npz`` holding those four arrays (as Keras' mnist.npz).

    Raises:
        UserInputError: no such file, not an ``.npz``, or arrays missing or of mismatched lengths.
    """
    import zipfile

    path = pathlib.Path(path)
    if not path.is_file():
        raise UserInputError(f"no such dataset file: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in NPZ_ARRAYS if k not in archive.files]
            if missing:
                raise UserInputError(f"{path} lacks the arrays {', '.join(missing)} (it needs {', '.join(NPZ_ARRAYS)})")
            x_train, y_train, x_test, y_test = (archive[k] for k in NPZ_ARRAYS)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise UserInputError(f"{path} is not a readable .npz archive ({type(err).__name__})") from None
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if x.ndim not in (3, 4) or len(x) != len(y) or len(x) == 0:
            raise UserInputError(
                f"{path}: x_{part} must be (n, height, width[, channels]) images with one y_{part} label each; "
                f"got {x.shape} and {y.shape}"
            )
    return (x_train, y_train), (x_test, y_test)


# ---------------------------------------------------------------- splits


def stratified_split(labels, *, fractions=SPLIT_FRACTIONS, seed=SPLIT_SEED) -> tuple[np.ndarray, ...]:
    """Seeded per-class split of indices into parts of the given fractions (train first).

    Each class is shuffled with the seed and cut by rounding; every non-train part gets at
    least one image of every class, and the same labels and seed always give the same split.

    Raises:
        UserInputError: a class has too few images to give every part one.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts = [[] for _ in fractions]
    for label in np.unique(labels):
        index = np.flatnonzero(labels == label)
        index = index[rng.permutation(len(index))]
        held = [max(1, int(round(f * len(index)))) if f > 0 else 0 for f in fractions[1:]]
        if len(index) - sum(held) < 1:
            raise UserInputError(
                f"class {label} has {len(index)} images; the train/validation/test split needs at least {sum(held) + 1}"
            )
        start = len(index) - sum(held)
        parts[0].extend(index[:start])
        for k, n in enumerate(held, start=1):
            parts[k].extend(index[start : start + n])
            start += n
    return tuple(np.sort(np.asarray(p, dtype=np.int64)) for p in parts)


def _named(error: UserInputError, names) -> UserInputError:
    message = str(error)
    for i, name in enumerate(names):
        message = message.replace(f"class {i} has", f"class {name!r} has")
    return UserInputError(message)


def load_split(*, data=None, dataset=None, size: int, channels: int, seed: int = SPLIT_SEED, keras_path=None) -> Split:
    """The train/validation/test split of a class folder or a named dataset.

    A folder and scikit-learn's digits are split 60/20/20 per class with ``seed``; Keras'
    datasets keep their own test set and hold out a sixth of the training set for validation.

    Args:
        data: a folder with one subfolder per class; wins over ``dataset``.
        dataset: one of :data:`DATASETS`; with neither given, ``"digits"``.
        size: the side images are resized to.
        channels: 1 or 3.
        seed: the split's seed.
        keras_path: for MNIST, an ``mnist.npz`` to read instead of Keras' cache.
    """
    if data is not None:
        images = load_folder(data, size=size, channels=channels)
        source = str(data)
    else:
        dataset = dataset or "digits"
        if dataset not in DATASETS:
            raise UserInputError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
        source = dataset
        if dataset == "digits":
            images = load_digits_images(size=size, channels=channels)
        else:
            (x_train, y_train), (x_test, y_test) = load_keras_dataset(dataset, path=keras_path)
            names = CLASS_NAMES[dataset]
            train = LabeledImages(
                _resize_batch(x_train, size=size, channels=channels),
                y_train.astype(np.int32),
                names,
                list(range(len(y_train))),
            )
            test = LabeledImages(
                _resize_batch(x_test, size=size, channels=channels),
                y_test.astype(np.int32),
                names,
                [f"test:{i}" for i in range(len(y_test))],
            )
            train_index, val_index = stratified_split(train.y, fractions=(5 / 6, 1 / 6), seed=seed)
            return Split(train.subset(train_index), train.subset(val_index), test, source, seed)
    try:
        parts = stratified_split(images.y, seed=seed)
    except UserInputError as err:
        raise _named(err, images.class_names) from None
    return Split(*(images.subset(p) for p in parts), source=source, seed=seed)


def native_shape(*, data=None, dataset=None) -> tuple[int, int]:
    """``(side, channels)`` of the source as stored: 8x8x1 digits, 28x28x1 MNIST, 32x32x3 CIFAR-10.

    For a folder the side is None (images may differ) and channels come from the files.
    """
    if data is not None:
        _, files = class_folders(data)
        return None, folder_channels([f for class_files in files for f in class_files])
    return {"digits": (8, 1), "mnist": (28, 1), "fashion_mnist": (28, 1), "cifar10": (32, 3)}.get(
        dataset or "digits", (None, 3)
    )


# ---------------------------------------------------------------- tf.data pipelines


def augmentation(*, flip: bool = False, seed: int = 0):
    """The training-time augmentation: small shifts, rotations and zooms; mirror images with ``flip``.

    Keras preprocessing layers, run inside the ``tf.data`` pipeline (never in the model, so the
    exported model sees images as they are). Flips are off by default: they change the meaning
    of digits and letters.
    """
    import keras

    layers = [
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
        keras.layers.RandomRotation(0.05, fill_mode="constant", seed=seed + 1),
        keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 2),
    ]
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed + 3))
    return keras.Sequential(layers, name="augmentation")


def training_dataset(
    images: LabeledImages, *, batch_size: int, augment: bool = True, flip: bool = False, seed: int = 0
):
    """Endless shuffled batches ``(x, y)``, augmented when ``augment``."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images.x, images.y))
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat().batch(batch_size)
    if augment:
        layer = augmentation(flip=flip, seed=seed)
        ds = ds.map(lambda x, y: (layer(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def evaluation_dataset(images: LabeledImages, *, batch_size: int):
    """Batches ``(x, y)`` in order, once through."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((images.x, images.y)).batch(batch_size).prefetch(tf.data.AUTOTUNE)
