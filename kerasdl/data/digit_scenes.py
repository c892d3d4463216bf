"""Generated scenes of handwritten digits on black canvases, with per-pixel class masks and boxes.

The embedded default data of the segmentation app (and later of detection): a few digits of
scikit-learn's 8x8 set (upscaled to 16 px) or of MNIST are rescaled, placed at random on a black
square canvas without overlapping much, and composited by maximum intensity. Every scene comes
with a class mask (0 background, ``1 + d`` where digit ``d`` is visible) and each digit's box,
tight around the pixels it owns in the mask.

Example:
    >>> splits = digit_scene_splits("digits", sizes={"train": 20, "val": 4, "test": 4})
    >>> scenes = splits["train"]
    >>> scenes.images.shape, scenes.masks.shape, scenes.boxes[0].shape[1]
    ((20, 64, 64, 1), (20, 64, 64), 4)
"""

from __future__ import annotations

import dataclasses
import pathlib

import numpy as np

from kerasdl.errors import UserInputError

DIGIT_NAMES = tuple("0123456789")
SCENE_DATASETS = ("digits", "mnist")
DEFAULT_SIDES = {"digits": 64, "mnist": 128}
DEFAULT_SIZES = {
    "digits": {"train": 2000, "val": 200, "test": 200},
    "mnist": {"train": 10000, "val": 1000, "test": 1000},
}
SPLIT_NAMES = ("train", "val", "test")
SKLEARN_DIGIT_SIDE = 16  # the 8x8 digits are upscaled to this side before the scale jitter
OWNED_FRACTION = 0.5  # a digit owns a pixel where its intensity is at least this fraction of its peak
PLACEMENT_TRIES = 30  # random positions tried per digit before it is left out of its scene


@dataclasses.dataclass
class DigitScenes:
    """Scenes of digits: images, class masks and each digit's box and label.

    Attributes:
        images: float32 ``(n, side, side, 1)`` in [0, 1], digits bright on black.
        masks: uint8 ``(n, side, side)``: 0 background, ``1 + d`` where digit ``d`` is visible.
        boxes: per scene, float32 ``(m, 4)`` ``[x_min, y_min, x_max, y_max]`` in pixels (max
            exclusive), tight around each digit's pixels in the mask.
        labels: per scene, int32 ``(m,)`` digits 0-9, in the order of ``boxes``.
        class_names: the object classes; mask value ``k + 1`` is class ``k``.
        source: where the digits came from (``"digits"``, ``"mnist"``, a file).
        digit_index: per scene, int64 ``(m,)``: which of the source digits each box holds
            (an index into the digits the scenes were generated from), or None.
        instances: uint8 ``(n, side, side)``: 0 background, ``j + 1`` where the scene's ``j``-th
            box's digit is visible (the instance mask), or None.
    """

    images: np.ndarray
    masks: np.ndarray
    boxes: list[np.ndarray]
    labels: list[np.ndarray]
    class_names: tuple = DIGIT_NAMES
    source: str = ""
    digit_index: list[np.ndarray] | None = None
    instances: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index) -> DigitScenes:
        """The scenes at ``index`` (a sequence of ints), in that order."""
        index = np.asarray(index, dtype=np.int64)
        return DigitScenes(
            images=self.images[index],
            masks=self.masks[index],
            boxes=[self.boxes[i] for i in index],
            labels=[self.labels[i] for i in index],
            class_names=self.class_names,
            source=self.source,
            digit_index=None if self.digit_index is None else [self.digit_index[i] for i in index],
            instances=None if self.instances is None else self.instances[index],
        )


def scene_name(index: int) -> str:
    """The file stem of scene ``index`` in written folders: ``scene00042``."""
    return f"scene{index:05d}"


# ---------------------------------------------------------------- generating


def _range(value, *, name, kind, low):
    """``value`` as a ``(lo, hi)`` pair of ``kind`` with ``low <= lo <= hi`` (a single number is ``(v, v)``)."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if (
        len(pair) != 2
        or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in pair)
        or (kind is int and not all(float(v).is_integer() for v in pair))
        or not low <= pair[0] <= pair[1]
    ):
        what = "ints" if kind is int else "numbers"
        raise ValueError(
            f"{name} must be a pair (low, high) of {what} with {low} <= low <= high; Received: {name}={value!r}"
        )
    return kind(pair[0]), kind(pair[1])


def _as_digit_array(digits, digit_labels) -> tuple[np.ndarray, np.ndarray]:
    """Digits as float32 ``(n, h, w)`` in [0, 1] (uint8 divided by 255) and labels as int32 ``(n,)``."""
    digits = np.asarray(digits)
    if digits.ndim == 4 and digits.shape[-1] == 1:
        digits = digits[..., 0]
    if digits.ndim != 3 or 0 in digits.shape:
        raise ValueError(
            f"digits must be grayscale images (n, height, width[, 1]); Received: digits with shape {np.shape(digits)}"
        )
    digits = digits.astype(np.float32) / 255.0 if digits.dtype == np.uint8 else digits.astype(np.float32)
    if digits.min() < 0 or digits.max() > 1:
        raise ValueError(
            f"digits must be uint8 or floats in [0, 1]; Received: digits in [{digits.min():g}, {digits.max():g}]"
        )
    labels = np.asarray(digit_labels).reshape(-1)
    if (
        len(labels) != len(digits)
        or not np.issubdtype(labels.dtype, np.integer)
        or labels.min() < 0
        or labels.max() > 9
    ):
        raise ValueError(
            f"digit_labels must hold one int 0-9 per digit ({len(digits)}); "
            f"Received: digit_labels of shape {np.shape(digit_labels)} and dtype {labels.dtype}"
        )
    return digits, labels.astype(np.int32)


def _resized(digit: np.ndarray, height: int, width: int) -> np.ndarray:
    """A float digit resized bilinearly (PIL, which also filters when it shrinks)."""
    from PIL import Image

    if digit.shape == (height, width):
        return digit
    return np.asarray(Image.fromarray(digit).resize((width, height), Image.Resampling.BILINEAR))


def _iou(a, b) -> np.ndarray:
    """IoU ``(j, k)`` of every box of ``a`` ``(j, 4)`` against every box of ``b`` ``(k, 4)``, as ``[x0, y0, x1, y1]``."""
    a, b = a[:, None, :], b[None, :, :]
    inter = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None) * np.clip(
        np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None
    )
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / (area_a + area_b - inter)


def _place(rng, height, width, side, placed, max_overlap):
    """A box ``[x0, y0, x1, y1]`` of the given size fully inside the canvas, overlapping none of
    ``placed`` by IoU > ``max_overlap``; None when ``PLACEMENT_TRIES`` random positions all do."""
    xs = rng.integers(0, side - width + 1, size=PLACEMENT_TRIES)
    ys = rng.integers(0, side - height + 1, size=PLACEMENT_TRIES)
    candidates = np.stack([xs, ys, xs + width, ys + height], axis=1)
    if not placed:
        return candidates[0]
    free = np.flatnonzero(_iou(candidates, np.asarray(placed)).max(axis=1) <= max_overlap)
    return candidates[free[0]] if len(free) else None


def _composite(image: np.ndarray, crops, placed) -> np.ndarray:
    """Pastes digit ``crops`` at boxes ``placed`` into ``image`` by maximum; returns each pixel's owner (-1: none).

    A digit owns the pixels where its intensity is at least ``OWNED_FRACTION`` of its peak and at
    least every other digit's there; of digits tied there, the last (on top) wins.
    """
    for crop, (x0, y0, x1, y1) in zip(crops, placed):
        np.maximum(image[y0:y1, x0:x1], crop, out=image[y0:y1, x0:x1])
    owner = np.full(image.shape, -1, np.int64)
    for k, (crop, (x0, y0, x1, y1)) in enumerate(zip(crops, placed)):
        owned = (crop >= OWNED_FRACTION * crop.max()) & (crop >= image[y0:y1, x0:x1]) & (crop > 0)
        owner[y0:y1, x0:x1][owned] = k
    return owner


def generate_digit_scenes(
    digits,
    digit_labels,
    *,
    count: int,
    side: int = 64,
    per_scene=(2, 6),
    scale=(0.8, 1.6),
    max_overlap: float = 0.3,
    seed=0,
) -> DigitScenes:
    """Scenes of randomly placed digits on black canvases, with class masks and boxes.

    Each scene gets a uniform number of digits in ``per_scene``, drawn from ``digits`` at random;
    each is rescaled bilinearly by a uniform factor in ``scale`` (relative to its own side) and
    placed at a random position fully inside the canvas. A position whose box overlaps an earlier
    box by IoU > ``max_overlap`` is drawn again, up to 30 times; then the digit is left out. The
    scene is the pixel-wise maximum of its digits. A digit owns the pixels where its intensity is at
    least half its peak and at least the other digits' there (the later digit on ties); its box is
    tight around those pixels, and a digit that owns none is dropped.

    Args:
        digits: ``(n, height, width[, 1])`` grayscale digits, bright on black: uint8 (0-255) or
            floats in [0, 1].
        digit_labels: ``(n,)`` ints 0-9.
        count: the number of scenes.
        side: the canvas side in pixels.
        per_scene: ``(low, high)``: digits per scene, both included.
        scale: ``(low, high)``: the range of the rescaling factor.
        max_overlap: the largest IoU a digit's box may have with an earlier one's.
        seed: seeds the generator (anything ``numpy.random.default_rng`` takes); the same
            arguments give the same scenes.

    Returns:
        A :class:`DigitScenes`; ``digit_index`` says which of ``digits`` each box holds.

    Raises:
        ValueError: an argument out of range, or digits larger than the canvas at the largest scale.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> d = load_digits()
        >>> scenes = generate_digit_scenes(d.images / 16.0, d.target, count=4, side=32)
        >>> scenes.images.shape, int(scenes.masks.max()) <= 10
        ((4, 32, 32, 1), True)
    """
    digits, labels = _as_digit_array(digits, digit_labels)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive int; Received: count={count!r}")
    if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 1:
        raise ValueError(f"side must be a positive int; Received: side={side!r}")
    lo_count, hi_count = _range(per_scene, name="per_scene", kind=int, low=1)
    lo_scale, hi_scale = _range(scale, name="scale", kind=float, low=1e-6)
    if not 0 <= max_overlap <= 1:
        raise ValueError(f"max_overlap must be in [0, 1]; Received: max_overlap={max_overlap!r}")
    native_h, native_w = digits.shape[1:]
    if round(max(native_h, native_w) * hi_scale) > side:
        raise ValueError(
            f"digits of {native_h}x{native_w} pixels scaled by up to {hi_scale:g} do not fit a canvas of side {side}; "
            f"Received: scale={scale!r}, side={side!r}"
        )
    rng = np.random.default_rng(seed)
    images = np.zeros((count, side, side), np.float32)
    masks = np.zeros((count, side, side), np.uint8)
    instances = np.zeros((count, side, side), np.uint8)
    all_boxes, all_labels, all_index = [], [], []
    for n in range(count):
        chosen = rng.integers(0, len(digits), size=rng.integers(lo_count, hi_count + 1))
        factors = rng.uniform(lo_scale, hi_scale, size=len(chosen))
        crops, placed, kept = [], [], []
        for index, factor in zip(chosen, factors):
            height = min(side, max(1, round(native_h * factor)))
            width = min(side, max(1, round(native_w * factor)))
            box = _place(rng, height, width, side, placed, max_overlap)
            if box is not None:
                crops.append(_resized(digits[index], height, width))
                placed.append(box)
                kept.append(index)
        kept = np.asarray(kept, np.int64)
        owner = _composite(images[n], crops, placed)
        boxes, visible = [], []
        for k, (x0, y0, x1, y1) in enumerate(placed):
            owned = owner[y0:y1, x0:x1] == k
            rows = np.flatnonzero(owned.any(axis=1))
            if len(rows) == 0:  # covered entirely by later digits, or blank
                continue
            cols = np.flatnonzero(owned.any(axis=0))
            boxes.append([x0 + cols[0], y0 + rows[0], x0 + cols[-1] + 1, y0 + rows[-1] + 1])
            visible.append(k)
        visible = np.asarray(visible, np.int64)
        masks[n] = np.where(owner >= 0, labels[kept][np.maximum(owner, 0)] + 1, 0)
        renumber = np.zeros(len(kept) + 1, np.uint8)  # owner k -> 1 + its rank among the visible; -1 -> 0
        renumber[visible] = np.arange(1, len(visible) + 1)
        instances[n] = renumber[owner]
        all_boxes.append(np.asarray(boxes, np.float32).reshape(-1, 4))
        all_labels.append(labels[kept[visible]].astype(np.int32))
        all_index.append(kept[visible])
    return DigitScenes(
        images=images[..., None],
        masks=masks,
        boxes=all_boxes,
        labels=all_labels,
        class_names=DIGIT_NAMES,
        digit_index=all_index,
        instances=instances,
    )


# ---------------------------------------------------------------- default splits


def _sklearn_digits():
    """scikit-learn's digits upscaled to 16 px, as float32 ``(n, 16, 16)`` in [0, 1], and their labels."""
    from kerasdl.data.classification import load_digits_images

    digits = load_digits_images(size=SKLEARN_DIGIT_SIDE, channels=1)
    return np.clip(digits.x[..., 0] / 255.0, 0.0, 1.0), digits.y


def _split_sizes(dataset, sizes) -> dict[str, int]:
    merged = dict(DEFAULT_SIZES[dataset])
    if sizes is not None:
        unknown = set(sizes) - set(SPLIT_NAMES)
        if unknown:
            raise ValueError(f"sizes takes the keys {', '.join(SPLIT_NAMES)}; Received: sizes={sizes!r}")
        merged.update(sizes)
    for part, n in merged.items():
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"sizes[{part!r}] must be a positive int; Received: sizes={sizes!r}")
    return merged


def digit_scene_splits(
    dataset: str = "digits",
    *,
    path=None,
    side: int | None = None,
    sizes: dict | None = None,
    seed: int = 0,
    per_scene=(2, 6),
    scale=(0.8, 1.6),
    max_overlap: float = 0.3,
) -> dict[str, DigitScenes]:
    """Train, validation and test scenes whose digits are disjoint between the three.

    scikit-learn's 1,797 digits (upscaled from 8 to 16 px) are split 60/20/20 per class with
    ``seed``; MNIST's training digits are split 5:1 per class into the training and validation
    scenes' digits, and its test digits make the test scenes. Each split's scenes are generated
    with their own seed derived from ``seed``. ``digit_index`` indexes scikit-learn's digits, or
    MNIST's training digits (train and val) and test digits (test).

    Args:
        dataset: ``"digits"`` (scikit-learn's, offline) or ``"mnist"`` (Keras' cache, or ``path``).
        path: for MNIST, an ``mnist.npz`` file (Keras' array names) to read instead of Keras' cache.
        side: the canvas side; 64 for digits and 128 for MNIST when None.
        sizes: scenes per split, e.g. ``{"train": 500}``; missing keys keep the defaults
            (digits 2000/200/200, MNIST 10000/1000/1000).
        seed: seeds the digit split and the scenes.
        per_scene: see :func:`generate_digit_scenes`.
        scale: see :func:`generate_digit_scenes`.
        max_overlap: see :func:`generate_digit_scenes`.

    Returns:
        ``{"train": DigitScenes, "val": DigitScenes, "test": DigitScenes}``.

    Raises:
        UserInputError: an unknown dataset, a ``path`` for digits, or MNIST not readable.
    """
    from kerasdl.data.classification import load_keras_dataset, stratified_split

    if dataset not in SCENE_DATASETS:
        raise UserInputError(f"unknown scene dataset {dataset!r}; choose one of {', '.join(SCENE_DATASETS)}")
    if path is not None and dataset != "mnist":
        raise UserInputError(f"a dataset file is read only for mnist; got dataset={dataset!r} and path={path}")
    side = DEFAULT_SIDES[dataset] if side is None else side
    sizes = _split_sizes(dataset, sizes)
    if dataset == "digits":
        digits, labels = _sklearn_digits()
        parts = stratified_split(labels, fractions=(0.6, 0.2, 0.2), seed=seed)
        sources = {part: (digits, labels, index) for part, index in zip(SPLIT_NAMES, parts)}
        source = "digits"
    else:
        (x_train, y_train), (x_test, y_test) = load_keras_dataset("mnist", path=path)
        train_index, val_index = stratified_split(y_train, fractions=(5 / 6, 1 / 6), seed=seed)
        sources = {
            "train": (x_train, y_train, train_index),
            "val": (x_train, y_train, val_index),
            "test": (x_test, y_test, np.arange(len(y_test))),
        }
        source = str(path) if path is not None else "mnist"
    seeds = np.random.SeedSequence(seed).generate_state(len(SPLIT_NAMES))
    splits = {}
    for part, part_seed in zip(SPLIT_NAMES, seeds):
        x, y, index = sources[part]
        scenes = generate_digit_scenes(
            x[index],
            y[index],
            count=sizes[part],
            side=side,
            per_scene=per_scene,
            scale=scale,
            max_overlap=max_overlap,
            seed=int(part_seed),
        )
        scenes.digit_index = [index[i] for i in scenes.digit_index]
        scenes.source = source
        splits[part] = scenes
    return splits


# ---------------------------------------------------------------- writing


def _save_mask_png(mask: np.ndarray, path) -> pathlib.Path:
    """Writes class indices ``(h, w)`` (0-255) as an 8-bit grayscale PNG, atomically."""
    from PIL import Image

    from kerasdl.files import atomic_path

    with atomic_path(path) as tmp:
        Image.fromarray(np.asarray(mask, np.uint8)).save(tmp, format="PNG")
    return pathlib.Path(path)


def write_mask_folders(scenes: DigitScenes, folder) -> pathlib.Path:
    """Writes scenes as a mask-folder dataset: ``images/NAME.png``, ``masks/NAME.png``, ``classes.txt``.

    Masks are 8-bit grayscale PNGs of class indices; ``classes.txt`` names them, one per line,
    ``background`` first. :func:`kerasdl.data.segmentation.load_mask_folders` reads it back.

    Returns:
        ``folder``.
    """
    from kerasdl.data.images import save_png
    from kerasdl.files import atomic_path

    folder = pathlib.Path(folder)
    for i in range(len(scenes)):
        save_png(scenes.images[i], folder / "images" / f"{scene_name(i)}.png")
        _save_mask_png(scenes.masks[i], folder / "masks" / f"{scene_name(i)}.png")
    with atomic_path(folder / "classes.txt") as tmp:
        tmp.write_text("\n".join(["background", *scenes.class_names]) + "\n", encoding="utf-8")
    return folder


def _rings(mask: np.ndarray) -> list[np.ndarray]:
    """Closed boundary rings ``(k, 2)`` as ``(x, y)`` of a binary mask, in COCO's pixel coordinates.

    The contours at level 0.5 of the mask padded by one pixel are closed and pass half a pixel
    outside its pixels' centres; COCO puts pixel ``(row, col)``'s centre at ``(col + 0.5, row + 0.5)``.
    Collinear points are dropped.
    """
    from skimage.measure import approximate_polygon, find_contours

    padded = np.pad(mask.astype(np.float32), 1)
    rings = []
    for contour in find_contours(padded, 0.5):
        contour = approximate_polygon(contour, tolerance=0)
        rings.append(contour[:, ::-1] - 0.5)  # (row, col) -> (x, y); -1 for the pad, +0.5 for COCO
    return rings


def mask_polygon(mask: np.ndarray) -> list[float]:
    """One COCO polygon ``[x1, y1, x2, y2, ...]`` that an even-odd fill turns back into ``mask``.

    COCO's polygons of one object are filled one by one and united, which would fill a digit's
    holes (0, 6, 8, 9). So every boundary ring, outer and hole, goes into one polygon: the first
    ring, then each other ring reached from the first ring's start and left back to it along the
    same segment. The doubled segments cancel in an even-odd fill (pycocotools' rasteriser), and
    so do holes against their outer ring.
    """
    rings = _rings(mask)
    if not rings:
        return []
    anchor = rings[0][0]
    points = [rings[0]]
    for ring in rings[1:]:
        points += [ring, anchor[None]]
    return [round(float(v), 2) for v in np.concatenate(points).reshape(-1)]


def write_coco(scenes: DigitScenes, folder) -> pathlib.Path:
    """Writes scenes as a COCO dataset: ``images/NAME.png`` and ``annotations.json``.

    One annotation per digit: its mask as a polygon (:func:`mask_polygon`), its box as
    ``[x, y, width, height]``, its area in mask pixels; category ids 1-10 are the digits "0"-"9";
    image ids count from 1. :func:`kerasdl.data.segmentation.load_coco_segmentation` reads it.

    Returns:
        ``folder / "annotations.json"``.
    """
    from kerasdl.data.images import save_png
    from kerasdl.files import write_json

    folder = pathlib.Path(folder)
    images, annotations = [], []
    for i in range(len(scenes)):
        name = f"{scene_name(i)}.png"
        save_png(scenes.images[i], folder / "images" / name)
        side_h, side_w = scenes.masks[i].shape
        images.append({"id": i + 1, "file_name": name, "width": side_w, "height": side_h})
        for j, (box, label) in enumerate(zip(scenes.boxes[i], scenes.labels[i])):
            x0, y0, x1, y1 = (int(v) for v in box)
            if scenes.instances is not None:
                region = scenes.instances[i][y0:y1, x0:x1] == j + 1
            else:  # without instance masks: the digit's class pixels in its box
                region = scenes.masks[i][y0:y1, x0:x1] == label + 1
            polygon = mask_polygon(region)
            offset = np.tile([x0, y0], len(polygon) // 2)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(label) + 1,
                    "segmentation": [[round(float(v), 2) for v in np.asarray(polygon) + offset]],
                    "area": int(region.sum()),
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "iscrowd": 0,
                }
            )
    categories = [{"id": k + 1, "name": name, "supercategory": "digit"} for k, name in enumerate(scenes.class_names)]
    return write_json(
        {"images": images, "annotations": annotations, "categories": categories}, folder / "annotations.json"
    )
