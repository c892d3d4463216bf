"""Serving a translation model: raw strings in and out of the SavedModel, token ids in the LiteRT file.

The string signature tokenizes with SentencePiece, decodes with a keras-hub sampler (greedy,
beam search or top-k) and detokenizes, all inside the graph; ``predict`` and ``evaluate``
call the very same ``tf.function``, so the exported model translates exactly as they do.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from kerasdl.data import subword
from kerasdl.inference.seq2seq_decoding import decode, make_sampler
from kerasdl.models.seq2seq.common import DECODER_INPUT, ENCODER_INPUT

TEXT_INPUT = "text"
OUTPUT_KEY = "translation"


def sampler_of(name: str = "greedy", *, beam_width: int = 4, top_k: int = 10, seed: int | None = 0):
    """The keras-hub sampler a command's flags ask for (top-k seeded, so outputs repeat)."""
    return make_sampler(name, beam_width=beam_width, top_k=top_k, seed=seed)


def output_limit(source_width, target_length):
    """The longest output for a batch whose longest source has ``source_width`` pieces, start included.

    ``min(target_length, 2 * source_width + 8)``: no translation here is twice its source, and
    decoding (which re-reads the whole prefix at each step) stops that much sooner.
    """
    return (
        tf.minimum(target_length, 2 * source_width + 8)
        if tf.is_tensor(source_width)
        else min(target_length, 2 * source_width + 8)
    )


def translate_fn(model, proto: bytes, *, source_length: int, target_length: int, sampler="greedy"):
    """A ``tf.function`` from a ``[batch]`` string tensor to ``{"translation": [batch] string}``.

    Sources longer than ``source_length`` pieces are cut there (``predict`` refuses them
    first); outputs stop at :func:`output_limit` ``- 1`` pieces. The tokenizer is attached as
    ``.tokenizer`` so an export can track it.
    """
    tokenizer = subword.tokenizer(proto)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=TEXT_INPUT)], autograph=False)
    def translate(text):
        # Padded to the batch's longest source only: decoding re-reads the source at every step.
        ids = tokenizer(text)[:, :source_length].to_tensor(default_value=subword.PAD_ID)
        ids = tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])  # a batch of empty strings
        out = decode(
            model,
            ids,
            start_id=subword.START_ID,
            end_id=subword.END_ID,
            max_length=output_limit(tf.shape(ids)[1], target_length),
            sampler=sampler,
        )
        # <pad>, <s> and </s> are control pieces: detokenized to nothing.
        return {OUTPUT_KEY: tf.strings.strip(tokenizer.detokenize(out))}

    translate.tokenizer = tokenizer
    return translate


def token_ids_model(model, *, source_length: int, target_length: int, translate=None):
    """The seq2seq forward pass on float32 token ids: what ``model.tflite`` runs.

    Input ``token_ids`` ``(batch, source_length + target_length)``: the source pieces
    (0-padded to ``source_length``), then the decoder input ``[start, pieces...]`` (0-padded
    to ``target_length``). Output: next-token logits ``(batch, target_length, vocabulary)``.
    Exporting tracks this model only; holding ``translate``'s tokenizer makes its
    SentencePiece resource part of the SavedModel for the string signature.
    """
    ids = keras.Input(shape=(source_length + target_length,), dtype="float32", name="token_ids")
    int_ids = keras.ops.cast(ids, "int32")
    logits = model({ENCODER_INPUT: int_ids[:, :source_length], DECODER_INPUT: int_ids[:, source_length:]})
    ids_model = keras.Model(ids, logits, name=f"{model.name}_token_ids")
    if translate is not None:
        ids_model.translation_tokenizer = translate.tokenizer
    return ids_model


def token_id_rows(sources, decoder_inputs, *, source_length: int, target_length: int):
    """``model.tflite``'s float32 input ``(batch, source_length + target_length)`` from id sequences.

    Each source is cut to ``source_length`` and 0-padded, then its decoder input (``[start,
    pieces...]``) cut to ``target_length`` and 0-padded.
    """
    import numpy as np

    ids = np.zeros((len(sources), source_length + target_length), np.float32)
    for i, (source, decoder) in enumerate(zip(sources, decoder_inputs)):
        source, decoder = source[:source_length], decoder[:target_length]
        ids[i, : len(source)] = source
        ids[i, source_length : source_length + len(decoder)] = decoder
    return ids


def greedy_translate(forward, proto: bytes, texts, *, source_length: int, target_length: int) -> list[str]:
    """Greedy translation with a forward pass on token ids and the Python SentencePiece tokenizer.

    What ``metadata.json`` tells a LiteRT user to do: source pieces padded to
    ``source_length``, decoder input ``[start, 0, ...]``; repeatedly run the forward pass,
    take the best next piece (never padding or start) at the last filled position, stop at
    the end piece; detokenize.

    Args:
        forward: ``model.tflite``'s function: float32 ids ``(batch, source_length +
            target_length)`` to next-piece logits ``(batch, target_length, vocabulary)``.
        proto: the SentencePiece model.
        texts: the sentences.
        source_length: the model's source length in pieces.
        target_length: its decoder input length.
    """
    import numpy as np

    from kerasdl.apps.translation.data import piece_ids

    tokenizer = subword.tokenizer(proto)
    rows = [r[:source_length] for r in piece_ids(tokenizer, list(texts))]
    starts = [[subword.START_ID]] * len(rows)
    ids = token_id_rows(rows, starts, source_length=source_length, target_length=target_length)
    done = np.zeros(len(texts), bool)
    limit = output_limit(max(max(len(r) for r in rows), 1), target_length)
    for index in range(1, limit):
        logits = np.asarray(forward(ids))[:, index - 1].astype(np.float64)
        logits[:, [subword.PAD_ID, subword.START_ID]] = -np.inf
        best = np.where(done, 0, logits.argmax(-1))
        ids[:, source_length + index] = best
        done |= best == subword.END_ID
        if done.all():
            break
    out = ids[:, source_length:].astype(np.int32)
    texts = tokenizer.detokenize(tf.constant(out))  # keras-hub gives a list of str in eager mode
    texts = texts.numpy().tolist() if hasattr(texts, "numpy") else texts
    return [(t.decode("utf-8") if isinstance(t, bytes) else t).strip() for t in texts]


def tflite_greedy(tflite_path, proto: bytes, texts, *, source_length: int, target_length: int) -> list[str]:
    """:func:`greedy_translate` with the LiteRT file at ``tflite_path``."""
    from kerasdl.export import run_tflite

    return greedy_translate(
        lambda ids: run_tflite(tflite_path, ids), proto, texts, source_length=source_length, target_length=target_length
    )
