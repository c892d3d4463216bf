"""Serving a GPT: prompt strings in and generated strings out of the SavedModel, token ids in the LiteRT file."""

from __future__ import annotations

import numpy as np

from kerasdl.apps.textgen.data import END_ID


def token_ids_model(model, *, sequence_length: int, generate=None):
    """The forward pass on float32 token ids ``(batch, sequence_length)`` to logits: what ``model.tflite`` runs.

    Holding ``generate``'s tokenizer makes its vocabulary part of the SavedModel for the
    string signature.
    """
    import keras

    ids = keras.Input(shape=(sequence_length,), dtype="float32", name="token_ids")
    logits = model(keras.ops.cast(ids, "int32"))
    ids_model = keras.Model(ids, logits, name=f"{model.name}_token_ids")
    if generate is not None:
        ids_model.generation_tokenizer = generate.tokenizer
    return ids_model


def token_id_rows(token_lists, *, sequence_length: int) -> np.ndarray:
    """``model.tflite``'s float32 input: ``[EOS]`` and each text's ids, cut to ``sequence_length`` and 0-padded."""
    rows = np.zeros((len(token_lists), sequence_length), np.float32)
    for i, ids in enumerate(token_lists):
        row = np.concatenate([[END_ID], np.asarray(ids)])[:sequence_length]
        rows[i, : len(row)] = row
    return rows
