"""What both captioning builders share: the inputs, the encoder/decoder split, the argument checks.

A captioner maps ``{"image", "caption_ids"}`` to next-token logits ``(batch, length, vocabulary)``:
``image`` is float32 ``(height, width, 3)`` in [0, 1], ``caption_ids`` the caption shifted
right (it starts with the start token; 0 pads). Inside, two nested models do the work: the
``"encoder"`` (image to a feature grid ``(batch, positions, channels)``) and the ``"decoder"``
(``{"features", "caption_ids"}`` to logits). Decoding runs the encoder once and the decoder
once per step, the features standing in for the sampler's cache.
"""

from __future__ import annotations

import keras
from keras import layers

from kerasdl.models.arguments import check_positive_int

IMAGE_INPUT = "image"
CAPTION_INPUT = "caption_ids"
FEATURES_INPUT = "features"
ENCODER_LAYER = "encoder"
DECODER_LAYER = "decoder"


def check_image_shape(image_shape) -> tuple:
    """``(height, width, 3)`` with both sides at least 16; returns it as a tuple."""
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or shape[-1] != 3 or not all(isinstance(s, int) and s >= 16 for s in shape[:2]):
        raise ValueError(
            f"image_shape must be (height, width, 3) with sides >= 16; Received: image_shape={image_shape!r}"
        )
    return shape


def check_common(*, vocabulary_size, sequence_length, embed_dim):
    check_positive_int("vocabulary_size", vocabulary_size)
    check_positive_int("sequence_length", sequence_length, allow_none=True)
    check_positive_int("embed_dim", embed_dim)
    if vocabulary_size < 4:
        raise ValueError(
            f"vocabulary_size must be at least 4 (padding, unknown, start, end); "
            f"Received: vocabulary_size={vocabulary_size!r}"
        )


def caption_input(sequence_length=None):
    return keras.Input(shape=(sequence_length,), dtype="int32", name=CAPTION_INPUT)


def decoder_inputs(features_shape, sequence_length=None):
    """The decoder's inputs: the encoder's feature grid ``features_shape`` and the caption ids."""
    return keras.Input(shape=features_shape, name=FEATURES_INPUT), caption_input(sequence_length)


def decoder_model(features, ids, states, *, vocabulary_size, dropout):
    """The decoder: dropout on its last ``states`` and the next-token ``"logits"`` (float32), as a model."""
    states = layers.Dropout(dropout, name="output_dropout")(states)
    logits = layers.Dense(vocabulary_size, dtype="float32", name="logits")(states)
    return keras.Model({FEATURES_INPUT: features, CAPTION_INPUT: ids}, logits, name=DECODER_LAYER)


def assemble(encoder, decoder, *, sequence_length, name):
    """The training model: ``decoder({"features": encoder(image), "caption_ids"})``."""
    image = keras.Input(shape=encoder.input_shape[1:], name=IMAGE_INPUT)
    ids = caption_input(sequence_length)
    logits = decoder({FEATURES_INPUT: encoder(image), CAPTION_INPUT: ids})
    return keras.Model({IMAGE_INPUT: image, CAPTION_INPUT: ids}, logits, name=name)
