"""Serving a sentiment model: raw strings in the SavedModel, token ids in the LiteRT file."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kerasdl.apps.labels import label_outputs
from kerasdl.apps.sentiment.recipes import parts
from kerasdl.errors import ExportParityError
from kerasdl.export import load_serving_signature, run_tflite
from kerasdl.export.bundle import TFLITE_FILE

VOCABULARY_FILE = "vocabulary.txt"


def text_endpoint_fn(model, class_names):
    """``serving_default``: a batch of raw UTF-8 strings in, the predicted label and its probability out.

    The tokenizer inside ``model`` standardises and tokenises in the graph, so serving needs
    no Python; the class names are constants in the graph.

    Returns:
        A function from a ``[batch]`` string tensor to ``{"label": [batch] string,
        "probability": [batch] float32, "probabilities": [batch, classes] float32}``.
    """

    def serve(text):
        return label_outputs(model(text, training=False), class_names)

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


def vocabulary_file(tokens) -> str:
    """``vocabulary.txt``: one token per line, a token's id its line number (0 = padding, 1 = unknown)."""
    return "".join(token.replace("\n", " ") + "\n" for token in tokens)


def float_usage(*, tokenizer: dict | None, preset: str | None, length: int | None, vocabulary_size: int) -> str:
    """``metadata.json``'s line for ``serving_float`` and LiteRT: the token ids they take, and how to make them.

    Args:
        tokenizer: the run's tokenizer (``kind``, ``ngrams``), or None for a keras-hub preset.
        preset: the preset's name or folder, when known.
        length: the fixed number of token ids per text, or None (bags take any length).
        vocabulary_size: ids are whole numbers below it.
    """
    if tokenizer is None:
        source = f"Tokenizer.from_preset({preset!r})" if preset else "Tokenizer.from_preset(<the preset>)"
        how = f"the preset's tokenizer (keras_hub.tokenizers.{source}), padded"
    elif tokenizer.get("kind") == "wordpiece":
        how = "keras-hub WordPieceTokenizer(vocabulary=vocabulary.txt, lowercase=True, strip_accents=True)"
    else:
        n = tokenizer.get("ngrams", 1)
        how = (
            "kerasdl.layers.standardize_review, split on whitespace"
            + (f", word n-grams of 1..{n} joined by spaces" if n > 1 else "")
            + "; id = line number in vocabulary.txt (0 padding, 1 unknown)"
        )
    shape = f"[batch, {length}]" if length else "[batch, any length]"
    return (
        f"token_ids: {shape} float32 (whole numbers < {vocabulary_size}; 0 = padding) -> "
        f"output: [batch, classes] probabilities. Tokenize with {how}"
    )


def text_to_tflite_check(texts, token_ids, *, atol: float):
    """An export check: raw text through the SavedModel against the same texts' token ids through LiteRT.

    Returns:
        A function of the (temporary) version folder returning
        ``{"text_to_tflite_vs_saved_model": max |diff|}`` (``{}`` without a LiteRT file).

    Raises:
        ExportParityError (from the check): the two disagree by more than ``atol``.
    """

    def check(folder) -> dict:
        if not (folder / TFLITE_FILE).is_file():
            return {}
        served = load_serving_signature(folder)(tf.constant(list(texts)))["probabilities"].numpy()
        lite = run_tflite(folder / TFLITE_FILE, np.asarray(token_ids))
        diff = float(np.max(np.abs(served - lite)))
        if not diff <= atol:
            raise ExportParityError(
                f"LiteRT on the token ids differs from the SavedModel on the raw texts by {diff:.2e} (> {atol:g})"
            )
        return {"text_to_tflite_vs_saved_model": diff}

    return check
