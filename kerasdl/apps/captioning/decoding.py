"""Writing captions with a trained captioner: greedy or beam search, in Python and in a SavedModel.

The encoder runs once per image; keras-hub's sampler then grows the caption ``[start, 0, ...]``
one word at a time, calling the decoder on the prefix with the image features as its cache
(beam search repeats and reorders the cache per beam), as
:func:`kerasdl.inference.seq2seq_decoding.decode` does with a source sentence.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from keras import ops

from kerasdl.data.captions.vocabulary import END, RESERVED, START, UNKNOWN
from kerasdl.inference.seq2seq_decoding import make_sampler, truncate_after_end
from kerasdl.models.captioning.common import CAPTION_INPUT, DECODER_LAYER, ENCODER_LAYER, FEATURES_INPUT

START_ID, END_ID = RESERVED.index(START), RESERVED.index(END)


def sampler_for(beam_width: int):
    """Greedy search for ``beam_width`` 1, else beam search with that many beams."""
    return make_sampler("greedy") if beam_width == 1 else make_sampler("beam", beam_width=beam_width)


def decode_ids(model, images, *, max_length: int, sampler="greedy"):
    """Caption token ids for a batch of images.

    Args:
        model: a captioner with nested ``"encoder"`` and ``"decoder"`` models.
        images: float32 ``(batch, h, w, 3)`` in [0, 1], at the model's size.
        max_length: longest caption, the start token included.
        sampler: a keras-hub sampler or a name for :func:`make_sampler`.

    Returns:
        Int32 ``(batch, max_length)``: start, words, end (where produced), zeros.
    """
    features = model.get_layer(ENCODER_LAYER)(images, training=False)
    return decode_features(model, features, max_length=max_length, sampler=sampler)


def decode_features(model, features, *, max_length: int, sampler="greedy"):
    """Caption token ids from the encoder's feature grid (what ``model.tflite`` gives): :func:`decode_ids` past the encoder."""
    if isinstance(sampler, str):
        sampler = make_sampler(sampler)
    decoder = model.get_layer(DECODER_LAYER)
    batch = ops.shape(features)[0]
    prompt = ops.concatenate(
        [ops.full((batch, 1), START_ID, dtype="int32"), ops.zeros((batch, max_length - 1), dtype="int32")], axis=1
    )
    keep = ops.concatenate([ops.ones((batch, 1), "bool"), ops.zeros((batch, max_length - 1), "bool")], axis=1)
    vocabulary_size = model.output.shape[-1]
    # Padding, unknown words and the start token are never the next word.
    never = ops.convert_to_tensor(
        [-1e9 if i in (0, START_ID, RESERVED.index(UNKNOWN)) else 0.0 for i in range(vocabulary_size)]
    )
    # A caption that has ended only repeats the end token, at no cost: beam search then ranks
    # finished captions by their own probability, not by words sampled after their end.
    only_end = ops.convert_to_tensor([0.0 if i == END_ID else -1e9 for i in range(vocabulary_size)])
    positions = ops.arange(max_length, dtype="int32")

    def next_logits(prompt, cache, index):
        logits = decoder({FEATURES_INPUT: cache, CAPTION_INPUT: prompt}, training=False)
        logits = ops.cast(ops.take(logits, index - 1, axis=1), "float32") + never
        filled = ops.less(positions[None, :], ops.cast(index, "int32"))
        ended = ops.any(ops.logical_and(ops.equal(prompt, END_ID), filled), axis=1)
        return ops.where(ended[:, None], only_end[None, :], logits), None, cache

    tokens = sampler(next_logits, prompt, cache=features, index=1, mask=keep, stop_token_ids=[END_ID])
    return truncate_after_end(ops.cast(tokens, "int32"), END_ID)


def ids_to_strings(ids, vocabulary):
    """TensorFlow: ``(batch, length)`` ids to ``[batch]`` caption strings (reserved tokens dropped)."""
    words = tf.gather(tf.constant(list(vocabulary), tf.string), ids)
    ragged = tf.ragged.boolean_mask(words, ids >= len(RESERVED))
    return tf.strings.reduce_join(ragged, axis=-1, separator=" ")


def ids_to_text(ids, vocabulary) -> list[str]:
    """NumPy: ``(batch, length)`` ids to caption strings (reserved tokens dropped)."""
    return [" ".join(vocabulary[i] for i in row if i >= len(RESERVED)) for row in np.asarray(ids)]


class Captioner:
    """A trained captioner with its vocabulary: images (or image bytes) in, caption strings out.

    Args:
        model: the captioner (``{"image", "caption_ids"}`` to logits).
        vocabulary: its word list (id = index).
        max_length: longest caption, the start token included.
        beam_width: 1 for greedy search, more for beam search.
    """

    def __init__(self, model, vocabulary, *, max_length: int, beam_width: int = 1):
        self.model, self.vocabulary = model, list(vocabulary)
        self.max_length, self.beam_width = int(max_length), int(beam_width)
        self.image_size = int(model.get_layer(ENCODER_LAYER).input_shape[1])
        self._ids = tf.function(self.ids, reduce_retracing=True)

    @property
    def decoding(self) -> str:
        """``"greedy"`` or ``"beam search, N beams"``."""
        return "greedy" if self.beam_width == 1 else f"beam search, {self.beam_width} beams"

    def ids(self, images):
        """Token ids ``(batch, max_length)`` for float images at the model's size."""
        return decode_ids(self.model, images, max_length=self.max_length, sampler=sampler_for(self.beam_width))

    def strings(self, images):
        """TensorFlow: ``[batch]`` caption strings (traceable, used by the serving signature)."""
        return ids_to_strings(self.ids(images), self.vocabulary)

    def caption(self, images, *, batch_size: int = 64) -> list[str]:
        """Captions of uint8 or float ``(n, size, size, 3)`` images, in batches."""
        images = np.asarray(images)
        scale = 255.0 if images.dtype == np.uint8 else 1.0
        out = []
        for start in range(0, len(images), batch_size):
            batch = tf.constant(images[start : start + batch_size].astype(np.float32) / scale)
            out += ids_to_text(self._ids(batch).numpy(), self.vocabulary)
        return out
