"""Object-detection data: Pascal VOC, COCO and YOLO txt layouts, generated digit scenes, seeded splits.

Every loader returns a :class:`DetectionData`: images as float32 ``(h, w, c)`` in [0, 1], and per
image float32 ``(m, 4)`` boxes ``[x_min, y_min, x_max, y_max]`` in pixels (0-based, max exclusive:
a box around pixel columns 3-5 is ``x_min = 3, x_max = 6``) with int32 ``(m,)`` class indices
``0..K-1`` (no background class) and the class names. Three layouts are read:

- Pascal VOC: ``Annotations/NAME.xml`` beside ``JPEGImages/`` or ``images/``;
- COCO: an annotations ``.json`` with ``bbox`` es, its images beside it or in ``images/``;
- YOLO txt: ``images/NAME.png|jpg|...`` and ``labels/NAME.txt`` of ``class cx cy w h`` lines
  (normalised to the image size), with ``classes.txt`` or ``data.yaml``'s ``names``.

Boxes may reach up to one pixel beyond the image (rounding in annotation tools) and are clipped to
it; farther out, or with ``x_max <= x_min``, the file is refused with a one-line error naming it.

Example:
    >>> from kerasdl.data.digit_scenes import digit_scene_splits
    >>> data = scenes_as_detection(digit_scene_splits(sizes={"train": 10, "val": 2, "test": 2})["train"])
    >>> parts = split_detection_data(data)
    >>> len(parts["train"]), data.boxes[0].shape[1], data.class_names[:2]
    (8, 4, ['0', '1'])
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import numpy as np

from kerasdl.data.annotation_files import (
    AnnotatedImages,
    annotation_files,
    checked_class_names,
    files_by_name,
    read_class_names,
    split_images,
)
from kerasdl.errors import UserInputError

LAYOUTS = (
    "Pascal VOC (Annotations/*.xml beside JPEGImages/ or images/), "
    "YOLO txt (images/ and labels/*.txt, class names in classes.txt or data.yaml), "
    "or COCO (a .json file with bboxes, or a folder holding exactly one)"
)
CLASSES_FILE = "classes.txt"
YAML_FILES = ("data.yaml", "data.yml")
BOX_TOLERANCE = 1.0  # pixels a box may reach beyond its image before it is refused (then it is clipped)


@dataclasses.dataclass
class DetectionData(AnnotatedImages):
    """Images with boxed, labelled objects.

    Attributes:
        images: per image, float32 ``(h, w, c)`` in [0, 1], ``c`` = 1 or 3.
        boxes: per image, float32 ``(m, 4)`` ``[x_min, y_min, x_max, y_max]`` in pixels (0-based,
            max exclusive), inside the image; ``m`` may be 0.
        labels: per image, int32 ``(m,)`` class indices ``0..K-1``, in the order of ``boxes``.
        class_names: one name per class index (no background class).
        names: one per image: its file name without the suffix (relative to the images' folder).
        source: where the data came from (a folder, a file, a dataset name).
    """

    images: list[np.ndarray]
    boxes: list[np.ndarray]
    labels: list[np.ndarray]
    class_names: list[str]
    names: list[str]
    source: str

    per_image = ("images", "boxes", "labels", "names")


# ---------------------------------------------------------------- shared checks


def _folder(path) -> pathlib.Path:
    path = pathlib.Path(path)
    if not path.is_dir():
        raise UserInputError(f"no such folder: {path}" if not path.exists() else f"not a folder: {path}")
    return path


def _checked_box(box, *, width: int, height: int, where: str) -> list[float]:
    """``box`` ``[x_min, y_min, x_max, y_max]`` clipped to the image, or a one-line error naming ``where``."""
    shown = "[" + ", ".join(f"{v:g}" for v in box) + "]"
    if not all(np.isfinite(box)):
        raise UserInputError(f"{where}: box {shown} is not finite")
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        raise UserInputError(f"{where}: box {shown} (x_min, y_min, x_max, y_max) has x_max <= x_min or y_max <= y_min")
    outside = x0 < -BOX_TOLERANCE or y0 < -BOX_TOLERANCE or x1 > width + BOX_TOLERANCE or y1 > height + BOX_TOLERANCE
    clipped = [min(max(x0, 0.0), width), min(max(y0, 0.0), height), min(max(x1, 0.0), width), min(max(y1, 0.0), height)]
    if outside or clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
        raise UserInputError(
            f"{where}: box {shown} (x_min, y_min, x_max, y_max) lies outside its {width}x{height} image "
            f"(by more than {BOX_TOLERANCE:g} pixel)"
        )
    return clipped


def _as_arrays(boxes, labels) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(labels, np.int32).reshape(-1)


# ---------------------------------------------------------------- Pascal VOC


def _child_text(element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None or child.text is None else child.text.strip()


def _read_voc_xml(path: pathlib.Path) -> tuple[str | None, tuple[int, int] | None, list[tuple[str, list[float]]]]:
    """A VOC annotation's ``<filename>``, ``<size>`` as ``(width, height)`` (None if absent or 0) and
    objects as ``(name, [xmin, ymin, xmax, ymax])`` in VOC's own 1-based coordinates."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise UserInputError(f"cannot read {path}: malformed XML ({err})") from None
    except OSError as err:
        raise UserInputError(f"cannot read {path}: {err.strerror or err}") from None
    if root.tag != "annotation":
        raise UserInputError(
            f"{path} is not a Pascal VOC annotation: its root element is <{root.tag}>, not <annotation>"
        )
    size = None
    if root.find("size") is not None:
        try:
            width, height = (int(float(_child_text(root.find("size"), tag) or 0)) for tag in ("width", "height"))
        except ValueError:
            raise UserInputError(f"{path}: <size> holds a width or height that is not a number") from None
        size = (width, height) if width > 0 and height > 0 else None
    objects = []
    for k, obj in enumerate(root.findall("object"), start=1):
        name = _child_text(obj, "name")
        if not name:
            raise UserInputError(f"{path}: object {k} has no <name>")
        box = obj.find("bndbox")
        if box is None:
            raise UserInputError(f"{path}: object {k} ({name!r}) has no <bndbox>")
        values = [_child_text(box, tag) for tag in ("xmin", "ymin", "xmax", "ymax")]
        try:
            objects.append((name, [float(v) for v in values]))
        except (TypeError, ValueError):
            raise UserInputError(
                f"{path}: object {k} ({name!r})'s <bndbox> needs numbers xmin, ymin, xmax, ymax; got {values}"
            ) from None
    return root.findtext("filename"), size, objects


def load_voc(path, *, channels: int | None = None) -> DetectionData:
    """Images and boxes in the Pascal VOC layout: ``Annotations/NAME.xml`` and ``JPEGImages/NAME.jpg``.

    Each annotation's image has its name (any image suffix; subfolders mirror each other), or else
    the name its ``<filename>`` gives, in ``JPEGImages/`` or, when there is none, ``images/``. Images
    without an annotation are left out. Every ``<object>`` is kept, ``difficult`` and ``truncated``
    ones included. VOC's 1-based pixel coordinates become 0-based with max exclusive
    (``x_min = xmin - 1``, ``x_max = xmax``). ``path/classes.txt`` (one name per line) gives the
    classes and their order; without it they are the object names found, sorted.

    Args:
        path: the dataset folder (``VOC2012/``, say).
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: a missing folder, no annotations, an annotation without its image, malformed
            XML, an object without a name or box, a name not in ``classes.txt``, an image of another
            size than its ``<size>``, or a box outside its image or empty. The file is named.
    """
    from kerasdl.data.images import IMAGE_SUFFIXES, load_image

    path = _folder(path)
    annotation_dir = path / "Annotations"
    if not annotation_dir.is_dir():
        raise UserInputError(f"folder {path} has no Annotations/ subfolder; expected {LAYOUTS}")
    image_dir = next((path / d for d in ("JPEGImages", "images") if (path / d).is_dir()), None)
    if image_dir is None:
        raise UserInputError(f"folder {path} has neither a JPEGImages/ nor an images/ subfolder beside Annotations/")
    xml_files = sorted(p for p in annotation_dir.rglob("*.xml") if p.is_file() and not p.name.startswith("."))
    if not xml_files:
        raise UserInputError(f"no .xml annotation files in folder: {annotation_dir}")
    image_files = files_by_name(image_dir)
    classes_file = path / CLASSES_FILE
    class_names = read_class_names(classes_file) if classes_file.is_file() else None

    records = []
    for xml_path in xml_files:
        key = xml_path.relative_to(annotation_dir).with_suffix("").as_posix()
        file_name, size, objects = _read_voc_xml(xml_path)
        image_path = image_files.get(key)
        if image_path is None and file_name:
            candidate = image_dir / file_name.strip()
            if candidate.is_file() and candidate.suffix.lower() in IMAGE_SUFFIXES:
                image_path = candidate
        if image_path is None:
            named = f" nor {image_dir / file_name.strip()}" if file_name else ""
            raise UserInputError(f"annotation {xml_path} has no image: no {image_dir / key}.*{named}")
        image = load_image(image_path, channels=channels)
        height, width = image.shape[:2]
        if size is not None and size != (width, height):
            raise UserInputError(
                f"{xml_path}: <size> says {size[0]}x{size[1]} pixels but its image {image_path} is {width}x{height}"
            )
        boxes = [
            _checked_box(
                [xmin - 1, ymin - 1, xmax, ymax],  # VOC's 1-based, max-inclusive pixels -> 0-based, max exclusive
                width=width,
                height=height,
                where=f"{xml_path}: object {k} ({name!r}, bndbox {xmin:g} {ymin:g} {xmax:g} {ymax:g} in VOC's 1-based pixels)",
            )
            for k, (name, (xmin, ymin, xmax, ymax)) in enumerate(objects, start=1)
        ]
        records.append((key, image, boxes, [name for name, _ in objects], xml_path))

    if class_names is None:
        class_names = sorted({name for *_, names, _ in records for name in names})
        if not class_names:
            raise UserInputError(
                f"no <object> in any annotation in {annotation_dir}, and no {classes_file} names the classes"
            )
    index = {name: k for k, name in enumerate(class_names)}
    data = DetectionData([], [], [], class_names, [], str(path))
    for key, image, boxes, names, xml_path in records:
        unknown = [n for n in names if n not in index]
        if unknown:
            raise UserInputError(
                f"{xml_path}: object name {unknown[0]!r} is not one of the classes in {classes_file} "
                f"({', '.join(class_names)})"
            )
        boxes, labels = _as_arrays(boxes, [index[n] for n in names])
        data.images.append(image)
        data.boxes.append(boxes)
        data.labels.append(labels)
        data.names.append(key)
    return data


# ---------------------------------------------------------------- COCO


def load_coco_detection(path, *, channels: int | None = None) -> DetectionData:
    """Images and boxes from COCO annotations (``bbox`` ``[x, y, width, height]`` in pixels).

    Category ids, in increasing order, become classes 0, 1, ... (they need not be contiguous).
    Crowd annotations (``iscrowd`` 1) are skipped; images without annotations have no objects.

    Args:
        path: the annotations ``.json``, or a folder holding exactly one (or one in ``annotations/``).
            Image ``file_name`` s are looked for beside the file, in ``images/`` beside it, and beside
            its ``annotations/`` folder.
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: no annotation file, not COCO, an image file missing or of another size than
            the file says, an annotation of an unknown image or category, without a ``bbox`` of four
            numbers, or with a box outside its image or empty. The file is named.
    """
    from kerasdl.data.annotation_files import read_coco

    coco = read_coco(path, channels=channels)
    json_path, images, names = coco.path, coco.images, coco.names
    class_of = {cid: k for k, cid in enumerate(coco.category_ids)}
    boxes = {image_id: [] for image_id in images}
    labels = {image_id: [] for image_id in images}
    for number, a in coco.annotations:
        image_id, category_id = a["image_id"], a["category_id"]
        if a.get("iscrowd"):
            continue
        bbox = a.get("bbox")
        if (
            not isinstance(bbox, list)
            or len(bbox) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)
        ):
            raise UserInputError(f"{json_path}: annotation {number} lacks a bbox [x, y, width, height]; got {bbox!r}")
        x, y, w, h = (float(v) for v in bbox)
        height, width = images[image_id].shape[:2]
        where = f"{json_path}: annotation {number} (image {names[image_id]})"
        boxes[image_id].append(_checked_box([x, y, x + w, y + h], width=width, height=height, where=where))
        labels[image_id].append(class_of[category_id])

    order = list(images)
    arrays = [_as_arrays(boxes[i], labels[i]) for i in order]
    return DetectionData(
        images=[images[i] for i in order],
        boxes=[b for b, _ in arrays],
        labels=[lab for _, lab in arrays],
        class_names=[coco.categories[cid] for cid in coco.category_ids],
        names=[names[i] for i in order],
        source=str(json_path),
    )


# ---------------------------------------------------------------- YOLO txt


def _yaml_scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _yaml_names(text: str, path: pathlib.Path):
    """The ``names:`` value of a YOLO ``data.yaml`` without PyYAML: an inline ``[a, b]`` or ``{0: a}``,
    or a block of ``- a`` or ``0: a`` lines below it; None when there is no ``names:`` key."""
    lines = [re.sub(r"\s+#.*$", "", line.rstrip()) for line in text.splitlines()]
    for at, line in enumerate(lines):
        found = re.match(r"^(\s*)names\s*:(.*)$", line)
        if found is None:
            continue
        indent, rest = len(found.group(1)), found.group(2).strip()
        if rest.startswith("[") and rest.endswith("]"):
            return [_yaml_scalar(v) for v in rest[1:-1].split(",") if v.strip()]
        if rest.startswith("{") and rest.endswith("}"):
            items = [v.split(":", 1) for v in rest[1:-1].split(",") if v.strip()]
            if not all(len(item) == 2 for item in items):
                raise UserInputError(f"{path}: cannot read its names: {rest}")
            return {_yaml_scalar(k): _yaml_scalar(v) for k, v in items}
        if rest:
            raise UserInputError(f"{path}: names must be a list or a mapping of class names; got {rest}")
        block = []
        for line in lines[at + 1 :]:
            if not line.strip():
                continue
            if len(line) - len(line.lstrip()) <= indent and not line.lstrip().startswith("-"):
                break
            block.append(line.strip())
        if all(item.startswith("-") for item in block):
            return [_yaml_scalar(item[1:]) for item in block]
        items = [item.split(":", 1) for item in block]
        if not all(len(item) == 2 for item in items):
            raise UserInputError(f"{path}: cannot read its names: {' '.join(block)}")
        return {_yaml_scalar(k): _yaml_scalar(v) for k, v in items}
    return None


def _read_yaml_names(path: pathlib.Path) -> list[str]:
    """Class names from a YOLO ``data.yaml``'s ``names``: a list, or a mapping of indices 0..K-1 to names."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError(f"cannot read {path}: {err}") from None
    try:
        import yaml
    except ImportError:
        names = _yaml_names(text, path)
    else:
        try:
            content = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise UserInputError(f"cannot read {path}: malformed YAML ({str(err).splitlines()[0]})") from None
        names = content.get("names") if isinstance(content, dict) else None
    if names is None:
        raise UserInputError(f"{path} has no 'names:' entry listing the class names")
    if isinstance(names, dict):
        try:
            by_index = {int(k): str(v) for k, v in names.items()}
        except (TypeError, ValueError):
            raise UserInputError(f"{path}: names must map class indices 0, 1, ... to names; got {names!r}") from None
        if sorted(by_index) != list(range(len(by_index))):
            raise UserInputError(
                f"{path}: names must map the class indices 0-{len(by_index) - 1} to names; got indices {sorted(by_index)}"
            )
        names = [by_index[k] for k in range(len(by_index))]
    if not isinstance(names, list):
        raise UserInputError(f"{path}: names must be a list or a mapping of class names; got {names!r}")
    return checked_class_names([str(n).strip() for n in names], path)


def _read_yolo_labels(path: pathlib.Path, *, width: int, height: int) -> tuple[list[list[float]], list[int]]:
    """A YOLO label file's boxes in pixels (clipped) and class indices."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError(f"cannot read {path}: {err}") from None
    boxes, labels = [], []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) != 5:
                raise ValueError
            label = int(fields[0])
            cx, cy, w, h = (float(v) for v in fields[1:])
        except ValueError:
            raise UserInputError(
                f"{path} line {number}: expected 'class cx cy w h' (an int and four normalised numbers); got {line.strip()!r}"
            ) from None
        if label < 0:
            raise UserInputError(f"{path} line {number}: class {label} is negative")
        box = [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height]
        boxes.append(_checked_box(box, width=width, height=height, where=f"{path} line {number}"))
        labels.append(label)
    return boxes, labels


def load_yolo_txt(path, *, channels: int | None = None) -> DetectionData:
    """Images and boxes in the YOLO txt layout: ``images/NAME.jpg`` and ``labels/NAME.txt``.

    A label file has its image's name (subfolders mirror each other, e.g. ``images/train/`` and
    ``labels/train/``) and one object per line, ``class cx cy w h``: a class index and the box's
    centre and size divided by the image's width and height. An image without a label file has no
    objects (YOLO's convention). The class names come from ``classes.txt`` (one per line, in
    ``path`` or ``labels/``) or else from ``data.yaml``'s ``names`` (a list, or a mapping of
    indices to names); without either they are ``"0", "1", ...`` up to the largest index found.

    Args:
        path: the dataset folder.
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: a missing folder, no images, a label file without its image, a malformed
            line, a class index beyond the class names, unreadable class names, or a box outside
            its image or empty. The file is named.
    """
    from kerasdl.data.images import load_image

    path = _folder(path)
    image_dir, label_dir = path / "images", path / "labels"
    for folder in (image_dir, label_dir):
        if not folder.is_dir():
            raise UserInputError(f"folder {path} has no {folder.name}/ subfolder; expected {LAYOUTS}")
    image_files = files_by_name(image_dir)
    names_files = [path / CLASSES_FILE, label_dir / CLASSES_FILE]
    label_files = {
        p.relative_to(label_dir).with_suffix("").as_posix(): p
        for p in sorted(label_dir.rglob("*.txt"))
        if p.is_file() and not p.name.startswith(".") and p not in names_files
    }
    for key, f in label_files.items():
        if key not in image_files:
            raise UserInputError(
                f"label file {f} has no image in {image_dir} (expected {image_dir / key}.png, .jpg, ...)"
            )
    names_file = next((f for f in [*names_files, *(path / y for y in YAML_FILES)] if f.is_file()), None)
    if names_file is None:
        class_names = None
    elif names_file.name == CLASSES_FILE:
        class_names = read_class_names(names_file)
    else:
        class_names = _read_yaml_names(names_file)

    data = DetectionData([], [], [], [], [], str(path))
    for key in sorted(image_files):
        image = load_image(image_files[key], channels=channels)
        height, width = image.shape[:2]
        boxes, labels = [], []
        if key in label_files:
            boxes, labels = _read_yolo_labels(label_files[key], width=width, height=height)
        if class_names is not None and labels and max(labels) >= len(class_names):
            raise UserInputError(
                f"{label_files[key]}: class {max(labels)} is beyond the {len(class_names)} classes "
                f"that {names_file} names (0-{len(class_names) - 1})"
            )
        boxes, labels = _as_arrays(boxes, labels)
        data.images.append(image)
        data.boxes.append(boxes)
        data.labels.append(labels)
        data.names.append(key)
    if class_names is None:
        top = max((int(lab.max()) for lab in data.labels if len(lab)), default=-1)
        if top < 0:
            raise UserInputError(
                f"no objects in any label file in {label_dir}, and no {CLASSES_FILE} or data.yaml names the classes"
            )
        class_names = [str(k) for k in range(top + 1)]
    data.class_names = class_names
    return data


# ---------------------------------------------------------------- any layout


def load_detection_data(path, *, channels: int | None = None) -> DetectionData:
    """A detection dataset in any of the three layouts, told apart by what ``path`` holds.

    Args:
        path: a folder with ``Annotations/`` (:func:`load_voc`), a folder with ``images/`` and
            ``labels/`` (:func:`load_yolo_txt`), or a COCO ``.json`` file or a folder holding
            exactly one (:func:`load_coco_detection`).
        channels: ``None`` keeps each image's own (1 or 3); 1 or 3 converts them all.

    Raises:
        UserInputError: the path is missing or of no known layout (the message lists them), or
            the loader's own errors.
    """

    path = pathlib.Path(path)
    if not path.exists():
        raise UserInputError(f"no such file or folder: {path}")
    if path.is_file():
        if path.suffix.lower() == ".json":
            return load_coco_detection(path, channels=channels)
        raise UserInputError(f"cannot read detection data from file {path}; give {LAYOUTS}")
    if (path / "Annotations").is_dir():
        return load_voc(path, channels=channels)
    if (path / "images").is_dir() and (path / "labels").is_dir():
        return load_yolo_txt(path, channels=channels)
    if annotation_files(path):
        return load_coco_detection(path, channels=channels)
    empty = " (it is empty)" if not any(path.iterdir()) else ""
    raise UserInputError(f"cannot tell the layout of folder {path}{empty}; give {LAYOUTS}")


def scenes_as_detection(scenes) -> DetectionData:
    """Generated :class:`~kerasdl.data.digit_scenes.DigitScenes` as :class:`DetectionData` (classes "0"-"9")."""
    from kerasdl.data.digit_scenes import scene_name

    return DetectionData(
        images=list(scenes.images),
        boxes=[np.asarray(b, np.float32).reshape(-1, 4) for b in scenes.boxes],
        labels=[np.asarray(lab, np.int32).reshape(-1) for lab in scenes.labels],
        class_names=list(scenes.class_names),
        names=[scene_name(i) for i in range(len(scenes))],
        source=scenes.source or "digit scenes",
    )


def split_detection_data(data: DetectionData, *, fractions=(0.8, 0.1, 0.1), seed: int = 0) -> dict:
    """A seeded train/validation/test split of the images (:func:`~kerasdl.data.annotation_files.split_images`).

    Args:
        data: the images and boxes.
        fractions: ``(train, val, test)``, non-negative, summing to 1, train positive.
        seed: the shuffle's seed; the same data and seed give the same split.

    Returns:
        ``{"train": DetectionData, "val": ..., "test": ...}``, each keeping the images' order.

    Raises:
        ValueError: bad ``fractions``.
        UserInputError: too few images to give every part one.
    """
    return split_images(data, fractions=fractions, seed=seed)


# ---------------------------------------------------------------- writing


def _write_text(text: str, path: pathlib.Path) -> None:
    from kerasdl.files import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_voc(scenes, folder) -> pathlib.Path:
    """Writes scenes in the Pascal VOC layout: ``images/NAME.png``, ``Annotations/NAME.xml``, ``classes.txt``.

    Images are named as :func:`~kerasdl.data.digit_scenes.write_coco` names them; boxes are written
    in VOC's 1-based coordinates (``xmin = x_min + 1``, ``xmax = x_max``), rounded to whole pixels;
    ``classes.txt`` names the classes "0"-"9" in order. :func:`load_voc` reads it back.

    Returns:
        ``folder``.
    """
    import xml.etree.ElementTree as ET

    from kerasdl.data.digit_scenes import scene_name
    from kerasdl.data.images import save_png

    def add(parent, tag, text=None):
        child = ET.SubElement(parent, tag)
        if text is not None:
            child.text = str(text)
        return child

    folder = pathlib.Path(folder)
    for i in range(len(scenes)):
        name = scene_name(i)
        image = scenes.images[i]
        save_png(image, folder / "images" / f"{name}.png")
        root = ET.Element("annotation")
        add(root, "folder", "images")
        add(root, "filename", f"{name}.png")
        size = add(root, "size")
        for tag, value in zip(("width", "height", "depth"), (image.shape[1], image.shape[0], image.shape[2])):
            add(size, tag, value)
        add(root, "segmented", 0)
        for box, label in zip(scenes.boxes[i], scenes.labels[i]):
            x0, y0, x1, y1 = (round(float(v)) for v in box)
            obj = add(root, "object")
            for tag, value in (("name", scenes.class_names[int(label)]), ("pose", "Unspecified")):
                add(obj, tag, value)
            for tag in ("truncated", "difficult"):
                add(obj, tag, 0)
            bndbox = add(obj, "bndbox")
            for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), (x0 + 1, y0 + 1, x1, y1)):
                add(bndbox, tag, value)
        ET.indent(root)
        _write_text(ET.tostring(root, encoding="unicode") + "\n", folder / "Annotations" / f"{name}.xml")
    _write_text("\n".join(scenes.class_names) + "\n", folder / CLASSES_FILE)
    return folder


def write_yolo_txt(scenes, folder) -> pathlib.Path:
    """Writes scenes in the YOLO txt layout: ``images/NAME.png``, ``labels/NAME.txt``, ``classes.txt``.

    Images are named as :func:`~kerasdl.data.digit_scenes.write_coco` names them; each label line is
    ``class cx cy w h`` with the box's centre and size divided by the image's width and height (six
    decimals); ``classes.txt`` names the classes "0"-"9" in order. :func:`load_yolo_txt` reads it back.

    Returns:
        ``folder``.
    """
    from kerasdl.data.digit_scenes import scene_name
    from kerasdl.data.images import save_png

    folder = pathlib.Path(folder)
    for i in range(len(scenes)):
        name = scene_name(i)
        image = scenes.images[i]
        save_png(image, folder / "images" / f"{name}.png")
        height, width = image.shape[:2]
        lines = []
        for (x0, y0, x1, y1), label in zip(np.asarray(scenes.boxes[i], np.float64), scenes.labels[i]):
            cx, cy, w, h = (x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height
            lines.append(f"{int(label)} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n")
        _write_text("".join(lines), folder / "labels" / f"{name}.txt")
    _write_text("\n".join(scenes.class_names) + "\n", folder / CLASSES_FILE)
    return folder
