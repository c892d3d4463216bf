"""The serving signature of an exported denoiser: encoded noisy images in, denoised PNGs out."""

from __future__ import annotations

import tensorflow as tf

from kerasdl.apps.denoising.denoise import denoise_with, model_channels


def encode_png(image):
    """A float image in [0, 1] to 8-bit PNG bytes (rounded, as :func:`~kerasdl.data.images.save_png` does)."""
    pixels = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0), tf.uint8)
    return tf.io.encode_png(pixels)


def png_endpoint_fn(model):
    """``serving_default``: a batch of encoded PNG/JPEG/BMP/GIF bytes in, denoised PNG bytes out.

    A gray image (one channel, or three equal ones) comes back as a grayscale PNG, a colour
    image as RGB; a grayscale model denoises each colour channel on its own, as
    ``kerasdl denoise predict`` does.

    Args:
        model: the trained denoiser.

    Returns:
        A function from a ``[batch]`` string tensor to ``{"image_png": [batch] string}``.
        Images in one batch may have different sizes. Undecodable bytes make the call fail
        with TensorFlow's ``InvalidArgumentError``.
    """
    channels = model_channels(model)

    def predict(x):
        return model(x[None], training=False)[0]

    def one(data):
        image = tf.io.decode_image(data, channels=3, dtype=tf.float32, expand_animations=False)
        gray = tf.reduce_all(tf.equal(image[..., :1], image))
        return tf.cond(
            gray,
            lambda: encode_png(denoise_with(predict, image[..., :1], channels=channels)),
            lambda: encode_png(denoise_with(predict, image, channels=channels)),
        )

    def serve(image_bytes):
        return {"image_png": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

    return serve
