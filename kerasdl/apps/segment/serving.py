"""Segmenting whole images with a trained model: any size (tiled) in Python, whole inside the SavedModel.

The model maps ``(h, w, channels)`` images in [0, 1] to class probabilities ``(h, w, classes)``;
the class of a pixel is the most probable one. An image with other channels than the model's is
converted first (BT.601 luma for a grayscale model, a gray image repeated for a colour one), and
an RGB image whose three channels are equal is read as gray, as the served signature does, so
``predict`` and the SavedModel see the same pixels. The same TensorFlow ops run in both.
"""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

from kerasdl.apps.image_to_image import model_channels
from kerasdl.inference.tiling import TiledOutput, receptive_radius, tile_function

TILE = 256  # an image within this side is segmented whole
_CONTEXT = weakref.WeakKeyDictionary()  # model -> the context its tiles need, in pixels


def to_model_channels(image, channels: int):
    """A float image tensor ``(h, w, 1 or 3)`` with ``channels`` channels (BT.601 luma, or gray repeated)."""
    from kerasdl.data.color import rgb_to_ycbcr

    image = tf.convert_to_tensor(image, tf.float32)
    if channels == 1 and image.shape[-1] == 3:
        return rgb_to_ycbcr(image)[..., :1]
    if channels == 3 and image.shape[-1] == 1:
        return tf.repeat(image, 3, axis=-1)
    return image


def class_map(model, image):
    """The model's class index per pixel of one float image tensor ``(h, w, 1 or 3)``: ``(h, w)`` int32."""
    x = to_model_channels(image, model_channels(model))
    probabilities = model(x[None], training=False)[0]
    return tf.argmax(probabilities, axis=-1, output_type=tf.int32)


def mask_image(model):
    """``process`` for :func:`~kerasdl.apps.image_to_image.png_endpoint`: the class map as an image in [0, 1].

    The class index ``k`` becomes ``k / 255``, which :func:`~kerasdl.apps.image_to_image.encode_png`
    rounds back to the 8-bit value ``k``: the PNG holds the class index per pixel.
    """

    def process(image):
        return tf.cast(class_map(model, image), tf.float32)[..., None] / 255.0

    return process


def as_served(image: np.ndarray) -> np.ndarray:
    """``image`` as the served signature reads it: an RGB image with three equal channels becomes gray."""
    if (
        image.shape[-1] == 3
        and np.array_equal(image[..., :1], image[..., 1:2])
        and np.array_equal(image[..., :1], image[..., 2:])
    ):
        return image[..., :1]
    return image


def _multiple(model) -> int:
    """The multiple the model pads its input to (``2**depth`` for a U-Net; 1 without padding)."""
    from kerasdl.layers.padding import PadToMultiple

    return max([layer.multiple for layer in model.layers if isinstance(layer, PadToMultiple)] or [1])


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def context(model) -> int:
    """The pixels of context a tile needs on each side: the model's receptive-field radius, rounded up to its multiple.

    The radius is measured on the scores before the softmax (the probabilities of a pixel sum to
    one, so their sum has no gradient to measure).
    """
    if model not in _CONTEXT:
        import keras

        last = model.layers[-1]
        scores = keras.Model(model.inputs, last.input) if isinstance(last, keras.layers.Activation) else model
        _CONTEXT[model] = _round_up(max(receptive_radius(scores), 1), _multiple(model))
    return _CONTEXT[model]


def segment_tiles(model, image, *, tile: int = TILE) -> TiledOutput:
    """The class map of one image, computed tile by tile (memory bounded by the tile).

    Tiles and their context are multiples of the model's padding multiple, so a U-Net pools on
    the same grid in every tile as on the whole image, and the context covers its receptive
    field (:func:`~kerasdl.inference.tiling.receptive_radius`): the stitched map equals the
    whole image's. An image within ``tile`` is segmented whole.

    Args:
        model: the segmentation model.
        image: float ``(h, w, 1 or 3)`` in [0, 1] (or uint8).
        tile: tile side in pixels (rounded up to the model's multiple).

    Returns:
        A :class:`~kerasdl.inference.tiling.TiledOutput` of ``(h, w, 1)`` float class indices.
    """
    multiple = _multiple(model)
    tile = _round_up(tile, multiple)
    overlap = context(model) if max(image.shape[:2]) > tile else 0  # measured only when the image is tiled

    def segment(x):
        return tf.cast(class_map(model, x), tf.float32)[..., None]

    fn = tile_function(model, image.shape[-1], segment, key="segment")
    return TiledOutput(fn, image, tile=tile, overlap=overlap)


def segment_image(model, image, *, tile: int = TILE) -> np.ndarray:
    """The ``(h, w)`` int32 class map of one image (see :func:`segment_tiles`)."""
    image = as_served(np.asarray(image))
    return np.rint(segment_tiles(model, image, tile=tile).numpy()[..., 0]).astype(np.int32)
