"""Training a captioner on all reference captions of an image at once, teacher forced.

As neuraltalk2's ``seq_per_img``: a batch holds images with all their reference captions,
``(batch, captions_per_image, length)``; the encoder runs once per image and its features are
repeated for each caption. On a CPU the encoder is most of the cost, so this trains on four or
five times as many captions per second as one (image, caption) pair per row.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kerasdl.data.captions.vocabulary import END, RESERVED, encode_captions
from kerasdl.layers.caption_groups import CaptionGroups
from kerasdl.models.captioning.common import CAPTION_INPUT, DECODER_LAYER, ENCODER_LAYER, FEATURES_INPUT, IMAGE_INPUT

END_ID = RESERVED.index(END)
MAX_CAPTIONS_PER_IMAGE = 5


def grouped_model(model, captions_per_image: int):
    """The training model: ``{"image" (b, h, w, 3), "caption_ids" (b, r, length)}`` to logits ``(b, r, length, v)``.

    It shares the encoder and decoder (and their weights) with ``model``.
    """
    encoder, decoder = model.get_layer(ENCODER_LAYER), model.get_layer(DECODER_LAYER)
    image = keras.Input(shape=encoder.input_shape[1:], name=IMAGE_INPUT)
    ids = keras.Input(shape=(captions_per_image, None), dtype="int32", name=CAPTION_INPUT)
    features, flat_ids = CaptionGroups(captions_per_image, "split", name="split_captions")([encoder(image), ids])
    logits = decoder({FEATURES_INPUT: features, CAPTION_INPUT: flat_ids})
    logits = CaptionGroups(captions_per_image, "merge", name="merge_captions")(logits)
    return keras.Model({IMAGE_INPUT: image, CAPTION_INPUT: ids}, logits, name=model.name)


def captions_per_image(captions) -> int:
    """How many references a training row holds: the most any image has, at most five."""
    return min(max(len(c) for c in captions), MAX_CAPTIONS_PER_IMAGE)


def grouped_ids(captions, vocabulary, *, max_length: int, per_image: int) -> np.ndarray:
    """Int32 ``(images, per_image, max_length + 1)``: each image's first ``per_image`` captions, zero rows where it has fewer."""
    out = np.zeros((len(captions), per_image, max_length + 1), np.int32)
    for i, refs in enumerate(captions):
        refs = list(refs)[:per_image]
        out[i, : len(refs)] = encode_captions(refs, vocabulary, max_length + 1)
    return out


def caption_dataset(
    images: np.ndarray,
    captions,
    vocabulary,
    *,
    max_length: int,
    per_image: int,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
):
    """Batches ``({"image", "caption_ids"}, next ids)`` with all references of each image.

    Args:
        images: uint8 ``(n, size, size, 3)``.
        captions: per image, its reference captions.
        vocabulary: the word list.
        max_length: caption-input length (start token included).
        per_image: caption rows per image (see :func:`captions_per_image`).
        batch_size: images per batch.
        shuffle: shuffle images each epoch and repeat forever (training), else one pass.
        seed: the shuffle seed.

    Returns:
        The dataset; ``caption_ids`` is ``(batch, per_image, max_length)``, the targets alike.
    """
    ids = grouped_ids(captions, vocabulary, max_length=max_length, per_image=per_image)
    ds = tf.data.Dataset.from_tensor_slices((images, ids))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(batch_size, drop_remainder=shuffle and len(images) >= batch_size)

    def to_inputs(pixels, tokens):
        # The decoder never reads the end token (decoding stops there), so the input's padding
        # mask, which Keras passes on to the loss and metrics, covers exactly the real targets.
        inputs = tf.where(tokens[..., :-1] == END_ID, 0, tokens[..., :-1])
        return {IMAGE_INPUT: tf.cast(pixels, tf.float32) / 255.0, CAPTION_INPUT: inputs}, tokens[..., 1:]

    return ds.map(to_inputs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)
