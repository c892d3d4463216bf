"""Serving a captioner: encoded image bytes in, caption strings out; the encoder in the LiteRT file."""

from __future__ import annotations

import keras
import tensorflow as tf

from kerasdl.data.captions.images import decode_and_resize
from kerasdl.models.captioning.common import ENCODER_LAYER


def bytes_endpoint_fn(captioner):
    """``serving_default``: a ``[batch]`` string tensor of PNG/JPEG/BMP/GIF bytes to ``{"caption": [batch] string}``.

    Each image is decoded to RGB and resized to the model's size (antialiased) as in
    training. Undecodable bytes make the call fail with TensorFlow's ``InvalidArgumentError``.
    """
    size = captioner.image_size

    def serve(image_bytes):
        images = tf.map_fn(
            lambda data: decode_and_resize(data, size),
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
