"""Upscaling whole images with an SR model, in colour, whatever channels the model was trained on.

A luminance model (1 channel, as SRCNN/ESPCN/VDSR train) upscales Y; the chroma planes
get bicubic, which the eye barely tells apart. The same function runs in Python (with
tiling) and inside the exported SavedModel's serving signature.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from kerasdl.apps.image_to_image import model_channels, whole_image
from kerasdl.data.color import rgb_to_ycbcr, ycbcr_to_rgb
from kerasdl.inference.tiling import TiledOutput, receptive_radius, tile_function

OVERLAP = 24  # the least tile context: the default EDSR's receptive-field radius is 20


def model_scale(model) -> int:
    """The model's upscaling factor, read from its output size on an 8x8 input."""
    out = model.compute_output_shape((1, 8, 8, model.input_shape[-1]))
    return int(out[1]) // 8


def check_sr_model(model, source) -> None:
    """Raises ``UserInputError`` unless ``model`` maps (h, w, 1|3) images to a supported scale."""
    from kerasdl.errors import UserInputError
    from kerasdl.models.restoration import SUPPORTED_SCALES

    shape = model.input_shape
    try:
        ok = isinstance(shape, tuple) and len(shape) == 4 and shape[-1] in (1, 3)
        out = model.compute_output_shape((1, 8, 8, shape[-1])) if ok else None
        ok = ok and out[1] == out[2] and out[1] % 8 == 0 and out[1] // 8 in SUPPORTED_SCALES and out[-1] == shape[-1]
    except Exception:  # a model whose output shape cannot be computed for images
        ok = False
    if not ok:
        raise UserInputError(
            f"{source} is not a super-resolution model (needs (h, w, 1 or 3) in, x{'/x'.join(map(str, SUPPORTED_SCALES))} out;"
            f" its input shape is {shape})"
        )


def upscale_with(predict, image, *, scale, channels):
    """Upscales one image ``(h, w, c)`` in [0, 1] with ``predict`` (an image-to-image function).

    Args:
        predict: maps a ``(h, w, channels)`` tensor to ``(scale*h, scale*w, channels)``.
        image: float image with 1 or 3 channels.
        scale: the upscaling factor.
        channels: the channels ``predict`` takes (1 = luminance, 3 = RGB).

    Returns:
        A float32 tensor ``(scale*h, scale*w, c)`` clipped to [0, 1], with ``c`` as the input's.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    if channels == 1 and image.shape[-1] == 3:
        ycc = rgb_to_ycbcr(image)
        y = predict(ycc[..., :1])
        chroma = tf.image.resize(ycc[..., 1:], tf.shape(y)[:2], method="bicubic")
        out = ycbcr_to_rgb(tf.concat([tf.cast(y, tf.float32), chroma], axis=-1))
    elif channels == 3 and image.shape[-1] == 1:
        out = tf.reduce_mean(predict(tf.repeat(image, 3, axis=-1)), axis=-1, keepdims=True)
    else:
        out = predict(image)
    return tf.clip_by_value(tf.cast(out, tf.float32), 0.0, 1.0)


def upscale_tiles(model, image, *, tile=128, overlap=None) -> TiledOutput:
    """The upscale of one image by ``model``, computed tile by tile as it is read (memory bounded by the tile).

    Each tile goes through :func:`upscale_with` (colour conversion, model, bicubic chroma),
    all of which act locally, so the stitched output equals the whole image's.

    Args:
        model: the SR model.
        image: ``(h, w, 1 or 3)``, float in [0, 1] or uint8.
        tile: tile side in LR pixels.
        overlap: context pixels around each tile; default: the model's receptive-field
            radius, at least 24 (the default EDSR reaches 20 pixels, a 16-block SRResNet 40).

    Returns:
        A :class:`~kerasdl.inference.tiling.TiledOutput`: ``.bands()`` to stream it, ``.numpy()`` for the array.
    """
    scale, channels = model_scale(model), model_channels(model)
    if overlap is None:
        overlap = max(OVERLAP, receptive_radius(model))

    def upscale(x):
        return upscale_with(whole_image(model), x, scale=scale, channels=channels)

    fn = tile_function(model, image.shape[-1], upscale, key="upscale")
    return TiledOutput(fn, image, scale=scale, tile=tile, overlap=overlap)


def upscale_image(model, image, *, tile=128, overlap=None) -> np.ndarray:
    """Upscales one image with ``model``, tiled: a float32 array ``(scale*h, scale*w, c)`` in [0, 1]."""
    return upscale_tiles(model, np.asarray(image), tile=tile, overlap=overlap).numpy()
