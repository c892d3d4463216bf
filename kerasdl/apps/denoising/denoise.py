"""Denoising whole images with a trained model: any size (tiled), grayscale or colour.

A grayscale model denoises each channel of a colour image on its own; a colour model
given a grayscale image sees it as gray RGB and its output is averaged back. The same
function runs in Python (with tiling) and inside the exported SavedModel's signature.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from kerasdl.apps.image_to_image import model_channels, whole_image
from kerasdl.inference.tiling import TiledOutput, tile_function

# Tiles and their context are multiples of 16, so a U-Net of depth <= 4 pools on the same
# grid in every tile as on the whole image; 64 pixels cover the default models' reach.
TILE = 256
OVERLAP = 64


def check_denoising_model(model, source) -> None:
    """Raises ``UserInputError`` unless ``model`` maps ``(h, w, 1|3)`` images to images of the same shape."""
    from kerasdl.errors import UserInputError

    shape = model.input_shape
    try:
        ok = isinstance(shape, tuple) and len(shape) == 4 and shape[-1] in (1, 3)
        ok = ok and tuple(model.compute_output_shape((1, 16, 16, shape[-1]))) == (1, 16, 16, shape[-1])
    except Exception:  # a model whose output shape cannot be computed for images
        ok = False
    if not ok:
        raise UserInputError(
            f"{source} is not a denoising model (needs (h, w, 1 or 3) in and out; its input shape is {shape})"
        )


def denoise_with(predict, image, *, channels):
    """Denoises one image ``(h, w, c)`` with ``predict``, an image-to-image function on ``channels``.

    Args:
        predict: maps a ``(h, w, channels)`` tensor to the denoised ``(h, w, channels)``.
        image: float image with 1 or 3 channels (not clipped: noisy values may leave [0, 1]).
        channels: the channels ``predict`` takes.

    Returns:
        A float32 tensor ``(h, w, c)`` clipped to [0, 1], ``c`` as the input's.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    if channels == 1 and image.shape[-1] == 3:
        out = tf.concat([predict(image[..., i : i + 1]) for i in range(3)], axis=-1)
    elif channels == 3 and image.shape[-1] == 1:
        out = tf.reduce_mean(predict(tf.repeat(image, 3, axis=-1)), axis=-1, keepdims=True)
    else:
        out = predict(image)
    return tf.clip_by_value(tf.cast(out, tf.float32), 0.0, 1.0)


def level_scale(trained, sigma) -> float:
    """How much to scale an image with Gaussian noise ``sigma`` so a model trained on ``trained`` noise fits it.

    A denoiser trained for one Gaussian level ``s0`` (DnCNN-S and the app's default are) is
    used at another level ``s`` by contrast scaling: ``(y - 0.5) * s0/s + 0.5`` has noise of
    level ``s0``; the output is scaled back. This is "denoiser scaling" (Xu et al., "Boosting
    the Performance of Plug-and-Play Priors via Denoiser Scaling", 2020). Without it a
    sigma-25 model leaves most of sigma-50 noise in place (17 dB on Set12 instead of 26.7).

    Args:
        trained: the :class:`~kerasdl.data.noise.NoiseModel` the model was trained with, or None.
        sigma: the Gaussian level of the image (0-255 scale), or None when unknown.

    Returns:
        ``s0 / sigma`` for a model trained on one Gaussian level and a known ``sigma``, else 1.
    """
    if trained is None or sigma is None or trained.kind != "gaussian" or trained.low != trained.high or sigma <= 0:
        return 1.0
    return float(trained.low) / float(sigma)


def denoise_tiles(model, image, *, tile=TILE, overlap=OVERLAP, scale=1.0) -> TiledOutput:
    """The denoised image, computed tile by tile as it is read (memory bounded by the tile).

    ``scale`` (see :func:`level_scale`) stretches the image's contrast around mid-gray
    before the model and undoes it after, so a model trained for one noise level denoises
    another. Each tile goes through :func:`denoise_with`, which acts locally, so the
    stitched output equals the whole image's.

    Returns:
        A :class:`~kerasdl.inference.tiling.TiledOutput`: ``.bands()`` to stream it, ``.numpy()`` for the array.
    """
    channels, model_on = model_channels(model), whole_image(model)
    s = np.float32(scale)

    def predict(x):
        if scale == 1.0:
            return tf.cast(model_on(x), tf.float32)
        return (tf.cast(model_on((x - 0.5) * s + 0.5), tf.float32) - 0.5) / s + 0.5

    def denoise(x):
        return denoise_with(predict, x, channels=channels)

    fn = tile_function(model, image.shape[-1], denoise, key=("denoise", float(scale)))
    return TiledOutput(fn, image, tile=tile, overlap=overlap)


def denoise_image(model, image, *, tile=TILE, overlap=OVERLAP, scale=1.0) -> np.ndarray:
    """Denoises one image with ``model``, tiled: a float32 array in [0, 1] (see :func:`denoise_tiles`)."""
    return denoise_tiles(model, np.asarray(image), tile=tile, overlap=overlap, scale=scale).numpy()


def minimum_side(model) -> int:
    """The smallest image side ``model`` accepts (see :func:`kerasdl.layers.padding.minimum_side`)."""
    from kerasdl.layers.padding import minimum_side as smallest

    return smallest(model)
