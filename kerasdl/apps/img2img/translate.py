"""Applying a trained translator: which generator, on images of any size and either channel count.

A pix2pix or CycleGAN model is a training scheme around its generators; what translates is a
generator, an ordinary ``keras.Model`` from an image in [0, 1] to an image in [0, 1]. The same
function runs in Python (tiled) and inside the exported SavedModel's serving signature.
"""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

from kerasdl.inference.tiling import TiledOutput, tile_function

OVERLAP = 64  # context pixels around each tile: a U-Net sees far, so tiles far larger than this are the rule


def scheme_kind(model) -> str:
    """``"pix2pix"``, ``"cyclegan"`` or ``"generator"`` (a plain image-to-image model, as ``unet-l1`` trains)."""
    if hasattr(model, "generator_ab") and hasattr(model, "generator_ba"):
        return "cyclegan"
    if hasattr(model, "generator") and hasattr(model, "discriminator"):
        return "pix2pix"
    return "generator"


def generator_of(model, direction: str = "AtoB"):
    """The generator that translates in ``direction``: CycleGAN's ``generator_ab`` or ``generator_ba``,
    pix2pix's ``generator``, or the model itself."""
    kind = scheme_kind(model)
    if kind == "cyclegan":
        return model.generator_ab if direction == "AtoB" else model.generator_ba
    if kind == "pix2pix":
        return model.generator
    return model


def generator_channels(generator) -> int:
    """The channels a generator takes (1 or 3)."""
    return int(generator.input_shape[-1])


_SMALLEST = weakref.WeakKeyDictionary()  # generator -> the smallest image side it takes


def minimum_side(generator) -> int:
    """The smallest image side the generator takes, measured once.

    A U-Net's mirror padding to a multiple of ``2**depth`` needs half that
    (:func:`kerasdl.layers.padding.minimum_side`); CycleGAN's reflection-padded convolutions
    need a few pixels more. Sides from the padding's limit up are tried on a blank image.
    """
    if generator in _SMALLEST:
        return _SMALLEST[generator]
    from kerasdl.layers.padding import minimum_side as padding_limit

    side = start = padding_limit(generator)
    channels = generator_channels(generator)
    while side < start + 64:
        try:
            generator(tf.zeros((1, side, side, channels)), training=False)
            break
        except (tf.errors.InvalidArgumentError, ValueError):
            side += 1
    _SMALLEST[generator] = side
    return side


def check_translator(model, source, *, kind: str) -> None:
    """Raises ``UserInputError`` unless ``model`` is a translator of ``kind`` mapping ``(h, w, 1|3)`` images alike."""
    from kerasdl.errors import UserInputError

    found = scheme_kind(model)
    if found != kind:
        what = {"pix2pix": "a pix2pix model", "cyclegan": "a CycleGAN model", "generator": "an image-to-image model"}
        raise UserInputError(f"{source} is not {what[kind]} (it is {what[found]})")
    for direction in ("AtoB", "BtoA") if kind == "cyclegan" else ("AtoB",):
        generator = generator_of(model, direction)
        shape = generator.input_shape
        try:
            ok = isinstance(shape, tuple) and len(shape) == 4 and shape[-1] in (1, 3)
            side = max(32, minimum_side(generator))
            ok = ok and tuple(generator.compute_output_shape((1, side, side, shape[-1]))) == (1, side, side, shape[-1])
        except Exception:  # a model whose output shape cannot be computed for images
            ok = False
        if not ok:
            raise UserInputError(
                f"{source} does not translate images (needs (h, w, 1 or 3) in and out; its input shape is {shape})"
            )


def translate_with(predict, image, *, channels: int):
    """Translates one image ``(h, w, c)`` with ``predict``, a generator function on ``channels``-channel images.

    A one-channel generator given colour translates its luma (BT.601); a colour generator given
    a gray image sees it as gray RGB (an edge map becomes a colour photo).

    Returns:
        A float32 tensor ``(h, w, channels)`` clipped to [0, 1].
    """
    image = tf.convert_to_tensor(image, tf.float32)
    if channels == 1 and image.shape[-1] == 3:
        image = tf.reduce_sum(image * tf.constant([0.299, 0.587, 0.114], tf.float32), axis=-1, keepdims=True)
    elif channels == 3 and image.shape[-1] == 1:
        image = tf.repeat(image, 3, axis=-1)
    return tf.clip_by_value(tf.cast(predict(image), tf.float32), 0.0, 1.0)


def whole_image(generator):
    """The generator on one image tensor ``(h, w, c)``, in inference mode."""

    def predict(image):
        return generator(image[None], training=False)[0]

    return predict


def translate_tiles(generator, image, *, tile: int = 256, key="AtoB") -> TiledOutput:
    """The translation of one image by ``generator``, tile by tile (memory bounded by the tile).

    An image no larger than ``tile`` is translated whole. A larger one is cut into tiles, each
    translated with :data:`OVERLAP` pixels (at least the generator's smallest side) of context
    around it: a U-Net's output depends on its whole input, so the seams are hidden, not exact.

    Args:
        generator: the generator (``(h, w, 1 or 3)`` in [0, 1] to the same shape).
        image: ``(h, w, 1 or 3)``, float in [0, 1] or uint8.
        tile: the tile side.
        key: names the cached function (the direction).

    Returns:
        A :class:`~kerasdl.inference.tiling.TiledOutput`.
    """
    channels, predict = generator_channels(generator), whole_image(generator)

    def translate(x):
        return translate_with(predict, x, channels=channels)

    fn = tile_function(generator, image.shape[-1], translate, key=("img2img", key))
    return TiledOutput(fn, image, tile=tile, overlap=max(OVERLAP, minimum_side(generator)))


def translate_image(generator, image, *, tile: int = 256) -> np.ndarray:
    """Translates one image, tiled: a float32 array ``(h, w, generator channels)`` in [0, 1]."""
    return translate_tiles(generator, np.asarray(image), tile=tile).numpy()
