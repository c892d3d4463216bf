"""The serving signature of an exported classifier: encoded images in, label and probabilities out."""

from __future__ import annotations

import tensorflow as tf

from kerasdl.apps.labels import label_outputs
from kerasdl.data.classification import to_model_input
from kerasdl.export.images import decode_image


def model_input_size(model) -> tuple[int, int]:
    """``(side, channels)`` of a classifier's square raw-pixel input."""
    _, height, width, channels = model.input_shape
    return int(height), int(channels)


def image_bytes_endpoint_fn(model, class_names, *, max_pixels: int):
    """``serving_default``: a batch of encoded PNG/JPEG/GIF/BMP/WebP bytes in, the predicted class out.

    Each image's size is checked on its header, then it is decoded, converted to the model's channels (BT.601 luma for grayscale) and
    resized to its input size, as :func:`kerasdl.data.classification.to_model_input` does in
    Python; the class names are constants in the graph.

    Args:
        model: the trained classifier, taking raw pixels ``(batch, side, side, channels)`` on 0-255.
        class_names: the names of its output classes, in order.
        max_pixels: the largest image (``height * width``) accepted.

    Returns:
        A function from a ``[batch]`` string tensor to ``{"label": [batch] string,
        "probability": [batch] float32, "probabilities": [batch, classes] float32}``.
        Undecodable bytes, or an image over ``max_pixels``, make the call fail with ``InvalidArgumentError``.
    """
    size, channels = model_input_size(model)

    def one(data):
        image = decode_image(data, max_pixels=max_pixels)
        return to_model_input(image, size=size, channels=channels)

    def serve(image_bytes):
        pixels = tf.map_fn(one, image_bytes, fn_output_signature=tf.TensorSpec((size, size, channels), tf.float32))
        return label_outputs(model(pixels, training=False), class_names)

    return serve
