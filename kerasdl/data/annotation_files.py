"""What the segmentation and detection loaders share: a base for their data, seeded splits, files matched by name, class-name lists, COCO files read and checked.

A COCO annotation file is read once here (:func:`read_coco`): its images decoded and checked
against the sizes it states, its categories, and its annotations checked to name a known image and
category. The segmentation loader then rasterises the annotations' masks, the detection loader
reads their boxes.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import ClassVar

import numpy as np

from kerasdl.errors import UserInputError


class AnnotatedImages:
    """What annotated image sets share (a dataclass base): their length and subsets.

    Subclasses are dataclasses whose fields named in :attr:`per_image` hold one entry per image
    (images, masks, boxes, names...); the other fields (class names, source) describe the whole set.
    """

    per_image: ClassVar[tuple[str, ...]] = ()

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index):
        """The images at ``index`` (a sequence of ints), in that order."""
        index = [int(i) for i in index]
        values = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in self.per_image:
                values[field.name] = [value[i] for i in index]
            else:
                values[field.name] = list(value) if isinstance(value, list) else value
        return type(self)(**values)


def split_images(data: AnnotatedImages, *, fractions=(0.8, 0.1, 0.1), seed: int = 0) -> dict:
    """A seeded train/validation/test split of an annotated image set.

    The images are shuffled with ``seed`` and cut by rounding; validation and test get at least
    one image each when their fraction is positive. Each part keeps the images' original order.

    Args:
        data: the images and their annotations.
        fractions: ``(train, val, test)``, non-negative, summing to 1, train positive.
        seed: the shuffle's seed; the same data and seed give the same split.

    Returns:
        ``{"train": ..., "val": ..., "test": ...}``, each of ``data``'s type.

    Raises:
        ValueError: bad ``fractions``.
        UserInputError: too few images to give every part one.
    """
    fractions = tuple(fractions)
    if (
        len(fractions) != 3
        or not all(isinstance(f, (int, float)) and not isinstance(f, bool) and f >= 0 for f in fractions)
        or fractions[0] <= 0
        or abs(sum(fractions) - 1) > 1e-6
    ):
        raise ValueError(
            f"fractions must be (train, val, test): non-negative, train positive, summing to 1; Received: fractions={fractions!r}"
        )
    n = len(data)
    held = [max(1, round(f * n)) if f > 0 else 0 for f in fractions[1:]]
    if n - sum(held) < 1:
        raise UserInputError(
            f"{n} images in {data.source} are too few to split into train, validation and test parts; "
            f"it needs at least {sum(held) + 1}"
        )
    order = np.random.default_rng(seed).permutation(n)
    val, test, train = np.split(order, [held[0], held[0] + held[1]])
    return {part: data.subset(np.sort(index)) for part, index in (("train", train), ("val", val), ("test", test))}


def files_by_name(folder: pathlib.Path) -> dict[str, pathlib.Path]:
    """The image files of ``folder`` by their path relative to it without the suffix."""
    from kerasdl.data.images import find_images

    found = {}
    for f in find_images(folder):
        key = f.relative_to(folder).with_suffix("").as_posix()
        if key in found:
            raise UserInputError(f"two files named {key} in {folder}: {found[key].name} and {f.name}; keep one")
        found[key] = f
    return found


def read_class_names(path: pathlib.Path, *, minimum: int = 1, what: str = "at least one class") -> list[str]:
    """Class names from a text file, one per line (blank lines skipped), at least ``minimum``, none twice.

    Args:
        path: the file (``classes.txt``).
        minimum: the fewest names it may hold.
        what: what the error says the file must name (``"the background and at least one class"``).
    """
    try:
        names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError(f"cannot read {path}: {err}") from None
    return checked_class_names(names, path, minimum=minimum, what=what)


def checked_class_names(names: list[str], path, *, minimum: int = 1, what: str = "at least one class") -> list[str]:
    """``names`` when there are at least ``minimum`` and none repeats; else a one-line error naming ``path``."""
    if len(names) < minimum:
        raise UserInputError(f"{path} must name {what}, one per line; it has {len(names)}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UserInputError(f"{path} names a class twice: {', '.join(repeated)}")
    return names


# ---------------------------------------------------------------- COCO


def annotation_files(folder: pathlib.Path) -> list[pathlib.Path]:
    """The ``.json`` files of a folder, or, when it has none, of its ``annotations/`` subfolder."""
    found = sorted(p for p in folder.glob("*.json") if p.is_file() and not p.name.startswith("."))
    if not found and (folder / "annotations").is_dir():
        found = sorted(p for p in (folder / "annotations").glob("*.json") if p.is_file() and not p.name.startswith("."))
    return found


def coco_file(path: pathlib.Path) -> pathlib.Path:
    """The COCO annotation file ``path`` names: itself, or the one ``.json`` of a folder."""
    if path.is_file():
        return path
    if not path.exists():
        raise UserInputError(f"no such file or folder: {path}")
    found = annotation_files(path)
    if len(found) != 1:
        listed = f" ({', '.join(p.name for p in found)})" if found else ""
        raise UserInputError(
            f"folder {path} holds {len(found)} .json files{listed}; pass the COCO annotation file itself"
        )
    return found[0]


def _image_roots(json_path: pathlib.Path) -> list[pathlib.Path]:
    """Where a COCO file's images are looked for: beside it, in ``images/`` beside it, and the same
    for the folder above when it lies in ``annotations/``."""
    roots = [json_path.parent, json_path.parent / "images"]
    if json_path.parent.name == "annotations":
        roots += [json_path.parent.parent, json_path.parent.parent / "images"]
    return roots


def _entries(data, key, json_path) -> list[dict]:
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise UserInputError(f"{json_path} is not a COCO annotation file: it needs a list of {key!r}")
    return entries


def _field(entry, key, kind, json_path, what):
    value = entry.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UserInputError(f"{json_path}: {what} lacks a valid {key!r} (got {value!r})")
    return value


@dataclasses.dataclass
class CocoFile:
    """A COCO annotation file, read and checked.

    Attributes:
        path: the ``.json`` file.
        categories: ``{category id: name}``, in the file's order.
        images: ``{image id: float32 (h, w, c) image}``, in the file's order.
        names: ``{image id: file name without its suffix}``.
        annotations: ``(number, annotation)`` pairs, each of a known image and category; ``number``
            is the annotation's ``id`` (or its place in the file), for error messages.
    """

    path: pathlib.Path
    categories: dict[int, str]
    images: dict[int, np.ndarray]
    names: dict[int, str]
    annotations: list[tuple[int, dict]]

    @property
    def category_ids(self) -> list[int]:
        """The category ids in increasing order: the loaders' class order."""
        return sorted(self.categories)


def read_coco(path, *, channels: int | None = None) -> CocoFile:
    """Reads a COCO annotation file and its images.

    Args:
        path: the annotations ``.json``, or a folder holding exactly one (or one in ``annotations/``).
            Image ``file_name`` s are looked for beside the file, in ``images/`` beside it, and beside
            its ``annotations/`` folder.
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: no annotation file, not COCO, no images or categories, an id twice, an image
            file missing or of another size than the file says, an annotation of an unknown image or
            category. The file is named.
    """
    from kerasdl.data.images import load_image
    from kerasdl.files import read_json

    json_path = coco_file(pathlib.Path(path))
    data = read_json(json_path)
    image_entries = _entries(data, "images", json_path)
    annotation_entries = _entries(data, "annotations", json_path)
    category_entries = _entries(data, "categories", json_path)
    if not image_entries:
        raise UserInputError(f"{json_path} lists no images")
    if not category_entries:
        raise UserInputError(f"{json_path} lists no categories")
    categories = {}
    for c in category_entries:
        cid = _field(c, "id", int, json_path, f"category {c!r}")
        if cid in categories:
            raise UserInputError(f"{json_path}: category id {cid} appears twice")
        categories[cid] = str(c.get("name", cid))

    roots = _image_roots(json_path)
    images, names = {}, {}
    for entry in image_entries:
        image_id = _field(entry, "id", int, json_path, f"image {entry!r}")
        file_name = _field(entry, "file_name", str, json_path, f"image {image_id}")
        if image_id in images:
            raise UserInputError(f"{json_path}: image id {image_id} appears twice")
        found = next((root / file_name for root in roots if (root / file_name).is_file()), None)
        if found is None:
            raise UserInputError(
                f"{json_path}: image {file_name} (id {image_id}) is not in {' or '.join(str(r) for r in roots[:2])}"
            )
        image = load_image(found, channels=channels)
        height, width = image.shape[:2]
        if (entry.get("height"), entry.get("width")) not in ((None, None), (height, width)):
            raise UserInputError(
                f"{json_path}: image {file_name} is {width}x{height} pixels but the annotations say "
                f"{entry.get('width')}x{entry.get('height')}"
            )
        images[image_id] = image
        names[image_id] = pathlib.PurePosixPath(file_name).with_suffix("").as_posix()

    annotations = []
    for number, a in enumerate(annotation_entries, start=1):
        number = a.get("id", number)
        image_id, category_id = a.get("image_id"), a.get("category_id")
        if image_id not in images:
            raise UserInputError(
                f"{json_path}: annotation {number} is of image id {image_id!r}, which is not in its images"
            )
        if category_id not in categories:
            raise UserInputError(
                f"{json_path}: annotation {number} has category id {category_id!r}, not one of its categories "
                f"({', '.join(str(c) for c in sorted(categories))})"
            )
        annotations.append((number, a))
    return CocoFile(json_path, categories, images, names, annotations)
