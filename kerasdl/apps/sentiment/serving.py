"""Serving a sentiment model: raw strings in the SavedModel, token ids in the LiteRT file."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kerasdl.apps.labels import label_outputs
from kerasdl.apps.sentiment.ensemble import STACKING, member_features
from kerasdl.apps.sentiment.recipes import parts
from kerasdl.errors import ExportParityError, UserInputError
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


def ensemble_members(model) -> list:
    """The member text models of an ensemble (:mod:`kerasdl.apps.sentiment.ensemble`), in id order; [] for others.

    The ids of an ensemble's LiteRT file are its members' ids side by side: the members that
    take a fixed number of ids first, then the one (at most) that takes any number.
    """
    if STACKING not in [layer.name for layer in model.layers]:
        return []
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    lengths = [parts(m)[1].input_shape[1] for m in members]
    if sum(length is None for length in lengths) > 1:
        raise UserInputError("an ensemble's ids are laid side by side: at most one member may take any number of them")
    return sorted(members, key=lambda m: parts(m)[1].input_shape[1] is None)


def _ensemble_ids_model(model, members):
    """An ensemble behind its members' tokenizers (``members`` from :func:`ensemble_members`): their ids side by
    side (float32) -> the stacked probabilities."""
    lengths = [parts(m)[1].input_shape[1] for m in members]
    width = None if None in lengths else sum(lengths)
    ids = keras.Input(shape=(width,), dtype="float32", name="token_ids")
    probabilities, offset = {}, 0
    for member, length in zip(members, lengths):
        piece = ids[:, offset:] if length is None else ids[:, offset : offset + length]
        core = parts(member)[1]
        member_ids = keras.Input(shape=core.input_shape[1:], dtype="int32", name=f"{member.name}_ids")
        named = keras.Model(member_ids, core(member_ids), name=member.name)  # the cores are all "classifier"
        probabilities[member.name] = named(keras.ops.cast(piece, "int32"))
        offset += length or 0
    in_model_order = [probabilities[layer.name] for layer in model.layers if layer.name in probabilities]
    outputs = model.get_layer(STACKING)(member_features(in_model_order))
    return keras.Model(ids, outputs, name=f"{model.name}_token_ids")


def token_ids_model(model):
    """The classifier behind the tokenizer, taking token ids as float32 ``(batch, length)``.

    What ``model.tflite`` runs (LiteRT has no string ops). The ids are whole numbers below
    the vocabulary size, exact in float32, cast to int32 first. For a keras-hub preset the
    padding mask (ids other than the pad id) and zero segment ids are made in the graph.
    """
    members = ensemble_members(model)
    if members:
        ids_model = _ensemble_ids_model(model, members)
        ids_model.text_model = model
        return ids_model
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
    members = ensemble_members(model)
    if members:
        return tf.concat([tokenize(member, texts) for member in members], axis=1)
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


def vocabulary_name(member: str) -> str:
    """An ensemble member's vocabulary file: ``vocabulary_<member>.txt``."""
    return f"vocabulary_{member}.txt"


def tokenizer_record(model) -> dict:
    """How ``model`` (the app's own, not a preset) tokenizes: :func:`~kerasdl.apps.sentiment.recipes.tokenizer_spec`
    and its vocabulary size."""
    from kerasdl.apps.sentiment.recipes import tokenizer_spec

    return {**tokenizer_spec(parts(model)[0]), "vocabulary_size": len(vocabulary(model))}


def ensemble_float_usage(tokenizers: dict, *, width: int | None) -> str:
    """``metadata.json``'s ``serving_float`` line for an ensemble: each member's ids, in order, side by side."""
    pieces = []
    for name, t in tokenizers.items():
        length = t.get("sequence_length")
        count = f"{length} ids" if length else "any number of ids"
        pieces.append(f"{name}: {count} < {t['vocabulary_size']}, by {tokenizing(t, vocabulary_name(name))}")
    shape = f"[batch, {width}]" if width else "[batch, any length]"
    return (
        f"token_ids: {shape} float32, the members' ids side by side (0 = padding) -> output: [batch, classes] "
        "probabilities. Members in order: " + " | ".join(pieces)
    )


def vocabulary_file(tokens) -> str:
    """``vocabulary.txt``: one token per line, a token's id its line number (0 = padding, 1 = unknown)."""
    return "".join(token.replace("\n", " ") + "\n" for token in tokens)


def tokenizing(tokenizer: dict, vocabulary_file_name: str) -> str:
    """How to make the app's own tokenizer's ids outside TensorFlow (``tokenizer``: ``kind``, ``ngrams``)."""
    if tokenizer.get("kind") == "wordpiece":
        return f"keras-hub WordPieceTokenizer(vocabulary={vocabulary_file_name}, lowercase=True, strip_accents=True)"
    n = tokenizer.get("ngrams", 1)
    return (
        "kerasdl.layers.standardize_review, split on whitespace"
        + (f", word n-grams of 1..{n} joined by spaces" if n > 1 else "")
        + f"; id = line number in {vocabulary_file_name} (0 padding, 1 unknown)"
    )


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
    else:
        how = tokenizing(tokenizer, VOCABULARY_FILE)
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
