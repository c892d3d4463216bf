"""Semantic-segmentation data: image folders with class-index masks, COCO annotations, seeded splits.

Every loader returns a :class:`SegmentationData`: images as float32 ``(h, w, c)`` in [0, 1], one
int32 ``(h, w)`` mask of class indices per image (0 = background, :data:`IGNORE_INDEX` = 255 a
"void" pixel that is neither trained on nor scored) and the class names. Two layouts are read:

- mask folders: ``images/NAME.png|jpg|...`` and ``masks/NAME.png`` (same name, any subfolders),
  masks one channel of class indices (8- or 16-bit grayscale or palette PNGs, as PASCAL VOC's
  ``SegmentationClass``), and an optional ``classes.txt`` with one class name per line,
  ``background`` first;
- COCO: an annotations ``.json`` (polygons or RLE, rasterised by pycocotools) with its images beside
  it, in ``images/`` beside it, or beside its ``annotations/`` folder.

Example:
    >>> from kerasdl.data.digit_scenes import digit_scene_splits
    >>> data = scenes_as_data(digit_scene_splits(sizes={"train": 10, "val": 2, "test": 2})["train"])
    >>> parts = split_segmentation_data(data)
    >>> len(parts["train"]), len(parts["val"]), len(parts["test"]), data.class_names[:2]
    (8, 1, 1, ['background', '0'])
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import pathlib

import numpy as np

from kerasdl.data.annotation_files import (
    AnnotatedImages,
    annotation_files,
    files_by_name,
    read_class_names,
    split_images,
)
from kerasdl.errors import UserInputError

LAYOUTS = (
    "a folder with images/ and masks/ subfolders (mask PNGs of class indices, same names as the images), "
    "or COCO annotations (a .json file, or a folder holding exactly one)"
)
CLASSES_FILE = "classes.txt"
# PASCAL VOC's "void" label: object borders and regions too hard to label, in no class. Loss and
# scores skip these pixels (``ignore_class`` in Keras' losses and metrics); no class has this index.
IGNORE_INDEX = 255
LOSSY_SUFFIXES = (".jpg", ".jpeg", ".webp")


@dataclasses.dataclass
class SegmentationData(AnnotatedImages):
    """Images with per-pixel class masks.

    Attributes:
        images: per image, float32 ``(h, w, c)`` in [0, 1], ``c`` = 1 or 3.
        masks: per image, int32 ``(h, w)`` class indices; 0 is the background, :data:`IGNORE_INDEX`
            (255) a void pixel, in no class.
        class_names: one name per class index; index 0 is ``"background"``.
        names: one per image: its file name without the suffix (relative to the images' folder).
        source: where the data came from (a folder, a file, a dataset name).
    """

    images: list[np.ndarray]
    masks: list[np.ndarray]
    class_names: list[str]
    names: list[str]
    source: str

    per_image = ("images", "masks", "names")


# ---------------------------------------------------------------- mask folders


def read_mask(path) -> np.ndarray:
    """A mask file as int32 ``(h, w)`` class indices.

    Accepted: 8- or 16-bit grayscale, palette (the palette indices) and bilevel PNGs, and colour
    files whose channels are all equal.

    Raises:
        UserInputError: unreadable, lossy (JPEG, WebP), or not one channel of non-negative integers.
    """
    from PIL import Image, UnidentifiedImageError

    path = pathlib.Path(path)
    if path.suffix.lower() in LOSSY_SUFFIXES:
        raise UserInputError(
            f"mask {path} is a lossy {path.suffix} file, which alters class indices; save masks as PNG"
        )
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            pixels = np.asarray(img)
    except UnidentifiedImageError:
        raise UserInputError(f"not an image file (or an unsupported format): {path}") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise UserInputError(f"cannot read mask {path}: corrupt or truncated ({err})") from None
    if mode in ("LA", "PA"):
        pixels = pixels[..., 0]
    elif mode in ("RGB", "RGBA"):
        if not (np.all(pixels[..., 0] == pixels[..., 1]) and np.all(pixels[..., 1] == pixels[..., 2])):
            raise UserInputError(
                f"mask {path} is in colour ({mode}); a mask is one channel of integer class indices "
                "(a grayscale or palette PNG)"
            )
        pixels = pixels[..., 0]
    elif mode not in ("1", "L", "P", "I", "I;16", "I;16B", "I;16L", "I;16N"):
        raise UserInputError(
            f"mask {path} has pixel mode {mode}; a mask is one channel of integer class indices (a grayscale or palette PNG)"
        )
    pixels = pixels.astype(np.int64)
    if pixels.min() < 0:
        raise UserInputError(f"mask {path} holds negative values ({pixels.min()}); class indices start at 0")
    return pixels.astype(np.int32)


def load_mask_folders(path, *, channels: int | None = None) -> SegmentationData:
    """Images and their class-index masks from ``path/images/`` and ``path/masks/``.

    A mask has its image's name (any suffix; subfolders mirror each other) and size, and holds
    class indices, 0 the background. ``path/classes.txt`` (one name per line, background first) names
    the classes; without it they are ``background, 1, 2, ...`` up to the largest index found.

    The value 255 is read by one rule over all the masks of the folder:

    - binary masks: when every mask holds only 0 and 255 and ``classes.txt`` is absent or names
      two classes, 255 is the object (white on black) and becomes class 1;
    - otherwise 255 is PASCAL VOC's void (:data:`IGNORE_INDEX`): kept as 255 in the masks, left out
      of the loss and the scores, and not a class. A VOC folder whose masks hold only background
      and void is told apart from binary masks by its ``classes.txt`` naming more than two classes.

    Args:
        path: the dataset folder.
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: a missing folder, no images, an image without a mask or a mask without an
            image, a mask unreadable, lossy, in colour or of another size than its image, a mask
            value beyond the class names, ``classes.txt`` naming a class 255 (the void index), or
            masks that are all background. The file is named.
    """
    from kerasdl.data.images import load_image

    path = pathlib.Path(path)
    if not path.is_dir():
        raise UserInputError(f"no such folder: {path}" if not path.exists() else f"not a folder: {path}")
    image_dir, mask_dir = path / "images", path / "masks"
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise UserInputError(f"folder {path} has no {folder.name}/ subfolder; expected {LAYOUTS}")
    image_files, mask_files = files_by_name(image_dir), files_by_name(mask_dir)
    for key, f in image_files.items():
        if key not in mask_files:
            raise UserInputError(f"image {f} has no mask (expected {mask_dir / key}.png)")
    for key, f in mask_files.items():
        if key not in image_files:
            raise UserInputError(f"mask {f} has no image in {image_dir}")
    names = sorted(image_files)
    images, masks = [], []
    for key in names:
        image = load_image(image_files[key], channels=channels)
        mask = read_mask(mask_files[key])
        if mask.shape != image.shape[:2]:
            raise UserInputError(
                f"mask {mask_files[key]} is {mask.shape[1]}x{mask.shape[0]} pixels but its image "
                f"{image_files[key]} is {image.shape[1]}x{image.shape[0]}"
            )
        images.append(image)
        masks.append(mask)
    classes_file = path / CLASSES_FILE
    class_names = (
        read_class_names(classes_file, minimum=2, what="the background and at least one class")
        if classes_file.is_file()
        else None
    )
    values = np.unique(np.concatenate([np.unique(m) for m in masks]))
    if _binary_masks(values, class_names):
        masks = [(m > 0).astype(np.int32) for m in masks]  # binary masks saved as 0/255
        values = np.array([0, 1])
    if class_names is not None and len(class_names) > IGNORE_INDEX:
        raise UserInputError(
            f"{classes_file} names {len(class_names)} classes; class indices end at {IGNORE_INDEX - 1}, "
            f"{IGNORE_INDEX} marks void pixels (PASCAL VOC's border label)"
        )
    classes = values[values != IGNORE_INDEX]  # the void label is no class; masks of 255 alone were binary
    if class_names is None:
        if classes[-1] == 0:
            raise UserInputError(
                f"every mask in {mask_dir} is all 0 (background); masks hold class indices 1, 2, ... where objects are"
            )
        class_names = ["background", *(str(k) for k in range(1, int(classes[-1]) + 1))]
    for key, mask in zip(names, masks):
        found = mask[mask != IGNORE_INDEX]
        top = int(found.max()) if found.size else 0
        if top >= len(class_names):
            raise UserInputError(
                f"mask {mask_files[key]} holds class {top} but {classes_file} names only classes 0-{len(class_names) - 1}"
            )
    return SegmentationData(images, masks, class_names, names, str(path))


def _binary_masks(values: np.ndarray, class_names: list[str] | None) -> bool:
    """Whether masks holding ``values`` (sorted, over the whole folder) are binary masks saved as 0/255.

    They are when 255 is there, nothing but 0 beside it, and no ``classes.txt`` names more than
    two classes (which would make the 255 PASCAL VOC's void instead).
    """
    return (
        values[-1] == IGNORE_INDEX
        and set(values.tolist()) <= {0, IGNORE_INDEX}
        and (class_names is None or len(class_names) == 2)
    )


# ---------------------------------------------------------------- COCO


def _segmentation(annotation, number, json_path, height, width):
    """The annotation's segmentation for pycocotools, degenerate polygons dropped; None if nothing is left."""
    segmentation = annotation.get("segmentation")
    if isinstance(segmentation, list):
        number_lists = all(
            isinstance(p, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
            for p in segmentation
        )
        if not number_lists:
            raise UserInputError(
                f"{json_path}: annotation {number}'s polygons must be lists of numbers [x1, y1, x2, y2, ...]"
            )
        polygons = [p for p in segmentation if len(p) >= 6]  # fewer than three points enclose nothing
        return polygons or None
    if isinstance(segmentation, dict) and "counts" in segmentation and "size" in segmentation:
        if list(segmentation["size"]) != [height, width]:
            raise UserInputError(
                f"{json_path}: annotation {number}'s RLE is of size {segmentation['size']} but its image is "
                f"{height}x{width} (height, width)"
            )
        return segmentation
    raise UserInputError(
        f"{json_path}: annotation {number} has no segmentation (polygons or RLE); got {segmentation!r}"
    )


def load_coco_segmentation(path, *, channels: int | None = None) -> SegmentationData:
    """Images and class-index masks from COCO annotations (polygons or RLE, crowds included).

    Category ids, in increasing order, become classes 1, 2, ... (they need not be contiguous);
    class 0 is the background. Each image's objects are rasterised by pycocotools' ``annToMask``
    and painted largest first, so smaller objects stay visible where they overlap larger ones.
    Images without annotations are all background.

    Args:
        path: the annotations ``.json``, or a folder holding exactly one (or one in ``annotations/``).
            Image ``file_name`` s are looked for beside the file, in ``images/`` beside it, and beside
            its ``annotations/`` folder.
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: no annotation file, not COCO, an image file missing or of another size than
            the file says, an annotation of an unknown image or category, or one without a mask.
            The file is named.
    """
    from pycocotools.coco import COCO

    from kerasdl.data.annotation_files import read_coco

    coco_data = read_coco(path, channels=channels)
    json_path, categories, images = coco_data.path, coco_data.categories, coco_data.images
    class_of = {cid: k + 1 for k, cid in enumerate(coco_data.category_ids)}
    class_names = ["background", *(categories[cid] for cid in coco_data.category_ids)]
    entries = {
        image_id: {"id": image_id, "file_name": name, "height": image.shape[0], "width": image.shape[1]}
        for (image_id, image), name in zip(images.items(), coco_data.names.values())
    }

    annotations = []
    for number, a in coco_data.annotations:
        image_id, category_id = a["image_id"], a["category_id"]
        entry = entries[image_id]
        segmentation = _segmentation(a, number, json_path, entry["height"], entry["width"])
        if segmentation is not None:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "number": number,
                    "image_id": image_id,
                    "category_id": category_id,
                    "segmentation": segmentation,
                    "iscrowd": int(bool(a.get("iscrowd", 0))),
                }
            )

    coco = COCO()
    coco.dataset = {
        "images": list(entries.values()),
        "annotations": annotations,
        "categories": [{"id": cid} for cid in categories],
    }
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        coco.createIndex()
    masks = {image_id: np.zeros(image.shape[:2], np.int32) for image_id, image in images.items()}
    objects = []
    for a in annotations:
        try:
            pixels = coco.annToMask(a).astype(bool)
        except Exception as err:  # noqa: BLE001 - pycocotools raises bare Exceptions for malformed masks
            raise UserInputError(f"{json_path}: annotation {a['number']}'s segmentation is malformed ({err})") from None
        objects.append((-int(pixels.sum()), a["id"], a, pixels))
    for _, _, a, pixels in sorted(objects, key=lambda o: o[:2]):  # largest first, file order on ties
        masks[a["image_id"]][pixels] = class_of[a["category_id"]]
    order = list(images)
    return SegmentationData(
        images=[images[i] for i in order],
        masks=[masks[i] for i in order],
        class_names=class_names,
        names=[coco_data.names[i] for i in order],
        source=str(json_path),
    )


# ---------------------------------------------------------------- any layout


def load_segmentation_data(path, *, channels: int | None = None) -> SegmentationData:
    """A segmentation dataset in either layout, told apart by what ``path`` holds.

    Args:
        path: a folder with ``images/`` and ``masks/`` (:func:`load_mask_folders`), or a COCO
            ``.json`` file or a folder holding exactly one (:func:`load_coco_segmentation`).
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: the path is missing or of neither layout (the message lists both), or
            the loader's own errors.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise UserInputError(f"no such file or folder: {path}")
    if path.is_file():
        if path.suffix.lower() == ".json":
            return load_coco_segmentation(path, channels=channels)
        raise UserInputError(f"cannot read segmentation data from file {path}; give {LAYOUTS}")
    if (path / "images").is_dir() and (path / "masks").is_dir():
        return load_mask_folders(path, channels=channels)
    if annotation_files(path):
        return load_coco_segmentation(path, channels=channels)
    raise UserInputError(f"cannot tell the layout of folder {path}; give {LAYOUTS}")


def scenes_as_data(scenes) -> SegmentationData:
    """Generated :class:`~kerasdl.data.digit_scenes.DigitScenes` as :class:`SegmentationData`."""
    from kerasdl.data.digit_scenes import scene_name

    return SegmentationData(
        images=list(scenes.images),
        masks=[m.astype(np.int32) for m in scenes.masks],
        class_names=["background", *scenes.class_names],
        names=[scene_name(i) for i in range(len(scenes))],
        source=scenes.source or "digit scenes",
    )


# ---------------------------------------------------------------- splits


def split_segmentation_data(data: SegmentationData, *, fractions=(0.8, 0.1, 0.1), seed: int = 0) -> dict:
    """A seeded train/validation/test split of the images.

    The images are shuffled with ``seed`` and cut by rounding; validation and test get at least
    one image each when their fraction is positive. Each part keeps the images' original order.

    Args:
        data: the images and masks.
        fractions: ``(train, val, test)``, non-negative, summing to 1, train positive.
        seed: the shuffle's seed; the same data and seed give the same split.

    Returns:
        ``{"train": SegmentationData, "val": ..., "test": ...}``.

    Raises:
        ValueError: bad ``fractions``.
        UserInputError: too few images to give every part one.
    """
    return split_images(data, fractions=fractions, seed=seed)
