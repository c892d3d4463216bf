"""The serving signatures of an exported SR model: what a client really has."""

from __future__ import annotations

import tensorflow as tf

from kerasdl.apps.super_resolution.upscale import model_channels, model_scale, upscale_with


def encode_png(image):
    """A float image in [0, 1] to 8-bit PNG bytes (rounded, as :func:`save_png` does)."""
    pixels = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0), tf.uint8)
    return tf.io.encode_png(pixels)


def png_endpoint_fn(model):
    """``serving_default``: a batch of encoded PNG/JPEG/BMP/GIF bytes in, upscaled RGB PNG bytes out.

    Args:
        model: the trained SR model.

    Returns:
        A function from a ``[batch]`` string tensor to ``{"image_png": [batch] string}``.
        Images in one batch may have different sizes. Undecodable bytes make the call
        fail with TensorFlow's ``InvalidArgumentError``.
    """
    scale, channels = model_scale(model), model_channels(model)

    def predict(x):
        return model(x[None], training=False)[0]

    def one(data):
        image = tf.io.decode_image(data, channels=3, dtype=tf.float32, expand_animations=False)
        return encode_png(upscale_with(predict, image, scale=scale, channels=channels))

    def serve(image_bytes):
        return {"image_png": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

    return serve
