"""Image sets of two domains for image-to-image translation: paired (pix2pix) or unpaired (CycleGAN).

Three layouts are read, each with one-line errors for what does not fit:

- **side by side**, pix2pix's own: each file holds a pair, A on the left half and B on the
  right (``facades/train/1.jpg``); an odd width cannot be split;
- **two folders** ``A/`` and ``B/`` (also CycleGAN's ``trainA/`` and ``trainB/``), or any two
  folders given as a pair: the pairs are the files of the same name (the relative path
  without its suffix, so ``A/x.jpg`` goes with ``B/x.png``); both must be the same size;
- **unpaired**: two folders whose files need not match (CycleGAN), each domain's images on
  their own.

Training cuts aligned random crops of a pair (the same window and flip in both images; images
smaller than the crop are enlarged first), or independent crops of each domain when unpaired.

The embedded default is made from scikit-learn's 8x8 handwritten digits, enlarged to 32x32:
``edges`` pairs each digit's edge map (Canny) with the digit, and ``inverted`` has digits in
domain A and dilated, inverted digits in domain B (a fixed, known transform, so a model trained
without pairs can still be scored against the true B). :func:`digit_edges` and
:func:`digit_transform` make the same from any array of digits (MNIST's, say).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pathlib
from collections.abc import Sequence

import numpy as np

from kerasdl.data.images import convert_channels, find_images, load_image
from kerasdl.errors import UserInputError

DIRECTIONS = ("AtoB", "BtoA")
# Subfolder names of the two-folder layout: ours, and CycleGAN's downloads (trainA, testA...).
DOMAIN_FOLDERS = (("A", "B"), ("trainA", "trainB"))
TEST_FOLDERS = ("testA", "testB")
DEFAULT_SETS = {
    "edges": "scikit-learn digits at 32x32: Canny edges (A) and the digit (B), paired",
    "inverted": "scikit-learn digits at 32x32 (A) and other digits dilated and inverted (B), unpaired",
}
DIGIT_SIDE = 32
# The digits' split: 1,797 in all; the last 200 are held out (100 validation, 100 test).
_DIGIT_SPLITS = {"train": (0, 1597), "val": (1597, 1697), "test": (1697, 1797)}


@dataclasses.dataclass
class ImagePairs:
    """Images of two domains, A and B: pairs (``a[i]`` with ``b[i]``), or two sets of their own.

    Attributes:
        a: domain A's images, float32 ``(h, w, c)`` in [0, 1].
        b: domain B's images, with the same channels.
        names_a: a name per image of ``a`` (a file's relative path, without suffix).
        names_b: a name per image of ``b`` (the same as ``names_a`` when paired).
        paired: whether ``a[i]`` and ``b[i]`` show the same scene (and have the same size).
        source: how reports name the data.
    """

    a: list
    b: list
    names_a: list[str]
    names_b: list[str]
    paired: bool
    source: str

    def __len__(self) -> int:
        return len(self.a)

    @property
    def channels(self) -> int:
        return int(self.a[0].shape[-1])

    def oriented(self, direction: str) -> ImagePairs:
        """The pairs with the input domain first: as they are for ``AtoB``, A and B swapped for ``BtoA``."""
        check_direction(direction)
        if direction == "AtoB":
            return self
        return ImagePairs(self.b, self.a, self.names_b, self.names_a, self.paired, self.source)

    def subset(self, keep_a, keep_b=None) -> ImagePairs:
        """The images at the indices ``keep_a`` of A and ``keep_b`` of B (default: the same, for pairs)."""
        keep_b = keep_a if keep_b is None else keep_b
        return ImagePairs(
            [self.a[i] for i in keep_a],
            [self.b[i] for i in keep_b],
            [self.names_a[i] for i in keep_a],
            [self.names_b[i] for i in keep_b],
            self.paired,
            self.source,
        )

    def split(self) -> tuple[ImagePairs, ImagePairs]:
        """``(training, validation)``: every tenth image (of each domain) held out; none with fewer than five."""

        def parts(count):
            if count < 5:
                return list(range(count)), list(range(count))
            return [i for i in range(count) if i % 10], list(range(0, count, 10))

        train_a, val_a = parts(len(self.a))
        if self.paired:
            return self.subset(train_a), self.subset(val_a)
        train_b, val_b = parts(len(self.b))
        return self.subset(train_a, train_b), self.subset(val_a, val_b)

    def with_channels(self, channels: int) -> ImagePairs:
        """Every image converted to ``channels`` (1: BT.601 luma, 3: RGB)."""
        return dataclasses.replace(
            self,
            a=[convert_channels(x, channels) for x in self.a],
            b=[convert_channels(x, channels) for x in self.b],
        )

    def describe(self) -> str:
        if self.paired:
            return f"{len(self.a)} pairs from {self.source}"
        return f"{len(self.a)} A and {len(self.b)} B images (unpaired) from {self.source}"


def check_direction(direction) -> str:
    """``direction`` if it is ``AtoB`` or ``BtoA``, else a one-line ``UserInputError``."""
    if direction not in DIRECTIONS:
        raise UserInputError(f"direction must be AtoB or BtoA; got {direction!r}")
    return direction


# ---------------------------------------------------------------- finding the layout


def domain_folders(folder) -> tuple[pathlib.Path, pathlib.Path] | None:
    """``(A, B)`` subfolders of ``folder`` when it holds them (``A``/``B`` or ``trainA``/``trainB``), else None."""
    folder = pathlib.Path(folder)
    for a, b in DOMAIN_FOLDERS:
        if (folder / a).is_dir() and (folder / b).is_dir():
            return folder / a, folder / b
    return None


def dataset_splits(data) -> dict | None:
    """The splits of a dataset folder as its authors ship it, or None for any other data.

    - CycleGAN's (``horse2zebra/trainA``, ``trainB``, ``testA``, ``testB``): training on the
      folder itself (its ``trainA/`` and ``trainB/``), testing on ``(testA, testB)``;
    - pix2pix's (``facades/train``, ``val``, ``test``, each of side-by-side pair images, and
      no ``A/``, ``B/``): training on ``train/``, validating on ``val/`` and testing on
      ``test/`` (on ``val/`` when there is no ``test/``, as edges2shoes ships).

    Returns:
        ``{"train": data, "val": data or None, "test": data or None}``, each a folder or a
        pair of folders, as :func:`load_pairs` takes them.
    """
    if not isinstance(data, (str, os.PathLike)) or not pathlib.Path(data).is_dir():
        return None
    folder = pathlib.Path(data)
    if (folder / "trainA").is_dir() and (folder / "trainB").is_dir() and domain_folders(folder) is not None:
        a, b = (folder / name for name in TEST_FOLDERS)
        return {"train": folder, "val": None, "test": (a, b) if a.is_dir() and b.is_dir() else None}
    if (folder / "train").is_dir() and domain_folders(folder) is None:
        val, test = folder / "val", folder / "test"
        val = val if val.is_dir() else None
        return {"train": folder / "train", "val": val, "test": test if test.is_dir() else val}
    return None


def _named(folder: pathlib.Path) -> dict[str, pathlib.Path]:
    """``{relative path without suffix: file}`` of the images in ``folder``; two files of one name are an error."""
    files = find_images(folder)
    named: dict[str, pathlib.Path] = {}
    for path in files:
        name = path.relative_to(folder).with_suffix("").as_posix() if folder.is_dir() else path.stem
        if name in named:
            raise UserInputError(f"two images named {name!r} in {folder}: {named[name].name} and {path.name}")
        named[name] = path
    return named


def _data_label(data) -> str:
    if isinstance(data, (str, os.PathLike)):
        return str(data)
    return " + ".join(str(d) for d in data)


def _two_folders(data):
    """``(A, B)`` folders named by ``data``, or None when it is one folder (or file) of side-by-side pairs."""
    if isinstance(data, (str, os.PathLike)):
        path = pathlib.Path(data)
        if not path.exists():
            raise UserInputError(f"no such file or folder: {path}")
        return domain_folders(path) if path.is_dir() else None
    if isinstance(data, Sequence) and len(data) == 2:
        return tuple(pathlib.Path(d) for d in data)
    if isinstance(data, Sequence) and len(data) == 1:
        return _two_folders(data[0])
    raise UserInputError(f"data must be a folder, or two folders (A and B); got {data!r}")


# ---------------------------------------------------------------- loading


def split_side_by_side(image: np.ndarray, *, name) -> tuple[np.ndarray, np.ndarray]:
    """``(left, right)`` halves of a pix2pix pair image; an odd width is a one-line ``UserInputError``."""
    width = image.shape[1]
    if width % 2:
        raise UserInputError(
            f"{name} is {width} pixels wide: a pix2pix pair image holds A and B side by side, so its width "
            "must be even (or give two folders, A and B)"
        )
    return image[:, : width // 2], image[:, width // 2 :]


def _common_channels(images, channels):
    if channels is None:
        channels = 1 if all(x.shape[-1] == 1 for x in images) else 3
    return channels


def load_pairs(data, *, channels: int | None = None, paired: bool = True) -> ImagePairs:
    """Reads two domains' images from any of the layouts (see the module's docs).

    Args:
        data: a folder (or file) of side-by-side pairs; a folder holding ``A/`` and ``B/``
            (or ``trainA/`` and ``trainB/``); or two folders ``(A, B)``.
        channels: 1 or 3; None: 1 when every image is grayscale, else 3.
        paired: whether pairs are required (pix2pix): two folders whose names do not all
            match, or whose pairs differ in size, are refused. Otherwise (CycleGAN) such
            folders are read as two unpaired domains, and pairs are kept where they exist.

    Returns:
        An :class:`ImagePairs`.

    Raises:
        UserInputError: a missing or empty folder, an unreadable image, an odd-width pair
            image, a name without its pair, a pair of unequal sizes (with ``paired``).
    """
    source = _data_label(data)
    folders = _two_folders(data)
    if folders is None:  # side by side
        named = _named(pathlib.Path(data))
        a, b = [], []
        for path in named.values():
            left, right = split_side_by_side(load_image(path), name=path)
            a.append(left)
            b.append(right)
        names = list(named)
        pairs = ImagePairs(a, b, names, list(names), True, source)
    else:
        pairs = _load_folders(*folders, paired=paired, source=source)
    channels = _common_channels(pairs.a + pairs.b, channels)
    return pairs.with_channels(channels)


def _load_folders(folder_a, folder_b, *, paired, source) -> ImagePairs:
    named_a, named_b = _named(folder_a), _named(folder_b)
    only_a = [n for n in named_a if n not in named_b]
    only_b = [n for n in named_b if n not in named_a]
    matched = not only_a and not only_b
    if paired and not matched:
        folder, other, names = (folder_a, folder_b, only_a) if only_a else (folder_b, folder_a, only_b)
        more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
        raise UserInputError(
            f"{named_a.get(names[0]) or named_b[names[0]]} has no pair in {other}{more}: pairs are matched by "
            f"file name; give side-by-side images, or folders of the same names"
        )
    a = [load_image(named_a[n]) for n in named_a]
    b = [load_image(named_b[n]) for n in named_b]
    names_a, names_b = list(named_a), list(named_b)
    if matched:
        b = [b[names_b.index(n)] for n in names_a]
        names_b = list(names_a)
        unequal = [n for n, x, y in zip(names_a, a, b) if x.shape[:2] != y.shape[:2]]
        if unequal and paired:
            i = names_a.index(unequal[0])
            raise UserInputError(
                f"the pair {unequal[0]!r} differs in size: {named_a[unequal[0]]} is {a[i].shape[1]}x{a[i].shape[0]}, "
                f"{named_b[unequal[0]]} is {b[i].shape[1]}x{b[i].shape[0]}"
            )
        matched = not unequal
    return ImagePairs(a, b, names_a, names_b, matched, source)


# ---------------------------------------------------------------- training patches


def fit_to_patch(image: np.ndarray, patch_size: int) -> np.ndarray:
    """``image`` enlarged (bilinear) so its shorter side is at least ``patch_size``; as it is when already so."""
    h, w = image.shape[:2]
    if min(h, w) >= patch_size:
        return image
    from skimage.transform import resize

    scale = patch_size / min(h, w)
    size = (max(patch_size, round(h * scale)), max(patch_size, round(w * scale)), image.shape[-1])
    return np.clip(resize(image, size, order=1, anti_aliasing=False), 0.0, 1.0).astype(np.float32)


def _crop(image, y, x, patch, flip):
    crop = image[y : y + patch, x : x + patch]
    return crop[:, ::-1] if flip else crop


def _random_window(image, patch, rng):
    return rng.integers(0, image.shape[0] - patch + 1), rng.integers(0, image.shape[1] - patch + 1)


def _batches(inputs, targets, paired, patch, batch_size, rng, augment):
    """Endless ``(input, target)`` batches of ``patch``-square crops (aligned when ``paired``) and mirrorings."""
    channels = inputs[0].shape[-1]
    while True:
        x = np.empty((batch_size, patch, patch, channels), np.float32)
        y = np.empty_like(x)
        for i in range(batch_size):
            k = rng.integers(len(inputs))
            source = inputs[k]
            top, left = _random_window(source, patch, rng)
            flip = bool(augment and rng.integers(2))
            x[i] = _crop(source, top, left, patch, flip)
            if paired:
                y[i] = _crop(targets[k], top, left, patch, flip)
            else:
                target = targets[rng.integers(len(targets))]
                top, left = _random_window(target, patch, rng)
                y[i] = _crop(target, top, left, patch, bool(augment and rng.integers(2)))
        yield x, y


def _oriented_images(pairs: ImagePairs, patch_size):
    return [fit_to_patch(x, patch_size) for x in pairs.a], [fit_to_patch(x, patch_size) for x in pairs.b]


def training_dataset(pairs: ImagePairs, *, patch_size=32, batch_size=16, augment=True, seed=0):
    """An endless ``tf.data.Dataset`` of ``(input, target)`` batches: A crops and their B crops.

    Args:
        pairs: the training images, input domain first (:meth:`ImagePairs.oriented`).
        patch_size: the side of the square crops; smaller images are enlarged to it first.
        batch_size: crops per batch (global, across replicas).
        augment: mirror each crop at random (the same mirroring for both images of a pair),
            as pix2pix's random jitter does.
        seed: seeds the crops and mirrorings, so runs repeat.

    Returns:
        A dataset of float32 ``(input, target)`` batches; unpaired, the target crops come from
        other, independently drawn images of domain B.
    """
    import tensorflow as tf

    if not len(pairs) or not pairs.b:
        raise UserInputError("no training images")
    inputs, targets = _oriented_images(pairs, patch_size)
    rng = np.random.default_rng(seed)
    spec = tf.TensorSpec((batch_size, patch_size, patch_size, pairs.channels), tf.float32)
    ds = tf.data.Dataset.from_generator(
        lambda: _batches(inputs, targets, pairs.paired, patch_size, batch_size, rng, augment),
        output_signature=(spec, spec),
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def validation_dataset(pairs: ImagePairs, *, patch_size=32, batch_size=16, count=64, seed=1):
    """A fixed, finite dataset of ``count`` seeded ``(input, target)`` crops (no mirroring) for validation."""
    import tensorflow as tf

    inputs, targets = _oriented_images(pairs, patch_size)
    x, y = next(_batches(inputs, targets, pairs.paired, patch_size, count, np.random.default_rng(seed), False))
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)


# ---------------------------------------------------------------- the embedded digits


def _as_stack(images) -> tuple[np.ndarray, bool]:
    """Digits as float32 ``(n, h, w)`` in [0, 1] (uint8 divided by 255), and whether a channel axis was there."""
    arr = np.asarray(images)
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 1):
        raise ValueError(f"images must be grayscale digits (n, h, w) or (n, h, w, 1); Received: shape {arr.shape}")
    stack = arr[..., 0] if arr.ndim == 4 else arr
    stack = stack.astype(np.float32) / 255.0 if stack.dtype == np.uint8 else np.clip(stack.astype(np.float32), 0, 1)
    return stack, arr.ndim == 4


def digit_edges(images, *, sigma: float = 1.0) -> np.ndarray:
    """Each digit's edge map (``skimage.feature.canny``): 1 on the outline of the strokes, 0 elsewhere.

    Args:
        images: grayscale digits ``(n, h, w)`` or ``(n, h, w, 1)``, uint8 or float in [0, 1]
            (scikit-learn's digits enlarged, MNIST...).
        sigma: the Canny Gaussian's standard deviation, in pixels.

    Returns:
        float32 edge maps in {0, 1}, the shape of ``images``.

    Example:
        >>> digit_edges(np.pad(np.ones((1, 8, 8)), ((0, 0), (4, 4), (4, 4)))).shape
        (1, 16, 16)
    """
    from skimage.feature import canny

    stack, channel_axis = _as_stack(images)
    edges = np.stack([canny(x, sigma=sigma) for x in stack]).astype(np.float32)
    return edges[..., None] if channel_axis else edges


def digit_transform(images, *, radius: int = 1) -> np.ndarray:
    """The fixed B domain of the unpaired default: each digit dilated (``skimage.morphology``), then inverted.

    Args:
        images: grayscale digits ``(n, h, w)`` or ``(n, h, w, 1)``, uint8 or float in [0, 1].
        radius: the radius of the dilation's disk, in pixels (thicker strokes).

    Returns:
        float32 images in [0, 1], the shape of ``images``: dark, bold digits on white.

    Example:
        >>> digit_transform(np.zeros((2, 8, 8))).min()
        np.float32(1.0)
    """
    from skimage.morphology import dilation, disk

    stack, channel_axis = _as_stack(images)
    footprint = disk(radius)
    out = np.stack([1.0 - dilation(x, footprint) for x in stack]).astype(np.float32)
    return out[..., None] if channel_axis else out


@functools.lru_cache(maxsize=1)
def digits(side: int = DIGIT_SIDE) -> np.ndarray:
    """scikit-learn's 1,797 handwritten 8x8 digits enlarged (bicubic) to ``side`` x ``side``: float32 ``(n, side, side)``."""
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    small = load_digits().images.astype(np.float32) / 16.0
    big = resize(small, (len(small), side, side), order=3, anti_aliasing=False)
    big = np.clip(big, 0.0, 1.0).astype(np.float32)
    big.setflags(write=False)
    return big


@functools.lru_cache(maxsize=2)
def default_pairs(kind: str = "edges") -> dict[str, ImagePairs]:
    """The embedded default: ``{"train", "val", "test"}`` :class:`ImagePairs` of the digits.

    Args:
        kind: ``"edges"``: A the digits' edges, B the digits, paired (pix2pix). ``"inverted"``:
            A digits and B other digits dilated and inverted; the training digits are split in
            two halves, one for each domain, so no training image of B shows an image of A
            (CycleGAN); the validation and test pairs keep the true B (the known transform of
            their A), to score against.

    Returns:
        ``{"train": ..., "val": ..., "test": ...}``, grayscale 32x32 images.
    """
    if kind not in DEFAULT_SETS:
        raise ValueError(f"kind must be one of {', '.join(DEFAULT_SETS)}; Received: kind={kind!r}")
    images = digits()
    source = "scikit-learn digits (" + ("edges -> digit" if kind == "edges" else "digit -> dilated, inverted") + ")"
    found = {}
    for split, (start, stop) in _DIGIT_SPLITS.items():
        part = images[start:stop]
        names = [f"digit{i:04d}" for i in range(start, stop)]
        if kind == "edges":
            a, b = digit_edges(part), part
        elif split == "train":
            half = len(part) // 2
            a, b = part[:half], digit_transform(part[half:])
            found[split] = ImagePairs(
                [x[..., None] for x in a], [x[..., None] for x in b], names[:half], names[half:], False, source
            )
            continue
        else:
            a, b = part, digit_transform(part)
        found[split] = ImagePairs(
            [x[..., None] for x in a], [x[..., None] for x in b], names, list(names), True, source
        )
    return found
