"""Image bytes to the captioner's input: one TensorFlow function for training, predict and serving."""

from __future__ import annotations

import tensorflow as tf


def decode_and_resize(data, size: int):
    """Encoded PNG/JPEG/BMP/GIF bytes to float32 ``(size, size, 3)`` in [0, 1] (antialiased resize).

    Raises:
        tf.errors.InvalidArgumentError: the bytes are not a decodable image.
    """
    return resize_image(tf.io.decode_image(data, channels=3, dtype=tf.float32, expand_animations=False), size)


def resize_image(image, size: int):
    """A decoded float32 RGB image in [0, 1] to ``(size, size, 3)`` (antialiased resize), as :func:`decode_and_resize`."""
    image = tf.image.resize(image, (size, size), antialias=True)
    return tf.clip_by_value(image, 0.0, 1.0)
