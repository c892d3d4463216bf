"""Serving a sentiment model: raw strings in the SavedModel, token ids in the LiteRT file."""

from __future__ import annotations

import keras
import tensorflow as tf

from kerasdl.apps.sentiment.recipes import parts

VOCABULARY_FILE = "vocabulary.txt"


def text_endpoint_fn(model, class_names):
    """``serving_default``: a batch of raw UTF-8 strings in, the predicted label and its probability out.

    The tokenizer inside ``model`` standardises and tokenises in the graph, so serving needs
    no Python; the class names are constants in the graph.

    Returns:
        A function from a ``[batch]`` string tensor to ``{"label": [batch] string,
        "probability": [batch] float32, "probabilities": [batch, classes] float32}``.
    """
    names = tf.constant([str(n) for n in class_names], tf.string)

    def serve(text):
        probabilities = tf.cast(model(text, training=False), tf.float32)
        index = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {
            "label": tf.gather(names, index),
            "probability": tf.reduce_max(probabilities, axis=-1),
            "probabilities": probabilities,
        }

    return serve


def is_preset(model) -> bool:
    """Whether ``model`` wraps a keras-hub task (its classifier takes a dict of tensors)."""
    _, core = parts(model)
    return isinstance(core.input, dict)


def _pad_id(tokenizer) -> int:
    inner = getattr(tokenizer, "tokenizer", tokenizer)  # a keras-hub preprocessor holds its tokenizer
    pad = getattr(inner, "pad_token_id", None)
    return int(pad) if pad is not None else 0


def token_ids_model(model):
    """The classifier behind the tokenizer, taking token ids as float32 ``(batch, length)``.

    What ``model.tflite`` runs (LiteRT has no string ops). The ids are whole numbers below
    the vocabulary size, exact in float32, cast to int32 first. For a keras-hub preset the
    padding mask (ids other than the pad id) and zero segment ids are made in the graph.
    """
    tokenizer, core = parts(model)
    if not is_preset(model):
        ids = keras.Input(shape=core.input_shape[1:], dtype="float32", name="token_ids")
        ids_model = keras.Model(ids, core(keras.ops.cast(ids, "int32")), name=f"{model.name}_token_ids")
    else:
        ids = keras.Input(shape=(tokenizer.sequence_length,), dtype="float32", name="token_ids")
        int_ids = keras.ops.cast(ids, "int32")
        features = {
            "token_ids": int_ids,
            "padding_mask": keras.ops.not_equal(int_ids, _pad_id(tokenizer)),
            "segment_ids": keras.ops.zeros_like(int_ids),
        }
        logits = core({k: v for k, v in features.items() if k in core.input})
        ids_model = keras.Model(
            ids, keras.ops.softmax(keras.ops.cast(logits, "float32")), name=f"{model.name}_token_ids"
        )
    # Exporting tracks this model only; holding the text model makes its tokenizer's lookup
    # tables part of the SavedModel, for the raw-string signature.
    ids_model.text_model = model
    return ids_model


def tokenize(model, texts) -> tf.Tensor:
    """The token ids ``model``'s own tokenizer gives ``texts`` (0-padded), as float32: what the LiteRT file takes."""
    tokenizer, _ = parts(model)
    ids = tokenizer(tf.constant(list(texts), tf.string))
    if isinstance(ids, dict):
        ids = ids["token_ids"]
    return tf.cast(ids, tf.float32)


def vocabulary(model) -> list[str]:
    """The tokenizer's vocabulary; a token's id is its index."""
    tokenizer, _ = parts(model)
    inner = getattr(tokenizer, "tokenizer", tokenizer)
    return [str(v) for v in inner.get_vocabulary()]
