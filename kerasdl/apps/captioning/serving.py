"""Serving a captioner: encoded image bytes in, caption strings out; the encoder in the LiteRT file."""

from __future__ import annotations

import keras
import tensorflow as tf

from kerasdl.data.captions.images import resize_image
from kerasdl.export.images import decode_image
from kerasdl.models.captioning.common import ENCODER_LAYER


def bytes_endpoint_fn(captioner, *, max_pixels: int):
    """``serving_default``: a ``[batch]`` string tensor of PNG/JPEG/GIF/BMP/WebP bytes to ``{"caption": [batch] string}``.

    Each image's size is checked on its header, then it is decoded to RGB and resized to the
    model's size (antialiased) as in training. Undecodable bytes, or an image of more than
    ``max_pixels`` pixels, make the call fail with TensorFlow's ``InvalidArgumentError``.
    """
    size = captioner.image_size

    def serve(image_bytes):
        images = tf.map_fn(
            lambda data: resize_image(decode_image(data, max_pixels=max_pixels), size),
            image_bytes,
            fn_output_signature=tf.TensorSpec((size, size, 3), tf.float32),
        )
        return {"caption": captioner.strings(images)}

    return serve


def encoder_model(model):
    """The encoder as its own model (float images in [0, 1] to the feature grid), sharing weights.

    What ``serving_float`` and ``model.tflite`` run. It holds the whole captioner, so exporting it
    also saves the decoder that the bytes-in signature uses.
    """
    encoder = model.get_layer(ENCODER_LAYER)
    float_model = keras.Model(encoder.input, encoder.output, name=f"{model.name}_encoder")
    float_model.captioner = model
    return float_model
