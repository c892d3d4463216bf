"""The embedded captioning set: generated scenes of two shapes, described in words.

Every image shows two shapes (circle, square or triangle; small or large; one of five
colours) at random, clearly separated positions on a varied background (a tinted grey
gradient with noise). Its reference captions say the same thing in four ways, e.g.
"a small red circle left of a large blue square", "a large blue square right of a small red
circle", "a small red circle is left of a large blue square" ... Seeded, so the same
arguments always give the same images and captions.
"""

from __future__ import annotations

import numpy as np

from kerasdl.data.captions.loaders import CaptionSplit

SHAPES = ("circle", "square", "triangle")
COLOURS = {
    "red": (0.85, 0.1, 0.1),
    "green": (0.1, 0.7, 0.15),
    "blue": (0.1, 0.2, 0.9),
    "yellow": (0.95, 0.85, 0.1),
    "purple": (0.6, 0.15, 0.75),
}
SIZES = {"small": 0.1, "large": 0.19}  # half-side as a fraction of the image side
OPPOSITE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
DEFAULT_SIZES = {"train": 8000, "val": 500, "test": 500}


def _background(rng, size):
    base = rng.uniform(0.3, 0.8)
    tint = rng.uniform(-0.08, 0.08, 3)
    y, x = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * x + np.sin(angle) * y - 0.5) * rng.uniform(0, 0.3)
    image = base + tint + ramp[..., None] + rng.normal(0, 0.03, (size, size, 3))
    return np.clip(image, 0, 1)


def _mask(shape, cx, cy, half, size):
    y, x = np.mgrid[0:size, 0:size] + 0.5
    if shape == "circle":
        return (x - cx) ** 2 + (y - cy) ** 2 <= half**2
    if shape == "square":
        return (np.abs(x - cx) <= half) & (np.abs(y - cy) <= half)
    # an upward triangle: apex at the top, base at the bottom
    top, bottom = cy - half, cy + half
    inside = (y >= top) & (y <= bottom)
    return inside & (np.abs(x - cx) <= half * (y - top) / (2 * half))


def _place(rng, halves, size):
    """Centres of two shapes, far enough apart that one relation clearly holds."""
    while True:
        (ha, hb), margin = halves, 2
        a = rng.uniform([ha + margin] * 2, [size - ha - margin] * 2)
        b = rng.uniform([hb + margin] * 2, [size - hb - margin] * 2)
        dx, dy = b - a
        major, minor = (abs(dx), abs(dy)) if abs(dx) >= abs(dy) else (abs(dy), abs(dx))
        if major >= ha + hb + 3 and major >= 1.6 * minor:
            return (
                a,
                b,
                ("left of" if dx > 0 else "right of") if abs(dx) >= abs(dy) else ("above" if dy > 0 else "below"),
            )


def _phrase(obj):
    return f"{obj['size']} {obj['colour']} {obj['shape']}"


def scene_captions(first, second, relation) -> list[str]:
    """The four reference captions of a scene where ``first`` is ``relation`` ``second``."""
    a, b, back = _phrase(first), _phrase(second), OPPOSITE[relation]
    return [f"a {a} {relation} a {b}", f"a {b} {back} a {a}", f"a {a} is {relation} a {b}", f"a {b} is {back} a {a}"]


def generate_scenes(count: int, *, seed: int = 0, image_size: int = 64):
    """``count`` scenes: uint8 images ``(count, image_size, image_size, 3)`` and their captions.

    Returns:
        ``(images, captions)`` with four reference captions per image.
    """
    if count < 1 or image_size < 32:
        raise ValueError(
            f"count must be >= 1 and image_size >= 32; Received: count={count!r}, image_size={image_size!r}"
        )
    rng = np.random.default_rng(seed)
    images = np.zeros((count, image_size, image_size, 3), np.uint8)
    captions = []
    for i in range(count):
        objects = [
            {
                "shape": SHAPES[rng.integers(len(SHAPES))],
                "colour": list(COLOURS)[rng.integers(len(COLOURS))],
                "size": list(SIZES)[rng.integers(len(SIZES))],
            }
            for _ in range(2)
        ]
        if objects[0] == objects[1]:
            objects[1]["colour"] = list(COLOURS)[(list(COLOURS).index(objects[0]["colour"]) + 1) % len(COLOURS)]
        halves = [SIZES[o["size"]] * image_size * rng.uniform(0.9, 1.1) for o in objects]
        centres = _place(rng, halves, image_size)
        image = _background(rng, image_size)
        for obj, (cx, cy), half in zip(objects, centres[:2], halves):
            colour = np.clip(np.asarray(COLOURS[obj["colour"]]) + rng.uniform(-0.06, 0.06, 3), 0, 1)
            image[_mask(obj["shape"], cx, cy, half, image_size)] = colour
        images[i] = np.rint(image * 255)
        captions.append(scene_captions(objects[0], objects[1], centres[2]))
    return images, captions


def scene_splits(*, sizes: dict | None = None, seed: int = 0, image_size: int = 64) -> dict:
    """Train/val/test :class:`CaptionSplit` of generated scenes, each split from its own seed."""
    sizes = {**DEFAULT_SIZES, **(sizes or {})}
    splits = {}
    for offset, (name, count) in enumerate(sizes.items()):
        images, captions = generate_scenes(count, seed=seed * 1000 + offset, image_size=image_size)
        splits[name] = CaptionSplit(
            names=[f"scene_{name}_{i:05d}" for i in range(count)], captions=captions, images=images
        )
    return splits
