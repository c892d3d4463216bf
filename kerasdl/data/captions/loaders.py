"""Loaders for captioned-image folders, with one-line errors.

Three layouts, found by :func:`load_captions`:

* Flickr8k: a folder with ``Flickr8k.token.txt`` (``<image>#<n>\\t<caption>`` lines), the
  split lists ``Flickr_8k.trainImages.txt`` / ``devImages`` / ``testImages`` and the images
  (``Flicker8k_Dataset/``, ``Flickr8k_Dataset/``, ``Images/`` or ``images/``).
* CSV: a ``captions.txt`` or ``*.csv`` file with the header ``image,caption`` (one row per
  caption), images in ``images/`` beside it. The split follows the Flickr8k lists of
  ``split_lists`` when given (images in no list are dropped), else a seeded 80/10/10 split
  by image.
* COCO: a captions JSON (``{"images": [{"id", "file_name"}], "annotations": [{"image_id",
  "caption"}]}``), images in ``images/`` beside it or next to it. An image's ``"split"``
  field (Karpathy's ``train``/``restval``/``val``/``test``) sets its split, else seeded 80/10/10.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import pathlib

import numpy as np

from kerasdl.errors import UserInputError

SPLITS = ("train", "val", "test")
FLICKR_TOKENS = "Flickr8k.token.txt"
FLICKR_LISTS = {
    "train": "Flickr_8k.trainImages.txt",
    "val": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
FLICKR_IMAGE_FOLDERS = ("Flicker8k_Dataset", "Flickr8k_Dataset", "Images", "images")


@dataclasses.dataclass
class CaptionSplit:
    """Images and their reference captions.

    Attributes:
        names: an id per image (the file name for image files).
        captions: per image, its reference captions.
        images: uint8 ``(n, h, w, 3)`` pixels, when held in memory (generated scenes).
        paths: per image, its file, when read from disk.
    """

    names: list
    captions: list
    images: np.ndarray | None = None
    paths: list | None = None

    def __len__(self):
        return len(self.names)

    def subset(self, count):
        """The first ``count`` images."""
        return CaptionSplit(
            self.names[:count],
            self.captions[:count],
            None if self.images is None else self.images[:count],
            None if self.paths is None else self.paths[:count],
        )


def _read_text(path: pathlib.Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError(f"cannot read {path}: {err}") from None


def _image_folder(base: pathlib.Path, images, candidates) -> pathlib.Path:
    if images is not None:
        folder = pathlib.Path(images)
        if not folder.is_dir():
            raise UserInputError(f"no such image folder: {folder}")
        return folder
    for name in candidates:
        if (base / name).is_dir():
            return base / name
    raise UserInputError(f"no image folder beside {base} (looked for {', '.join(candidates)}); pass --images FOLDER")


def _assemble(by_image: dict, folder: pathlib.Path, membership: dict, source) -> dict:
    """Splits of ``{image: [captions]}``, every image file checked to exist."""
    missing = [name for name in by_image if name in membership and not (folder / name).is_file()]
    if missing:
        raise UserInputError(
            f"{len(missing)} of {sum(n in membership for n in by_image)} images captioned in {source} "
            f"are missing from {folder} (first: {', '.join(missing[:3])})"
        )
    splits = {}
    for split in SPLITS:
        names = [n for n in by_image if membership.get(n) == split]
        splits[split] = CaptionSplit(
            names=names, captions=[by_image[n] for n in names], paths=[folder / n for n in names]
        )
    if not len(splits["train"]):
        raise UserInputError(f"no training images in {source}")
    return splits


def _seeded_membership(names, seed) -> dict:
    """80/10/10 train/val/test by image, seeded; at least one test and val image when there are three."""
    order = np.random.default_rng(seed).permutation(len(names))
    n = len(names)
    n_test = max(1, n // 10) if n >= 3 else 0
    n_val = max(1, n // 10) if n >= 3 else 0
    membership = {}
    for rank, i in enumerate(order):
        membership[names[i]] = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
    return membership


def _flickr_lists(folder: pathlib.Path) -> dict:
    membership = {}
    for split, file in FLICKR_LISTS.items():
        path = folder / file
        if not path.is_file():
            raise UserInputError(f"missing Flickr8k split list {path}")
        for line in _read_text(path).splitlines():
            if line.strip():
                membership.setdefault(line.strip(), split)
    return membership


def load_flickr8k(folder, *, images=None) -> dict:
    """Train/val/test :class:`CaptionSplit` of a Flickr8k folder (see the module docstring)."""
    folder = pathlib.Path(folder)
    by_image: dict = {}
    for number, line in enumerate(_read_text(folder / FLICKR_TOKENS).splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, caption = line.partition("\t")
        if not sep or "#" not in key:
            raise UserInputError(f"{folder / FLICKR_TOKENS}, line {number}: expected '<image>#<n><TAB><caption>'")
        by_image.setdefault(key.rsplit("#", 1)[0], []).append(caption.strip())
    image_folder = _image_folder(folder, images, FLICKR_IMAGE_FOLDERS)
    return _assemble(by_image, image_folder, _flickr_lists(folder), folder / FLICKR_TOKENS)


def load_csv(path, *, images=None, split_lists=None, seed=0) -> dict:
    """Train/val/test :class:`CaptionSplit` of an ``image,caption`` CSV (see the module docstring)."""
    path = pathlib.Path(path)
    rows = list(csv.reader(_read_text(path).splitlines()))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "image" not in header or "caption" not in header:
        raise UserInputError(
            f"{path}: expected a header with 'image' and 'caption' columns, got {rows[0] if rows else 'an empty file'}"
        )
    i_image, i_caption = header.index("image"), header.index("caption")
    by_image: dict = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) <= max(i_image, i_caption):
            raise UserInputError(f"{path}, line {number}: expected {len(header)} columns, got {len(row)}")
        by_image.setdefault(row[i_image].strip(), []).append(row[i_caption].strip())
    if not by_image:
        raise UserInputError(f"{path} holds no captions")
    folder = _image_folder(path.parent, images, ("images", "Images"))
    if split_lists is not None:
        lists = pathlib.Path(split_lists)
        if not lists.is_dir():
            raise UserInputError(f"no such split-list folder: {lists}")
        membership = _flickr_lists(lists)
    else:
        membership = _seeded_membership(list(by_image), seed)
    return _assemble(by_image, folder, membership, path)


def load_coco(path, *, images=None, seed=0) -> dict:
    """Train/val/test :class:`CaptionSplit` of a COCO captions JSON (see the module docstring)."""
    path = pathlib.Path(path)
    try:
        data = json.loads(_read_text(path))
        files = {entry["id"]: entry["file_name"] for entry in data["images"]}
        splits = {entry["file_name"]: entry.get("split") for entry in data["images"]}
        by_image: dict = {}
        for annotation in data["annotations"]:
            by_image.setdefault(files[annotation["image_id"]], []).append(str(annotation["caption"]).strip())
    except json.JSONDecodeError as err:
        raise UserInputError(f"{path} is not valid JSON: {err}") from None
    except (KeyError, TypeError) as err:
        raise UserInputError(f"{path} is not a COCO captions file (missing or bad key {err})") from None
    if not by_image:
        raise UserInputError(f"{path} holds no captions")
    folder = _image_folder(path.parent, images, ("images", "Images", "."))
    if any(splits.values()):
        karpathy = {"train": "train", "restval": "train", "val": "val", "test": "test"}
        membership = {name: karpathy.get(split) for name, split in splits.items()}
    else:
        membership = _seeded_membership(list(by_image), seed)
    return _assemble(by_image, folder, membership, path)


def load_captions(path, *, images=None, split_lists=None, seed=0) -> dict:
    """Train/val/test splits of whatever layout ``path`` holds (Flickr8k folder, CSV, COCO JSON)."""
    path = pathlib.Path(path)
    if not path.exists():
        raise UserInputError(f"no such file or folder: {path}")
    if path.is_dir():
        if (path / FLICKR_TOKENS).is_file():
            return load_flickr8k(path, images=images)
        for name in ("captions.txt", "captions.csv"):
            if (path / name).is_file():
                return load_csv(path / name, images=images, split_lists=split_lists, seed=seed)
        jsons = sorted(path.glob("captions*.json"))
        if len(jsons) == 1:
            return load_coco(jsons[0], images=images, seed=seed)
        raise UserInputError(f"{path} holds no {FLICKR_TOKENS}, captions.txt/.csv or one captions*.json")
    if path.name == FLICKR_TOKENS:
        return load_flickr8k(path.parent, images=images)
    if path.suffix.lower() == ".json":
        return load_coco(path, images=images, seed=seed)
    return load_csv(path, images=images, split_lists=split_lists, seed=seed)


def read_images(split: CaptionSplit, size: int) -> np.ndarray:
    """uint8 ``(n, size, size, 3)`` pixels of a split, decoded and resized as the serving signature does."""
    import tensorflow as tf

    from kerasdl.data.captions.images import decode_and_resize

    if split.images is not None:
        if split.images.shape[1:3] == (size, size):
            return split.images
        resized = tf.image.resize(tf.cast(split.images, tf.float32) / 255.0, (size, size), antialias=True)
        return np.rint(np.clip(resized.numpy(), 0, 1) * 255).astype(np.uint8)
    out = np.zeros((len(split), size, size, 3), np.uint8)
    for i, path in enumerate(split.paths):
        try:
            data = pathlib.Path(path).read_bytes()
        except OSError as err:
            raise UserInputError(f"cannot read image {path}: {err.strerror or err}") from None
        try:
            image = decode_and_resize(tf.constant(data), size)
        except tf.errors.InvalidArgumentError as err:
            raise UserInputError(
                f"cannot read image {path}: corrupt or not an image ({err.message.splitlines()[0]})"
            ) from None
        out[i] = np.rint(image.numpy() * 255).astype(np.uint8)
    return out


__all__ = ["CaptionSplit", "load_captions", "load_coco", "load_csv", "load_flickr8k", "read_images", "SPLITS"]
